"""Checks of exercise 02: the sigmoid and its derivative, against ``torch.sigmoid`` and autograd."""

from __future__ import annotations

import numpy as np
import torch

from grader.calling import Call
from grader.checks import Case, check
from grader.checks.reference import array, random_array, tensor
from grader.compare import FLOAT32, FLOAT64, Mistake, Tolerance

EXERCISE = "02_sigmoid"

SIGN_FLIPPED = (
    "your result equals σ(−z) = 1 / (1 + e^z): the sign of z is flipped somewhere: in the exponent "
    "(e^z where e^(−z) belongs), or in np.where, if you pick between two forms: with "
    "e = np.exp(-np.abs(z)), 1 / (1 + e) goes where z >= 0 and e / (1 + e) where z < 0."
)
FORGOT_DERIVATIVE = (
    "your result equals σ(z) itself: sigmoid_prime is the slope of the sigmoid, σ'(z) = σ(z)·(1 − σ(z))."
)
DERIVATIVE_OF_Z = (
    "your result equals z·(1 − z): the formula σ(z)·(1 − σ(z)) applies to σ(z), not to z; "
    "compute s = sigmoid(z) first, then s * (1 - s)."
)
SIGMA_TIMES_ONE_MINUS_Z = (
    "your result equals σ(z)·(1 − z): the second factor is 1 − σ(z), not 1 − z; "
    "with s = sigmoid(z), return s * (1 - s)."
)
SIGMA_SQUARED = (
    "your result equals σ(z)·σ(z): 1 − σ(−z) is σ(z) again, not 1 − σ(z); with s = sigmoid(z), return s * (1 - s)."
)
OVERFLOW = (
    "np.exp(-z) overflows to inf for large negative z (e^x is inf for x above about 709 in float64, "
    "88 in float32), and np.exp(z) for large positive z. Use e = np.exp(-np.abs(z)), which is never "
    "above 1, and take 1 / (1 + e) where z >= 0 and e / (1 + e) where z < 0: both equal σ(z). "
    "np.where computes both of its arrays in full before it picks, so build both from e."
)
OVERFLOW_PRIME = (
    "sigmoid_prime overflows when it computes np.exp itself, or calls a sigmoid that does: write it with "
    "your sigmoid, s = sigmoid(z), then return s * (1 - s), and make sigmoid stable. "
) + OVERFLOW
# Near the limits, but not on them: what clipping z, or adding a small number "for safety", gives.
NOT_EXACT = (
    "your values for huge |z| are close to the limits but not on them, as when z is clipped "
    "(np.clip) or a small number is added to avoid an overflow. Neither is needed: e = np.exp(-np.abs(z)) "
    "never overflows, and 1 / (1 + e) where z >= 0, e / (1 + e) where z < 0 reach 0.0 and 1.0 exactly."
)
NOT_EXACT_PRIME = NOT_EXACT + " If sigmoid_prime uses your sigmoid, fixing sigmoid fixes both."

# A bound learners clip z to: σ(±30) is within 1e-13 of the limits, yet not on them.
CLIP = 30.0
# Limits must come out exactly: 0.0 and 1.0 for σ, 0.0 for σ', whatever the dtype.
EXACT = Tolerance(rtol=0.0, atol=0.0)


def sigmoid_and_prime(z: np.ndarray | float) -> tuple[np.ndarray, np.ndarray]:
    """σ(z) by ``torch.sigmoid`` and its derivative by autograd, in the dtype of z."""
    z_t = tensor(z, grad=True)
    s = torch.sigmoid(z_t)
    (slope,) = torch.autograd.grad(s.sum(), z_t)
    return array(s), array(slope)


def _answers(function: str, z: np.ndarray | float) -> tuple[np.ndarray, list[Mistake]]:
    """What ``function`` (sigmoid or sigmoid_prime) should return for z, and its known wrong answers."""
    s, slope = sigmoid_and_prime(z)
    if function == "sigmoid":
        return s, [Mistake(sigmoid_and_prime(-np.asarray(z))[0], SIGN_FLIPPED)]
    z_array = np.asarray(z)
    return slope, [
        Mistake(s, FORGOT_DERIVATIVE),
        Mistake(z_array * (1 - z_array), DERIVATIVE_OF_Z),
        Mistake(s * (1 - z_array), SIGMA_TIMES_ONE_MINUS_Z),
        Mistake(s * s, SIGMA_SQUARED),
    ]


