"""MUTANT: the hidden layers' errors forget σ'(z_l): δ_l = W_(l+1)ᵀ·δ_(l+1); the output error is right.

expect: your hidden layers' errors have no σ'(z_l)
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
        grad_biases.insert(0, delta.sum(axis=0))
        delta = delta @ w  # the mistake: no ⊙ σ'(z_l) = a·(1 − a)
    return grad_weights, grad_biases
