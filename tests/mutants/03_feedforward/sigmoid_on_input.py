"""MUTANT: the input is squashed by σ before the first layer (subtle: no known mistake names it).

expect: values differ
"""

from sigmoid import sigmoid

solution_feedforward = feedforward  # noqa: F821 (the solution's, defined before this file)


def feedforward(weights, biases, a):
    return solution_feedforward(weights, biases, sigmoid(a))
