"""MUTANT: the sum starts from the biases under another name, and += changes the caller's biases.

expect: `y = biases` (or np.asarray(biases)) makes no copy
"""


def layer_weighted_sums(weights, activations, biases):
    z = biases
    z += activations @ weights.T
    return z