def _inputs(rng: np.random.Generator, dtype: type) -> list[np.ndarray | float]:
    """A number and arrays of several shapes, spread over the bend of the curve (|z| up to ~12)."""
    inputs: list[np.ndarray | float] = [float(rng.normal() * 3)] if dtype is np.float64 else []
    inputs += [random_array(rng, shape, dtype, scale=4.0) for shape in ((1,), (7,), (3, 4), (2, 3, 5))]
    # Arrays of several entries first: of the cases a mistake fails alike, the first is shown,
    # and their wrong entries tell the most (which z, of which sign).
    return sorted(inputs, key=lambda z: np.size(z) <= 1)


def _cases(rng: np.random.Generator, function: str, dtype: type) -> list[Case]:
    cases = []
    for z in _inputs(rng, dtype):
        expected, mistakes = _answers(function, z)
        if isinstance(z, float):  # a number must give a number
            expected, mistakes = float(expected), [Mistake(float(m.value), m.message) for m in mistakes]
        tolerance = FLOAT64 if dtype is np.float64 else FLOAT32
        cases.append(Case(Call(function, (z,)), expected, tolerance, mistakes, entrywise="z"))
    return cases


@check(EXERCISE, "sigmoid")
def sigmoid_matches_torch(rng: np.random.Generator) -> list[Case]:
    """sigmoid(z) equals torch.sigmoid(z) for a number and arrays of several shapes"""
    return _cases(rng, "sigmoid", np.float64)


@check(EXERCISE, "sigmoid")
def sigmoid_keeps_float32(rng: np.random.Generator) -> list[Case]:
    """sigmoid keeps float32 inputs float32"""
    return _cases(rng, "sigmoid", np.float32)


def _large_inputs(rng: np.random.Generator, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    """(z mixing moderate and large |z| in random order, z so large that σ is exactly 0 or 1).

    e^|z| is inf from |z| = 710 in float64 (89 in float32), where a naive sigmoid overflows;
    e^(−|z|) is exactly 0.0 beyond 746 in float64 (104 in float32), where σ must be exactly 0 or 1.
    """
    if dtype is np.float64:
        large, huge = np.array([710.0, 720.0, 745.0]), np.array([1e3, 5e3, 1e4])
    else:
        large, huge = np.array([89.0, 95.0, 100.0]), np.array([200.0, 1e3, 1e4])
    moderate = rng.uniform(20, 80, 6) * rng.choice([-1, 1], 6)
    mixed = rng.permutation(np.concatenate([moderate, large, -large, huge[:1], -huge[:1]]))
    return mixed.astype(dtype), rng.permutation(np.concatenate([huge, -huge])).astype(dtype)


def _stable_cases(rng: np.random.Generator, function: str, advice: str) -> list[Case]:
    not_exact = NOT_EXACT if function == "sigmoid" else NOT_EXACT_PRIME
    cases = []
    for dtype, tolerance in ((np.float64, FLOAT64), (np.float32, FLOAT32)):
        mixed, huge = _large_inputs(rng, dtype)
        expected, mistakes = _answers(function, mixed)
        cases.append(
            Case(Call(function, (mixed,)), expected, tolerance, mistakes, warning_advice=advice, entrywise="z")
        )
        expected, mistakes = _answers(function, huge)
        # Last, so that a known mistake is named first. Clipping at any bound far out gives
        # nearly the same answer, which the looser tolerance that recognises mistakes accepts.
        clipped = _answers(function, np.clip(huge, -CLIP, CLIP))[0]
        mistakes.append(Mistake(clipped, not_exact))
        cases.append(Case(Call(function, (huge,)), expected, EXACT, mistakes, warning_advice=advice, entrywise="z"))
    return cases


@check(EXERCISE, "sigmoid")
def sigmoid_is_stable_for_large_z(rng: np.random.Generator) -> list[Case]:
    """sigmoid gives exactly 0.0 and 1.0 for |z| up to 1e4, without an overflow warning"""
    return _stable_cases(rng, "sigmoid", OVERFLOW)


@check(EXERCISE, "sigmoid_prime")
def sigmoid_prime_matches_autograd(rng: np.random.Generator) -> list[Case]:
    """sigmoid_prime(z) equals the derivative of torch.sigmoid computed by autograd"""
    return _cases(rng, "sigmoid_prime", np.float64)


@check(EXERCISE, "sigmoid_prime")
def sigmoid_prime_keeps_float32(rng: np.random.Generator) -> list[Case]:
    """sigmoid_prime keeps float32 inputs float32"""
    return _cases(rng, "sigmoid_prime", np.float32)


@check(EXERCISE, "sigmoid_prime")
def sigmoid_prime_is_stable_for_large_z(rng: np.random.Generator) -> list[Case]:
    """sigmoid_prime gives exactly 0.0 for |z| up to 1e4, without an overflow warning"""
    return _stable_cases(rng, "sigmoid_prime", OVERFLOW_PRIME)
