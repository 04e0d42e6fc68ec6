"""MUTANT: the hidden layers' errors use σ'(a) instead of σ'(z); the output error is right.

expect: your hidden layers' errors use σ'(a)
"""

import numpy as np
from neuron import layer_weighted_sums
from sigmoid import sigmoid, sigmoid_prime


def backprop(weights, biases, x, y):
    zs, activations = [], [np.atleast_2d(x)]
    for w, b in zip(weights, biases):
        zs.append(layer_weighted_sums(w, activations[-1], b))
        activations.append(sigmoid(zs[-1]))
    deltas = [(activations[-1] - y) * sigmoid_prime(zs[-1]) / len(activations[0])]
    for layer in range(len(weights) - 1, 0, -1):
        # The mistake: σ'(a_l), the derivative taken at the activation instead of at z_l.
        deltas.insert(0, (deltas[0] @ weights[layer]) * sigmoid_prime(activations[layer]))
    return [d.T @ a for d, a in zip(deltas, activations)], [d.sum(axis=0) for d in deltas]
