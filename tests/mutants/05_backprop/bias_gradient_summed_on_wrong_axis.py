"""MUTANT: the bias gradients add up each example's neurons, delta.sum(axis=1), not the examples.

expect: one number per example, shape (batch,)
"""

import numpy as np
from neuron import layer_weighted_sums
from sigmoid import sigmoid


def backprop(weights, biases, x, y):
    activations = [np.atleast_2d(x)]
    for w, b in zip(weights, biases):
        activations.append(sigmoid(layer_weighted_sums(w, activations[-1], b)))
    output = activations[-1]
    delta = (output - y) * output * (1 - output) / len(activations[0])
    grad_weights, grad_biases = [], []
    for w, a in zip(weights[::-1], activations[-2::-1]):
        grad_weights.insert(0, delta.T @ a)
        grad_biases.insert(0, delta.sum(axis=1))  # the mistake: shape (batch,), not (n_out,)
        delta = (delta @ w) * a * (1 - a)
    return grad_weights, grad_biases
