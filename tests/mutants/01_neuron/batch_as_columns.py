"""MUTANT: a batch is treated as columns.

expect: (batch, n_out)
"""


def layer_weighted_sums(weights, activations, biases):
    return (weights @ activations.T).T + biases if activations.ndim == 1 else weights @ activations.T + biases[:, None]
