"""MUTANT: the bias gradients take the mean over the batch of a δ already divided by the batch size.

expect: divided by the batch size twice
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
        grad_biases.insert(0, delta.mean(axis=0))  # the mistake: δ is already divided by the batch size
        delta = (delta @ w) * a * (1 - a)
    return grad_weights, grad_biases
