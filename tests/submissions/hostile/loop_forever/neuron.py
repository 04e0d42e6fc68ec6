# ruff: noqa  (hostile code written to attack the grader, not to be tidy)
"""Loops forever inside the function being checked."""


def weighted_sum(weights, activations, bias):
    while True:
        pass


def layer_weighted_sums(weights, activations, biases):
    while True:
        pass
