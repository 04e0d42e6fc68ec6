"""MUTANT: the layer forgets the bias.

expect: without the bias
"""


def layer_weighted_sums(weights, activations, biases):
    return activations @ weights.T
