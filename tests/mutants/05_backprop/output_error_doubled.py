"""MUTANT: the output error keeps the factor 2 of the square's derivative: δ_L = 2·(a_L − y) ⊙ σ'(z_L).

expect: the ½ in C = ½‖a_L − y‖²
"""

import numpy as np
from neuron import layer_weighted_sums
from sigmoid import sigmoid


def backprop(weights, biases, x, y):
    activations = [np.atleast_2d(x)]
    for w, b in zip(weights, biases):
        activations.append(sigmoid(layer_weighted_sums(w, activations[-1], b)))
    output = activations[-1]
    delta = 2 * (output - y) * output * (1 - output) / len(activations[0])  # the mistake: 2·
    grad_weights, grad_biases = [], []
    for w, a in zip(weights[::-1], activations[-2::-1]):
        grad_weights.insert(0, delta.T @ a)
        grad_biases.insert(0, delta.sum(axis=0))
        delta = (delta @ w) * a * (1 - a)
    return grad_weights, grad_biases
