# ruff: noqa  (hostile code written to attack the grader, not to be tidy)
"""Prints gigabytes to stdout and stderr."""

import sys

chunk = "x" * (1024 * 1024)


def weighted_sum(weights, activations, bias):
    for _ in range(4096):
        sys.stdout.write(chunk)
        sys.stderr.write(chunk)
    return 0.0


layer_weighted_sums = weighted_sum
