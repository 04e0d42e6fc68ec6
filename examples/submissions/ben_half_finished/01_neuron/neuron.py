"""Exercise 01: the weighted sum of one neuron, then of a whole layer.

Read README.md in this folder first. Run the checks with:  pytest exercises/01_neuron
"""

import numpy as np


def weighted_sum(weights, activations, bias):
    return float(np.sum(weights * activations) + bias)


def layer_weighted_sums(weights, activations, biases):
    # (n_out, n_in) @ (..., n_in, 1) -> (..., n_out, 1): works for one example and for a batch
    z = np.matmul(weights, activations[..., np.newaxis])[..., 0]
    return z + biases
