# ruff: noqa  (hostile code written to attack the grader, not to be tidy)
"""Hands in a solution written with PyTorch."""

import torch


def weighted_sum(weights, activations, bias):
    return float(torch.dot(torch.as_tensor(weights), torch.as_tensor(activations)) + bias)


def layer_weighted_sums(weights, activations, biases):
    return (torch.as_tensor(weights) @ torch.as_tensor(activations) + torch.as_tensor(biases)).numpy()
