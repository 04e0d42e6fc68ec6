"""MUTANT: the neuron forgets the bias.

expect: leaves out the bias
"""

import numpy as np


def weighted_sum(weights, activations, bias):
    return float(np.dot(weights, activations))
