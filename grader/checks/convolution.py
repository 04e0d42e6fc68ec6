"""Checks of exercise 06: convolve2d and conv2d, against ``torch.nn.functional.conv2d``.

Every known mistake is recomputed with PyTorch too, by calling ``conv2d`` the wrong way: with
the kernel flipped, without padding, with stride 1 (kept whole, or cut to the strided output's
size), without bias, with one input channel.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from grader.calling import Call
from grader.checks import Case, check
from grader.checks.reference import array, random_array, tensor
from grader.compare import Mistake, tolerance_for

EXERCISE = "06_convolution"

FLIPPED = (
    "your result equals the convolution with the kernel flipped (rotated by 180°), the "
    "mathematicians' convolution: deep learning's convolution uses the kernel as it is, "
    "out[i, j] = Σ image[i + u, j + v] · kernel[u, v]."
)
NO_PADDING = (
    "your result equals the convolution without padding: add `padding` rows and columns of zeros "
    "on every side of each image first (np.pad on the last two axes only)."
)
PADDED_EVERY_AXIS = (
    "your result equals the convolution of x padded along every axis, the batch and channel axes "
    "too, which is what np.pad(x, padding) does: pad only the rows and columns, "
    "np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))."
)
NO_STRIDE = (
    "your result equals the convolution with stride 1: the kernel must move `stride` pixels at a "
    "time, so keep only every stride-th position in each direction."
)
STRIDE_ONLY_IN_SIZE = (
    "your result is the right size but holds the convolution with stride 1, cut to that size: the "
    "stride went into H_out and W_out but not into where each patch starts. Output position (i, j) "
    "reads the patch from row i·stride and column j·stride, x[..., i*stride : i*stride + kh, "
    "j*stride : j*stride + kw], not from row i and column j."
)
NO_BIAS = "your result equals the convolution without the bias: add bias[o] to every pixel of output channel o."
LAST_CHANNEL = (
    "your result uses only the last input channel: each output channel adds up what its kernels see "
    "in all C_in input channels, out[n, o] = Σ_c convolve2d(x[n, c], weight[o, c]) + bias[o] (with a loop over c, "
    "accumulate with += instead of assigning with =)."
)
FIRST_CHANNEL = (
    "your result uses only the first input channel: each output channel adds up what its kernels see "
    "in all C_in input channels, out[n, o] = Σ_c convolve2d(x[n, c], weight[o, c]) + bias[o]."
)
CHANNELS_AVERAGED = (
    "your result averages over the input channels: each output channel adds them up, "
    "out[n, o] = Σ_c convolve2d(x[n, c], weight[o, c]) + bias[o] (a sum, not a mean)."
)
BIAS_PER_INPUT_CHANNEL = (
    "your result adds bias[o] once per input channel (C_in times): add it once per output channel, "
    "after the sum over the input channels, out[n, o] = Σ_c convolve2d(x[n, c], weight[o, c]) + bias[o]."
)
CHANNELS_NOT_SUMMED = (
    "your result keeps one map per input channel, shape (N, C_out, C_in, H_out, W_out): add them "
    "up over the input channels c, so that the result has shape (N, C_out, H_out, W_out)."
)


def _conv(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None = None, stride: int = 1, padding: int = 0):
    """torch.nn.functional.conv2d on NumPy arrays, as a NumPy array."""
    with torch.no_grad():
        b = None if bias is None else tensor(bias)
        return array(torch.nn.functional.conv2d(tensor(x), tensor(weight), b, stride=stride, padding=padding))


def _magnitude(x: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, stride: int, padding: int) -> float:
    """The largest sum of |terms| behind an output value: how far float32 rounding can grow."""
    absolute_bias = None if bias is None else np.abs(bias)
    return float(np.max(_conv(np.abs(x), np.abs(weight), absolute_bias, stride, padding)))


# ----------------------------------------------------------------------------------------------
# convolve2d


def _convolve2d_case(rng: np.random.Generator, image_shape: tuple[int, int], kernel_shape: tuple[int, int], dtype: Any):
    image = random_array(rng, image_shape, dtype)
    kernel = random_array(rng, kernel_shape, dtype)
    expected = _conv(image[None, None], kernel[None, None])[0, 0]
    flipped = _conv(image[None, None], np.flip(kernel).copy()[None, None])[0, 0]
    return Case(
        Call("convolve2d", (image, kernel)),
        expected,
        tolerance_for(image, kernel, magnitude=_magnitude(image[None, None], kernel[None, None], None, 1, 0)),
        [Mistake(flipped, FLIPPED)],
    )


@check(EXERCISE, "convolve2d")
def convolve2d_matches_torch(rng: np.random.Generator) -> list[Case]:
    """convolve2d(image, kernel) equals torch.nn.functional.conv2d on one channel, no padding"""
    return [
        _convolve2d_case(rng, (5, 5), (3, 3), np.float64),
        _convolve2d_case(rng, (28, 28), (5, 5), np.float64),
        _convolve2d_case(rng, (7, 4), (2, 3), np.float64),  # nothing square: rows and columns can't be swapped
        _convolve2d_case(rng, (4, 6), (4, 6), np.float64),  # the kernel fills the image: one value
        _convolve2d_case(rng, (6, 5), (1, 1), np.float64),
        _convolve2d_case(rng, (3, 8), (3, 1), np.float64),
    ]


@check(EXERCISE, "convolve2d")
def convolve2d_keeps_float32(rng: np.random.Generator) -> list[Case]:
    """convolve2d keeps float32 inputs float32"""
    return [
        _convolve2d_case(rng, (28, 28), (5, 5), np.float32),
        _convolve2d_case(rng, (9, 6), (3, 2), np.float32),
    ]


# ----------------------------------------------------------------------------------------------
# conv2d


def _per_input_channel(x: np.ndarray, weight: np.ndarray, stride: int, padding: int) -> np.ndarray:
    """(N, C_out, C_in, H_out, W_out): what each input channel contributes, not yet summed."""
    maps = [_conv(x[:, c : c + 1], weight[:, c : c + 1], None, stride, padding) for c in range(x.shape[1])]
    return np.stack(maps, axis=2)


def _conv2d_case(
    rng: np.random.Generator,
    batch: int,
    c_in: int,
    image: tuple[int, int],
    c_out: int,
    kernel: tuple[int, int],
    *,
    stride: int | None = None,
    padding: int | None = None,
    bias: bool = True,
    dtype: Any = np.float64,
) -> Case:
    """A case of conv2d; ``stride``/``padding`` None means: leave the argument out of the call."""
    x = random_array(rng, (batch, c_in, *image), dtype)
    weight = random_array(rng, (c_out, c_in, *kernel), dtype)
    b = random_array(rng, (c_out,), dtype) if bias else None
    s, p = stride or 1, padding or 0
    expected = _conv(x, weight, b, s, p)

    def with_bias(value: np.ndarray) -> np.ndarray:
        return value if b is None else value + b[:, None, None]

    mistakes = [Mistake(_conv(x, np.flip(weight, axis=(2, 3)).copy(), b, s, p), FLIPPED)]
    if p:
        mistakes.append(Mistake(_conv(x, weight, b, s, 0), NO_PADDING))
        # Loops over n < N and c < C then read the padded array's first N images and C channels.
        padded_everywhere = np.pad(x, p)[: x.shape[0], : x.shape[1]]
        mistakes.append(Mistake(_conv(padded_everywhere, weight, b, s, 0), PADDED_EVERY_AXIS))
    if s > 1:
        stride_one = _conv(x, weight, b, 1, p)
        mistakes += [
            Mistake(stride_one, NO_STRIDE),
            # Patches read from (i, j) instead of (i·stride, j·stride): stride 1's top-left corner.
            Mistake(stride_one[..., : expected.shape[2], : expected.shape[3]].copy(), STRIDE_ONLY_IN_SIZE),
        ]
    if b is not None:
        mistakes.append(Mistake(_conv(x, weight, None, s, p), NO_BIAS))
    if c_in > 1:
        per_channel = _per_input_channel(x, weight, s, p)
        mistakes += [
            Mistake(with_bias(per_channel[:, :, -1]), LAST_CHANNEL),
            Mistake(with_bias(per_channel[:, :, 0]), FIRST_CHANNEL),
            Mistake(with_bias((per_channel.sum(axis=2) / c_in).astype(x.dtype)), CHANNELS_AVERAGED),
            Mistake(per_channel, CHANNELS_NOT_SUMMED),
        ]
        if b is not None:  # a bias added inside the loop over the input channels
            mistakes.append(Mistake(expected + (c_in - 1) * b[:, None, None], BIAS_PER_INPUT_CHANNEL))
    args: tuple = (x, weight) if b is None else (x, weight, b)
    kwargs = {name: value for name, value in (("stride", stride), ("padding", padding)) if value is not None}
    return Case(
        Call("conv2d", args, kwargs),
        expected,
        tolerance_for(x, weight, magnitude=_magnitude(x, weight, b, s, p)),
        mistakes,
    )


@check(EXERCISE, "conv2d")
def conv2d_matches_torch(rng: np.random.Generator) -> list[Case]:
    """conv2d(x, weight, bias) equals torch.nn.functional.conv2d (stride 1, no padding)"""
    return [
        _conv2d_case(rng, 1, 1, (6, 6), 1, (3, 3)),
        _conv2d_case(rng, 2, 3, (8, 8), 4, (3, 3)),
        _conv2d_case(rng, 3, 1, (28, 28), 6, (5, 5)),  # a first layer on MNIST-sized images
        _conv2d_case(rng, 2, 2, (7, 5), 3, (2, 3)),  # nothing square
        _conv2d_case(rng, 2, 4, (5, 5), 2, (1, 1)),  # a 1×1 kernel only mixes channels
        _conv2d_case(rng, 1, 2, (6, 6), 2, (3, 3), bias=False),  # bias left out: None
    ]


@check(EXERCISE, "conv2d")
def conv2d_padding_and_stride_match_torch(rng: np.random.Generator) -> list[Case]:
    """conv2d with padding and stride (given by keyword) equals torch.nn.functional.conv2d"""
    return [
        _conv2d_case(rng, 2, 2, (6, 6), 3, (3, 3), padding=1),  # "same" size
        _conv2d_case(rng, 1, 3, (5, 7), 2, (3, 3), padding=2),
        _conv2d_case(rng, 2, 2, (8, 8), 3, (3, 3), stride=2),
        _conv2d_case(rng, 2, 1, (9, 7), 2, (3, 2), stride=3),  # the last partial position is left out
        _conv2d_case(rng, 2, 3, (7, 7), 4, (3, 3), stride=2, padding=1),
        _conv2d_case(rng, 1, 2, (10, 6), 2, (4, 3), stride=2, padding=2, bias=False),
    ]


@check(EXERCISE, "conv2d")
def conv2d_keeps_float32(rng: np.random.Generator) -> list[Case]:
    """conv2d keeps float32 inputs float32"""
    return [
        _conv2d_case(rng, 2, 3, (28, 28), 4, (5, 5), dtype=np.float32),
        _conv2d_case(rng, 2, 2, (9, 9), 3, (3, 3), stride=2, padding=1, bias=False, dtype=np.float32),
    ]
