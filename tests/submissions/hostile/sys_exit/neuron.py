# ruff: noqa  (hostile code written to attack the grader, not to be tidy)
"""Raises SystemExit, which is not an Exception, from inside the checked functions."""

import sys


def weighted_sum(weights, activations, bias):
    sys.exit(0)


def layer_weighted_sums(weights, activations, biases):
    raise SystemExit("bye")
