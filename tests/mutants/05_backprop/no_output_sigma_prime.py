"""MUTANT: the output error forgets σ'(z_L).

expect: no σ'(z_L) in the output error
"""

import numpy as np
from neuron import layer_weighted_sums
from sigmoid import sigmoid


def backprop(weights, biases, x, y):
    activations = [np.atleast_2d(x)]
    for w, b in zip(weights, biases):
        activations.append(sigmoid(layer_weighted_sums(w, activations[-1], b)))
    delta = (activations[-1] - y) / len(activations[0])  # the mistake: no ⊙ σ'(z_L)
    grad_weights, grad_biases = [], []
    for w, a in zip(weights[::-1], activations[-2::-1]):
        grad_weights.insert(0, delta.T @ a)
        grad_biases.insert(0, delta.sum(axis=0))
        delta = (delta @ w) * a * (1 - a)  # σ'(z) = σ(z)·(1 − σ(z)) = a·(1 − a) for hidden layers
    return grad_weights, grad_biases
