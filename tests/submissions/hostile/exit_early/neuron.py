# ruff: noqa  (hostile code written to attack the grader, not to be tidy)
"""Ends the worker process before it can answer."""

import os


def weighted_sum(weights, activations, bias):
    os._exit(0)


def layer_weighted_sums(weights, activations, biases):
    os._exit(0)
