"""MUTANT: σ'(z) written as z·(1 − z), the formula of a·(1 − a) applied to the weighted input z.

expect: z·(1 − z)
"""

import numpy as np
from neuron import layer_weighted_sums
from sigmoid import sigmoid


def backprop(weights, biases, x, y):
    zs, activations = [], [np.atleast_2d(x)]
    for w, b in zip(weights, biases):
        zs.append(layer_weighted_sums(w, activations[-1], b))
        activations.append(sigmoid(zs[-1]))
    delta = (activations[-1] - y) * zs[-1] * (1 - zs[-1]) / len(activations[0])  # the mistake: z·(1 − z)
    grad_weights, grad_biases = [], []
    for layer in reversed(range(len(weights))):
        grad_weights.insert(0, delta.T @ activations[layer])
        grad_biases.insert(0, delta.sum(axis=0))
        if layer > 0:
            z = zs[layer - 1]
            delta = (delta @ weights[layer]) * z * (1 - z)
    return grad_weights, grad_biases
