"""MUTANT: the result is promoted to float64.

expect: expected dtype float32
"""

import numpy as np


def layer_weighted_sums(weights, activations, biases):
    return activations.astype(np.float64) @ weights.T.astype(np.float64) + biases
