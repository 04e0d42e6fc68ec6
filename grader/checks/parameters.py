"""Checks of exercise 04: parameter counts, against what PyTorch's own layers hold.

The expected count is ``sum(p.numel() for p in model.parameters())`` of a ``torch.nn.Sequential``
of ``Linear`` layers or a ``torch.nn.Conv2d``, built on the meta device: shapes without memory.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import torch

from grader.calling import Call
from grader.checks import Case, check
from grader.compare import Mistake

EXERCISE = "04_parameters"

FORGOT_BIASES = "you counted only the weights: each neuron after the input layer also has a bias."
NEURONS = "that is the number of neurons: count the parameters, n_out × n_in weights plus n_out biases per layer."
SUM_NOT_PRODUCT = (
    "a layer has n_out × n_in weights (one per connection, every input to every neuron), not n_out + n_in."
)
INPUT_BIASES = (
    "you also counted biases for the input layer: input neurons only pass the data on, so a layer "
    "has n_out biases, for its own neurons."
)
BIASES_PER_INPUT = (
    "you gave each layer n_in biases, one per input: a bias belongs to a neuron the layer computes, "
    "so a layer has n_out biases."
)
# One layer per pair of neighbouring sizes; a loop over range(len(sizes) - 2) misses one of them.
LAYER_MISSING = (
    "you count one layer too few: the {which} layer ({n_in}→{n_out}, {count} parameters) is missing: "
    "n sizes make n − 1 layers, one per pair of neighbouring sizes."
)
CONV_FORGOT_BIASES = "you counted only the kernels: with bias=True each filter also has one bias."
CONV_FORGOT_IN_CHANNELS = (
    "you left out in_channels: each filter has a kh × kw kernel for every input channel, "
    "so a filter holds in_channels × kh × kw weights."
)
CONV_BIASES_PER_INPUT = (
    "you counted in_channels biases, one per input channel: a bias belongs to a filter, and each "
    "filter makes one output channel, so the layer has out_channels biases."
)
CONV_BIAS_IGNORED = "with bias=False the layer has no biases: count out_channels biases only when bias is True."
CONV_ONE_SIDE = "for kernel_size=(kh, kw) the kernel has kh × kw entries: use both sides, not one of them twice."


def torch_count(model: torch.nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def _layer_missing(sizes: list[int], which: str) -> Mistake:
    """The count without the first or the last layer, as a loop one step short gives it."""
    layers = list(pairwise(sizes))
    n_in, n_out = layers[0] if which == "first" else layers[-1]
    count = n_out * n_in + n_out
    total = sum(o * i + o for i, o in layers)
    return Mistake(total - count, LAYER_MISSING.format(which=which, n_in=n_in, n_out=n_out, count=count))


def _dense_case(sizes: list[int]) -> Case:
    network = torch.nn.Sequential(*[torch.nn.Linear(n_in, n_out, device="meta") for n_in, n_out in pairwise(sizes)])
    weights = sum(n_in * n_out for n_in, n_out in pairwise(sizes))
    biases = sum(sizes[1:])
    mistakes = [
        Mistake(weights, FORGOT_BIASES),
        Mistake(sum(sizes), NEURONS),
        Mistake(sum(n_in + n_out for n_in, n_out in pairwise(sizes)) + biases, SUM_NOT_PRODUCT),
        Mistake(weights + biases + sizes[0], INPUT_BIASES),
        Mistake(weights + sum(sizes[:-1]), BIASES_PER_INPUT),
    ]
    if len(sizes) > 2:  # with one layer, leaving out the first or the last is the same: 0
        mistakes += [_layer_missing(sizes, "last"), _layer_missing(sizes, "first")]
    return Case(Call("count_parameters", (sizes,)), torch_count(network), mistakes=mistakes)


@check(EXERCISE, "count_parameters")
def count_parameters_matches_torch(rng: np.random.Generator) -> list[Case]:
    """count_parameters(sizes) equals the parameter count of a torch.nn.Sequential of Linear layers"""
    drawn = [[int(n) for n in rng.integers(1, 1000, length)] for length in (2, 3, 5)]
    return [_dense_case(sizes) for sizes in ([784, 16, 16, 10], [784, 256, 10], [784, 30, 10], [2, 3], *drawn)]


def _conv_case(in_channels: int, out_channels: int, kernel_size: int | tuple[int, int], bias: bool | None) -> Case:
    kwargs = {} if bias is None else {"bias": bias}
    layer = torch.nn.Conv2d(in_channels, out_channels, kernel_size, device="meta", **kwargs)
    kh, kw = layer.kernel_size
    kernels = out_channels * in_channels * kh * kw
    with_bias = bias is not False
    if with_bias:
        mistakes = [
            Mistake(kernels, CONV_FORGOT_BIASES),
            Mistake(out_channels * kh * kw + out_channels, CONV_FORGOT_IN_CHANNELS),
        ]
        if in_channels > 1:  # with one input channel, it is also one bias for the whole layer
            mistakes.append(Mistake(kernels + in_channels, CONV_BIASES_PER_INPUT))
    else:
        mistakes = [
            Mistake(kernels + out_channels, CONV_BIAS_IGNORED),
            Mistake(out_channels * kh * kw, CONV_FORGOT_IN_CHANNELS),
        ]
    if kh != kw:
        biases = out_channels if with_bias else 0
        mistakes += [Mistake(out_channels * in_channels * k * k + biases, CONV_ONE_SIDE) for k in (kh, kw)]
    return Case(
        Call("count_conv2d_parameters", (in_channels, out_channels, kernel_size), kwargs),
        torch_count(layer),
        mistakes=mistakes,
    )


@check(EXERCISE, "count_conv2d_parameters")
def count_conv2d_parameters_matches_torch(rng: np.random.Generator) -> list[Case]:
    """count_conv2d_parameters equals the parameter count of torch.nn.Conv2d, for int and (kh, kw) kernels"""
    drawn = [(int(rng.integers(2, 64)), int(rng.integers(2, 64)), int(rng.integers(2, 8))) for _ in range(2)]
    return [
        _conv_case(1, 8, 5, None),  # bias left to its default, True
        _conv_case(3, 16, 3, True),
        _conv_case(16, 32, (3, 5), None),
        _conv_case(8, 4, (7, 2), False),
        _conv_case(6, 6, 1, False),
        *(_conv_case(i, o, k, None) for i, o, k in drawn),
    ]
