"""Exercise 01: the weighted sum of one neuron, then of a whole layer.

Ada's hand-in.
"""

import numpy as np


def weighted_sum(weights, activations, bias):
    # z = w1*a1 + ... + wn*an + b, written out as a loop first to see what it does
    z = 0.0
    for w_i, a_i in zip(weights, activations):
        z += w_i * a_i
    return float(z + bias)


def layer_weighted_sums(weights, activations, biases):
    # W is (n_out, n_in). For a batch the rows of `activations` are the examples, so
    # transposing twice gives (batch, n_out); a single example just stays 1-D.
    if activations.ndim == 1:
        return np.dot(weights, activations) + biases
    return np.dot(weights, activations.T).T + biases
