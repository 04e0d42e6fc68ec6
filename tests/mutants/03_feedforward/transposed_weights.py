"""MUTANT: every layer uses W transposed.

expect: computed with every W transposed
"""

from sigmoid import sigmoid


def feedforward(weights, biases, a):
    for w, b in zip(weights, biases):
        a = sigmoid(a @ w + b)
    return a
