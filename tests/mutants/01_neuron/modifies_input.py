"""MUTANT: the activations are modified in place.

expect: in place
"""


def layer_weighted_sums(weights, activations, biases):
    activations *= 1.0000001
    return activations @ weights.T + biases
