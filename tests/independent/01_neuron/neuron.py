"""Independent implementation of exercise 01 (written from the README and stub only)."""

import numpy as np


def weighted_sum(weights, activations, bias):
    """One neuron, by an explicit loop over its inputs."""
    total = float(bias)
    for w, a in zip(np.ravel(weights), np.ravel(activations), strict=True):
        total += float(w) * float(a)
    return total


def layer_weighted_sums(weights, activations, biases):
    """A layer, one example or a batch, with einsum instead of a matrix product."""
    weights = np.asarray(weights)
    activations = np.asarray(activations)
    return np.einsum("oi,...i->...o", weights, activations) + np.asarray(biases)
