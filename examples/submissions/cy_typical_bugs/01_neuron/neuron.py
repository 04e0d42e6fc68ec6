"""Exercise 01: the weighted sum of one neuron, then of a whole layer.

Read README.md in this folder first. Run the checks with:  pytest exercises/01_neuron
"""

import numpy as np


def weighted_sum(weights, activations, bias):
    z = np.dot(weights, activations)
    return float(z)


def layer_weighted_sums(weights, activations, biases):
    return activations @ weights + biases
