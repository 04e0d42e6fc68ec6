"""MUTANT: the output error uses σ'(a_L) instead of σ'(z_L); the hidden layers' errors are right.

expect: your output error uses σ'(a_L)
avoid: in every layer
"""

import numpy as np
from neuron import layer_weighted_sums
from sigmoid import sigmoid, sigmoid_prime


def backprop(weights, biases, x, y):
    activations = [np.atleast_2d(x)]
    for w, b in zip(weights, biases):
        activations.append(sigmoid(layer_weighted_sums(w, activations[-1], b)))
    output = activations[-1]
    delta = (output - y) * sigmoid_prime(output) / len(activations[0])  # the mistake: σ'(a_L)
    grad_weights, grad_biases = [], []
    for w, a in zip(weights[::-1], activations[-2::-1]):
        grad_weights.insert(0, delta.T @ a)
        grad_biases.insert(0, delta.sum(axis=0))
        delta = (delta @ w) * a * (1 - a)
    return grad_weights, grad_biases
