# ruff: noqa  (hostile code written to attack the grader, not to be tidy)
"""Text that UTF-8 cannot hold (lone surrogates) in an error and a warning."""

import warnings


def weighted_sum(weights, activations, bias):
    warnings.warn("\udfff")
    raise ValueError("\ud800 no feedback file can hold this")


def layer_weighted_sums(weights, activations, biases):
    raise KeyError("\udcff")
