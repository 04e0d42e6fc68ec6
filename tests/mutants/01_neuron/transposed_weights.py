"""MUTANT: the weights are used transposed.

expect: your result equals Wᵀ·a + b
"""


def layer_weighted_sums(weights, activations, biases):
    return activations @ weights + biases
