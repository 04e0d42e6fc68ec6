"""Checks of exercise 07: max_pool2d, against ``torch.nn.functional.max_pool2d``.

The known mistakes are recomputed with PyTorch too: pooling with stride 1 or with the stride
left out, average or min pooling instead of max, ceil mode instead of floor mode (in index loops,
the IndexError of its partial windows), a running maximum started at 0, the max taken across the
channels too, and the max over the windows' positions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from grader.calling import Call, Outcome
from grader.checks import Case, check
from grader.checks.reference import array, random_array, tensor
from grader.compare import FLOAT64, Diagnosis, Mistake

EXERCISE = "07_pooling"

STRIDE_ONE = (
    "your result equals max pooling with stride 1 (overlapping windows): when stride is None it "
    "defaults to kernel_size, so that the windows tile the image without overlapping."
)
STRIDE_IGNORED = (
    "your result equals max pooling with stride = kernel_size, as if `stride` had not been given: "
    "windows start every `stride` rows and columns, H_out = (H − kernel_size) // stride + 1."
)
AVERAGE = "your result is the average of each window: max pooling keeps the largest value, window.max()."
MINIMUM = "your result is the smallest value of each window: max pooling keeps the largest, window.max()."
CEIL_MODE = (
    "your result keeps the partial windows at the right and bottom edges (ceil mode): PyTorch's "
    "default floor mode leaves them out, H_out = (H − kernel_size) // stride + 1."
)
CEIL_MODE_INDEX = (
    "an index went past the end, and this x has a partial window at its bottom or right edge: an H_out "
    "or W_out that rounds up, −(−(H − k) // s) + 1 or math.ceil(...), counts that window (ceil mode), "
    "and its last rows or columns are past the end. PyTorch's default floor mode leaves it out: "
    "H_out = (H − kernel_size) // stride + 1, and the same for W_out."
)
MAX_FROM_ZERO = (
    "your result is never below 0 where every value of a window is negative: a running maximum "
    "must start from the window's first value (or -inf), not from 0 (np.zeros)."
)
ACROSS_CHANNELS = (
    "your result takes each window's max across all the channels together: each channel is pooled "
    "on its own, out[n, c, i, j] is the max of x[n, c]'s window alone (over the last two axes only)."
)
OVER_POSITIONS = (
    "your result equals the max over the window positions, for each place inside the window (shape "
    "(N, C, k, k)): sliding_window_view's windows have shape (N, C, H_out, W_out, k, k), and each "
    "window's own max is over the last two axes, windows.max(axis=(4, 5))."
)


# How NumPy and Python say that an index went past the end.
PAST_THE_END = re.compile(r"out of bounds for axis|index out of range")


@dataclass
class _PoolCase(Case):
    """A case of max_pool2d, judged as any other, whose advice for an index past the end names
    the output size's rounding when x has a partial window to count (where its loops' range is
    right, a ceil H_out is what reads past the end)."""

    partial_window: bool = False

    def verdict(self, outcomes: list[Outcome]) -> Diagnosis | None:
        diagnosis = super().verdict(outcomes)
        past_the_end = diagnosis is not None and diagnosis.raised and PAST_THE_END.search(outcomes[0].message)
        if past_the_end and self.partial_window:
            return replace(diagnosis, likely_mistake=CEIL_MODE_INDEX)
        return diagnosis


def _pool(x: np.ndarray, kernel_size: int, stride: int, ceil_mode: bool = False) -> np.ndarray:
    """torch.nn.functional.max_pool2d on a NumPy array, as a NumPy array."""
    with torch.no_grad():
        return array(torch.nn.functional.max_pool2d(tensor(x), kernel_size, stride, ceil_mode=ceil_mode))


def _max_pool2d_case(
    rng: np.random.Generator,
    shape: tuple[int, int, int, int],
    kernel_size: int | None = None,
    stride: int | None = None,
    *,
    dtype: Any = np.float64,
    keywords: bool = False,
    shift: float = 0.0,
) -> Case:
    """A case of max_pool2d; ``kernel_size``/``stride`` None means: leave the argument out of the call."""
    x = (random_array(rng, shape) + shift).astype(dtype)
    k = kernel_size or 2
    s = stride or k
    expected = _pool(x, k, s)
    with torch.no_grad():
        average = array(torch.nn.functional.avg_pool2d(tensor(x), k, s))
    mistakes = [Mistake(average, AVERAGE), Mistake(-_pool(-x, k, s), MINIMUM)]
    if s != 1:
        mistakes.append(Mistake(_pool(x, k, 1), STRIDE_ONE))
    if s != k:
        mistakes.append(Mistake(_pool(x, k, k), STRIDE_IGNORED))
    ceil = _pool(x, k, s, ceil_mode=True)
    if ceil.shape != expected.shape:
        mistakes.append(Mistake(ceil, CEIL_MODE))
    if (expected < 0).any():
        mistakes.append(Mistake(np.maximum(expected, 0), MAX_FROM_ZERO))
    if x.shape[1] > 1:  # one max for all the channels, given to each of them or with the channel axis gone
        across = expected.max(axis=1, keepdims=True)
        mistakes += [
            Mistake(np.broadcast_to(across, expected.shape).copy(), ACROSS_CHANNELS),
            Mistake(across[:, 0], ACROSS_CHANNELS),
        ]
    # The windows' max over their positions (axes 2, 3 of sliding_window_view's), strided or not.
    windows = tensor(x).unfold(2, k, 1).unfold(3, k, 1)
    mistakes += [
        Mistake(array(windows[:, :, ::s, ::s].amax(dim=(2, 3))), OVER_POSITIONS),
        Mistake(array(windows.amax(dim=(2, 3))), OVER_POSITIONS),
    ]
    given = [(name, value) for name, value in (("kernel_size", kernel_size), ("stride", stride)) if value is not None]
    if keywords:
        call = Call("max_pool2d", (x,), dict(given))
    else:
        assert kernel_size is not None or stride is None, "a stride alone must be given by keyword"
        call = Call("max_pool2d", (x, *(value for _, value in given)))
    return _PoolCase(call, expected, FLOAT64, mistakes, partial_window=ceil.shape != expected.shape)


@check(EXERCISE, "max_pool2d")
def max_pool2d_matches_torch(rng: np.random.Generator) -> list[Case]:
    """max_pool2d(x, kernel_size, stride) equals torch.nn.functional.max_pool2d"""
    return [
        _max_pool2d_case(rng, (2, 1, 28, 28)),  # the defaults: MNIST's 28 × 28 becomes 14 × 14
        _max_pool2d_case(rng, (3, 2, 7, 9)),  # odd sizes: the last row and column are left out
        _max_pool2d_case(rng, (2, 3, 8, 8), 3),  # stride defaults to 3: 8 × 8 becomes 2 × 2
        _max_pool2d_case(rng, (1, 2, 9, 11), 3, 2),  # overlapping windows
        _max_pool2d_case(rng, (2, 2, 5, 6), 2, 1),
        _max_pool2d_case(rng, (1, 3, 4, 4), 4),  # one window covers the image
        _max_pool2d_case(rng, (2, 1, 10, 7), kernel_size=3, stride=2, keywords=True),
        _max_pool2d_case(rng, (1, 2, 6, 6), stride=3, keywords=True),  # kernel_size left at 2
    ]


@check(EXERCISE, "max_pool2d")
def max_pool2d_of_negative_maps_matches_torch(rng: np.random.Generator) -> list[Case]:
    """max_pool2d of images whose values are all negative equals torch.nn.functional.max_pool2d"""
    return [
        _max_pool2d_case(rng, (2, 2, 6, 6), shift=-10.0),
        _max_pool2d_case(rng, (1, 1, 7, 5), 3, 1, shift=-10.0),
    ]


@check(EXERCISE, "max_pool2d")
def max_pool2d_keeps_float32(rng: np.random.Generator) -> list[Case]:
    """max_pool2d keeps float32 inputs float32"""
    return [
        _max_pool2d_case(rng, (2, 3, 28, 28), dtype=np.float32),
        _max_pool2d_case(rng, (1, 2, 9, 7), 3, 2, dtype=np.float32),
    ]
