"""MUTANT: sgd_step updates the caller's arrays in place.

expect: in place
"""

from backprop import backprop


def sgd_step(weights, biases, x, y, learning_rate):
    grad_weights, grad_biases = backprop(weights, biases, x, y)
    for parameter, gradient in zip([*weights, *biases], [*grad_weights, *grad_biases]):
        parameter -= learning_rate * gradient
    return weights, biases
