"""MUTANT: the layers forget their biases.

expect: without biases
"""

from sigmoid import sigmoid


def feedforward(weights, biases, a):
    for w in weights:
        a = sigmoid(a @ w.T)
    return a
