"""MUTANT: the layer's products are summed into one number with np.sum, then the biases added.

expect: np.sum adds the whole layer into one number
"""

import numpy as np


def layer_weighted_sums(weights, activations, biases):
    return np.sum(weights * activations) + biases
