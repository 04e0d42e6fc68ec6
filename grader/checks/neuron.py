"""Checks of exercise 01: weighted sums, against ``torch.dot`` and ``torch.nn.functional.linear``."""

from __future__ import annotations

import numpy as np
import torch

from grader.calling import Call
from grader.checks import Case, check
from grader.checks.reference import array, random_array, tensor
from grader.compare import FLOAT64, Mistake, tolerance_for

EXERCISE = "01_neuron"

TRANSPOSED_W = (
    "your result equals Wᵀ·a + b: W has shape (n_out, n_in), so row j holds the weights into "
    "neuron j; compute W·a (or a @ W.T for a batch)."
)
NO_BIAS = "your result equals W·a without the bias: add b."
ONE_SUM = (
    "every entry of your result is the sum of all of W's products, plus b: np.sum adds the whole "
    "layer into one number, and each neuron needs the sum of its own row: W @ a (np.sum(W * a, axis=1))."
)
NO_SUM = (
    "you return one value per input, not their sum: the weighted sum is "
    "np.dot(weights, activations) + bias, one number."
)
BATCH_TRANSPOSED = (
    "your result is the right answer transposed, laid out as (n_out, batch): the examples of a "
    "batch are rows, so compute a @ W.T + b, which gives (batch, n_out)."
)


@check(EXERCISE, "weighted_sum")
def weighted_sum_matches_torch(rng: np.random.Generator) -> list[Case]:
    """weighted_sum(w, a, b) equals torch.dot(w, a) + b"""
    cases = []
    for n in (1, 3, 10, 784):
        weights, activations = random_array(rng, (n,)), rng.uniform(0, 1, n)
        bias = float(rng.normal())
        expected = float(torch.dot(tensor(weights), tensor(activations)) + bias)
        mistakes = [
            Mistake(expected - bias, "your sum leaves out the bias b: add it once, after the sum."),
            Mistake(expected + bias * (n - 1), "the bias is added n times: add b once, outside the sum."),
        ]
        if n > 1:  # for n = 1, w·a + b element by element is the right number in an array of shape (1,)
            mistakes.append(Mistake(weights * activations + bias, NO_SUM))
        cases.append(Case(Call("weighted_sum", (weights, activations, bias)), expected, FLOAT64, mistakes))
    return cases


def _linear_case(rng: np.random.Generator, n_out: int, n_in: int, batch: int | None, dtype: type) -> Case:
    weights = random_array(rng, (n_out, n_in), dtype)
    biases = random_array(rng, (n_out,), dtype)
    activations = rng.uniform(0, 1, (n_in,) if batch is None else (batch, n_in)).astype(dtype)
    expected = array(torch.nn.functional.linear(tensor(activations), tensor(weights), tensor(biases)))
    mistakes = [Mistake(expected - biases, NO_BIAS)]
    if batch is None:
        mistakes.append(Mistake(np.sum(weights * activations) + biases, ONE_SUM))
    if n_out == n_in:
        mistakes.append(Mistake(activations @ weights + biases, TRANSPOSED_W))
    if batch is not None and batch == n_out:
        mistakes.append(Mistake(expected.T.copy(), BATCH_TRANSPOSED))
    return Case(
        Call("layer_weighted_sums", (weights, activations, biases)),
        expected,
        tolerance_for(weights, magnitude=float(np.max(np.abs(activations) @ np.abs(weights).T + np.abs(biases)))),
        mistakes,
    )


@check(EXERCISE, "layer_weighted_sums")
def layer_weighted_sums_matches_torch_linear(rng: np.random.Generator) -> list[Case]:
    """layer_weighted_sums(W, a, b) equals torch.nn.functional.linear(a, W, b)"""
    return [
        _linear_case(rng, 3, 5, None, np.float64),
        _linear_case(rng, 4, 4, None, np.float64),  # square W: a transposed W still has the right shape
        _linear_case(rng, 16, 784, None, np.float64),
        # First of the batches: a shape error shown here has W (10, 16) and a (7, 16) to tell apart.
        _linear_case(rng, 10, 16, 7, np.float64),
        _linear_case(rng, 3, 5, 3, np.float64),  # batch == n_out: a transposed output has the right shape
        _linear_case(rng, 6, 6, 2, np.float64),
    ]


@check(EXERCISE, "layer_weighted_sums")
def layer_weighted_sums_keeps_float32(rng: np.random.Generator) -> list[Case]:
    """layer_weighted_sums keeps float32 inputs float32"""
    return [_linear_case(rng, 4, 4, None, np.float32), _linear_case(rng, 16, 784, 5, np.float32)]
