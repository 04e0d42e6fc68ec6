"""MUTANT: sgd_step forgets the learning rate.

expect: leaves out the learning rate
"""

solution_sgd_step = sgd_step  # noqa: F821 (the solution's, defined before this file)


def sgd_step(weights, biases, x, y, learning_rate):
    return solution_sgd_step(weights, biases, x, y, 1.0)  # W − ∂C/∂W
