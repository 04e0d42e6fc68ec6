"""Checks of exercise 05: backprop and numerical_gradient, against ``torch.autograd``.

``backprop`` is compared with the gradients autograd finds for the same network (a
``torch.nn.Sequential`` of ``Linear`` + ``Sigmoid``) and the same cost, ½‖a_L − y‖² averaged over
the batch. ``numerical_gradient`` is called with trusted functions (``KnownFunction``) and compared
with autograd of the same functions written in PyTorch, in float64.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from grader.calling import KNOWN_FUNCTIONS, Call, KnownFunction
from grader.checks import Case, check
from grader.checks.reference import (
    Network,
    array,
    network_gradients,
    network_tolerance,
    quadratic_cost,
    random_array,
    random_network,
    sigmoid_network,
    tensor,
)
from grader.compare import Mistake, Tolerance, recognise

EXERCISE = "05_backprop"

SUMMED = (
    "your gradients are the sum over the mini-batch, not the mean: the cost is averaged over the "
    "examples, so divide by the batch size (once, e.g. in the output error δ_L)."
)
NO_OUTPUT_SIGMA_PRIME = (
    "your gradients have no σ'(z_L) in the output error: for the quadratic cost, "
    "δ_L = (a_L − y) ⊙ σ'(z_L). (Without σ' it is the gradient of the cross-entropy cost.)"
)
SIGN_FLIPPED = (
    "your gradients have the wrong sign: the cost's gradient points uphill, and ∂C/∂a_L = a_L − y, not y − a_L."
)
DOUBLED = (
    "your gradients are twice autograd's: the ½ in C = ½‖a_L − y‖² cancels the 2 that the square's "
    "derivative brings down, so δ_L = (a_L − y) ⊙ σ'(z_L), with no factor 2."
)
SIGMA_PRIME_OF_Z_AS_A = (
    "your gradients use z·(1 − z) for σ'(z): the formula σ'(z) = a·(1 − a) takes the activation "
    "a = σ(z), not the weighted input z; write a * (1 - a) with the layer's activations."
)
SIGMA_PRIME_OF_A = (
    "your hidden layers' errors use σ'(a), the slope taken at the activation: σ' belongs at z, and "
    "σ'(z_l) = a_l·(1 − a_l), so multiply by a * (1 - a), not by sigmoid_prime(a)."
)
BIASES_AVERAGED_TWICE = (
    "your bias gradients are divided by the batch size twice: δ is already divided by it, so add "
    "up the examples' errors, delta.sum(axis=0), as delta.T @ a does for the weights."
)
REVERSED = (
    "your gradients are in reverse layer order: the backward pass meets the last layer first, so "
    "put each gradient at its layer's index (grad_weights[layer] = ...) or reverse the lists before returning them."
)
FORWARD_DIFFERENCE = (
    "your result matches the forward difference (f(x + eps·e_i) − f(x)) / eps, whose error is "
    "about eps: use the central difference (f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps)."
)
HALF_STEP = "your result is twice the gradient: the two points are 2·eps apart, so divide by 2·eps, not by eps."
NOT_RESTORED = (
    "your result matches differences taken without putting each entry back: after f(x − eps·e_i), "
    "set x[i] to its original value again, so that each difference moves one entry only."
)
ENTRY_REPLACED = (
    "your result matches differences taken with x[i] set to +eps and −eps instead of moved by eps: "
    "step from where the entry is, x[i] = original + eps and then x[i] = original − eps."
)
PRECEDENCE = (
    "your result is the gradient times eps²: (above − below) / 2 * eps divides by 2 and then "
    "multiplies by eps, as Python reads left to right; write (above − below) / (2 * eps)."
)
ALL_AT_ONCE = (
    "every entry of your result is the same number: you moved all of x at once (x + eps), which "
    "gives one slope for the whole array; move one entry at a time (for index in np.ndindex(x.shape))."
)
ALL_AT_ONCE_NUMBER = (
    "your result is one number, the slope of f when you moved all of x at once (x + eps): move "
    "one entry at a time (for index in np.ndindex(x.shape)) and return an array of x's shape."
)
WHOLE_ROWS = (
    "your result holds one number per x[i]: `for i in range(len(x))` moves the whole row x[i] at "
    "once when x has more than one axis; move one entry at a time (for index in np.ndindex(x.shape))."
)
PERTURBED_IN_FLOAT32 = (
    "you changed x by eps in float32, which keeps only about 7 digits: x + 1e-6 is rounded, and "
    "the difference is mostly rounding. Work on a float64 copy: np.array(x, dtype=np.float64)."
)

# Central differences are exact for quadratics and otherwise err by about eps²·f'''/6 plus the
# rounding of f divided by eps (about 1e-16·|f|/eps): far below this for the functions used.
CENTRAL_DIFFERENCES = Tolerance(rtol=1e-6, atol=1e-7)


# ----------------------------------------------------------------------------------------------
# backprop


def scaled(gradients: Network, factor: float) -> Network:
    return [factor * g for g in gradients[0]], [factor * g for g in gradients[1]]


class _SigmoidWithSlope(torch.autograd.Function):
    """σ going forward, and ``slope(z)`` in place of σ'(z) going back: the chain rule of a mistake."""

    @staticmethod
    def forward(ctx: Any, z: torch.Tensor, slope: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
        ctx.save_for_backward(z)
        ctx.slope = slope
        return torch.sigmoid(z)

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        (z,) = ctx.saved_tensors
        return grad * ctx.slope(z), None


class _SigmoidWithWrongSlope(torch.nn.Module):
    def __init__(self, slope: Callable[[torch.Tensor], torch.Tensor]) -> None:
        super().__init__()
        self.slope = slope

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return _SigmoidWithSlope.apply(z, self.slope)


def _slope_of_z_itself(z: torch.Tensor) -> torch.Tensor:
    return z * (1 - z)


def _slope_at_the_activation(z: torch.Tensor) -> torch.Tensor:
    s = torch.sigmoid(torch.sigmoid(z))
    return s * (1 - s)


def _with_slope(
    network: torch.nn.Sequential, slope: Callable[[torch.Tensor], torch.Tensor], hidden_only: bool
) -> torch.nn.Sequential:
    """``network`` with ``slope`` taken for σ' at every sigmoid (or at the hidden layers' only)."""
    sigmoids = [i for i, m in enumerate(network) if isinstance(m, torch.nn.Sigmoid)]
    wrong = set(sigmoids[:-1] if hidden_only else sigmoids)
    return torch.nn.Sequential(*(_SigmoidWithWrongSlope(slope) if i in wrong else m for i, m in enumerate(network)))


def _backprop_case(rng: np.random.Generator, sizes: list[int], batch: int | None, dtype: Any) -> Case:
    weights, biases = random_network(rng, sizes, dtype)
    shape = (sizes[0],) if batch is None else (batch, sizes[0])
    x = rng.uniform(0, 1, shape).astype(dtype)
    labels = rng.integers(0, sizes[-1], () if batch is None else batch)
    y = np.eye(sizes[-1], dtype=dtype)[labels]
    network = sigmoid_network(weights, biases, dtype)
    x_t, y_t = tensor(x), tensor(y)
    expected = network_gradients(network, quadratic_cost(network(x_t), y_t))

    examples = 1 if batch is None else batch
    # Without σ'(z_L), δ_L = a_L − y: the gradient of the cross-entropy cost of the logits z_L.
    cross_entropy = torch.nn.functional.binary_cross_entropy_with_logits(network[:-1](x_t), y_t, reduction="sum")
    # The same Linear layers, with σ' taken as z·(1 − z) at every layer.
    by_z = _with_slope(network, _slope_of_z_itself, hidden_only=False)
    at_activation = _with_slope(network, _slope_at_the_activation, hidden_only=True)
    mistakes = [
        Mistake(network_gradients(network, cross_entropy / examples), NO_OUTPUT_SIGMA_PRIME),
        Mistake(scaled(expected, -1), SIGN_FLIPPED),
        Mistake((expected[0][::-1], expected[1][::-1]), REVERSED),
        Mistake(scaled(expected, 2), DOUBLED),
        Mistake(network_gradients(by_z, quadratic_cost(by_z(x_t), y_t)), SIGMA_PRIME_OF_Z_AS_A),
        Mistake(network_gradients(at_activation, quadratic_cost(at_activation(x_t), y_t)), SIGMA_PRIME_OF_A),
    ]
    if examples > 1:
        mistakes.insert(0, Mistake(scaled(expected, examples), SUMMED))
        mistakes.append(Mistake((expected[0], [g / examples for g in expected[1]]), BIASES_AVERAGED_TWICE))
    return Case(Call("backprop", (weights, biases, x, y)), expected, network_tolerance(x, weights, biases), mistakes)


@check(EXERCISE, "backprop")
def backprop_matches_autograd(rng: np.random.Generator) -> list[Case]:
    """backprop gives the gradients torch.autograd finds for the mean of ½‖a_L − y‖² over the batch"""
    return [
        _backprop_case(rng, [784, 16, 16, 10], 5, np.float64),
        _backprop_case(rng, [784, 30, 10], None, np.float64),
        _backprop_case(rng, [3, 4, 2], 1, np.float64),
        _backprop_case(rng, [5, 5, 5], 3, np.float64),
        _backprop_case(rng, [10, 7], 4, np.float64),  # a single layer
        _backprop_case(rng, [6, 8, 7, 5, 4], 10, np.float64),  # four layers
    ]


@check(EXERCISE, "backprop")
def backprop_keeps_float32(rng: np.random.Generator) -> list[Case]:
    """backprop keeps float32 inputs float32"""
    return [
        _backprop_case(rng, [784, 16, 10], 6, np.float32),
        _backprop_case(rng, [20, 8, 4], None, np.float32),
    ]


# ----------------------------------------------------------------------------------------------
# numerical_gradient

# The known functions again, in PyTorch, so autograd can differentiate them.
TORCH_FUNCTIONS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "sum_of_squares": lambda x: (x**2).sum(),
    "sin_times_square": lambda x: (torch.sin(x) * x**2).sum(),
    "log_sum_exp": lambda x: torch.logsumexp(x.flatten(), dim=0),
}
assert TORCH_FUNCTIONS.keys() == KNOWN_FUNCTIONS.keys(), "every known function needs its PyTorch twin"


def autograd_gradient(name: str, x: np.ndarray) -> np.ndarray:
    x_t = tensor(np.asarray(x, dtype=np.float64), grad=True)
    (gradient,) = torch.autograd.grad(TORCH_FUNCTIONS[name](x_t), x_t)
    return array(gradient)


def _differences(
    name: str, x: np.ndarray, eps: float, dtype: Any, central: bool, restore: bool = True, shift: bool = True
) -> np.ndarray:
    """A difference quotient of a known function computed in ``dtype``: the answer of a mistake.

    ``restore=False`` leaves each entry where the last evaluation moved it; ``shift=False`` sets
    the entry to ±eps instead of moving it by eps.
    """
    f = KNOWN_FUNCTIONS[name]
    x = np.array(x, dtype=dtype)
    gradient = np.zeros_like(x)
    at_x = f(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        start = original if shift else 0
        x[index] = start + eps
        above = f(x)
        x[index] = start - eps if central else original
        below = f(x) if central else at_x
        if restore:
            x[index] = original
        gradient[index] = (above - below) / (2 * eps if central else eps)
    return gradient


def _whole_rows_moved(name: str, x: np.ndarray, eps: float) -> list[np.ndarray]:
    """The answers of ``for i in range(len(x))`` on an x of several axes: each row x[i] moved whole.

    With ``original = x[i].copy()``, each row's central difference; with ``original = x[i]`` (a
    view, which ``x[i] = original + eps`` moves too), half its forward difference.
    """
    f = KNOWN_FUNCTIONS[name]
    x = np.array(x, dtype=np.float64)
    central, view = np.zeros_like(x), np.zeros_like(x)
    for i in range(len(x)):
        row = np.zeros_like(x)
        row[i] = eps
        central[i] = (f(x + row) - f(x - row)) / (2 * eps)
        view[i] = (f(x + row) - f(x)) / (2 * eps)
    return [central, view]


def _gradient_case(name: str, x: np.ndarray, eps: float | None) -> Case:
    step = 1e-6 if eps is None else eps
    expected = autograd_gradient(name, x)
    f, x64 = KNOWN_FUNCTIONS[name], np.asarray(x, dtype=np.float64)
    slope = (f(x64 + step) - f(x64 - step)) / (2 * step)  # every entry moved at once
    mistakes = [
        Mistake(_differences(name, x, step, np.float64, central=False), FORWARD_DIFFERENCE),
        Mistake(2 * expected, HALF_STEP),
        Mistake(_differences(name, x, step, np.float64, central=True, restore=False), NOT_RESTORED),
        Mistake(np.full(x.shape, slope), ALL_AT_ONCE),
    ]
    # ±eps in place of x[i] gives about 0 for the even functions (sum of squares, sin·x²), and the
    # gradient times eps² is about 0 for a small eps: where a mistake's answer is about 0, a result
    # of zeros (from any mistake) would be named after it, so it is offered only where it is not.
    for value, message in (
        (_differences(name, x, step, np.float64, central=True) * step**2, PRECEDENCE),
        (_differences(name, x, step, np.float64, central=True, shift=False), ENTRY_REPLACED),
    ):
        if not recognise([Mistake(value, message)], np.zeros_like(value), CENTRAL_DIFFERENCES):
            mistakes.append(Mistake(value, message))
    if x.size > 1:  # one entry moved is all of x moved: that one number is right but for its type
        mistakes.append(Mistake(float(slope), ALL_AT_ONCE_NUMBER))
    if x.ndim > 1:
        mistakes += [Mistake(rows, WHOLE_ROWS) for rows in _whole_rows_moved(name, x, step)]
    if x.dtype == np.float32:
        perturbed = _differences(name, x, step, np.float32, central=True)
        mistakes += [
            Mistake(perturbed, PERTURBED_IN_FLOAT32),
            Mistake(perturbed.astype(np.float64), PERTURBED_IN_FLOAT32),
        ]
    kwargs = {} if eps is None else {"eps": eps}
    return Case(Call("numerical_gradient", (KnownFunction(name), x), kwargs), expected, CENTRAL_DIFFERENCES, mistakes)


@check(EXERCISE, "numerical_gradient")
def numerical_gradient_matches_autograd(rng: np.random.Generator) -> list[Case]:
    """numerical_gradient(f, x) matches torch.autograd's gradient of f, for x of several shapes"""
    cases = []
    for name in KNOWN_FUNCTIONS:
        for shape in ((1,), (5,), (3, 4), (2, 2, 3)):
            cases.append(_gradient_case(name, random_array(rng, shape), None))
    return cases


@check(EXERCISE, "numerical_gradient")
def numerical_gradient_uses_central_differences(rng: np.random.Generator) -> list[Case]:
    """numerical_gradient(f, x, eps) with a large eps still matches autograd: central differences"""
    # Central differences are exact for a quadratic whatever eps, and err by eps²·f'''/6 (below
    # 1e-8 here) for log-sum-exp; a forward difference errs by about eps·f''/2, far above that.
    return [
        _gradient_case("sum_of_squares", random_array(rng, (6,)), 1e-3),
        _gradient_case("sum_of_squares", random_array(rng, (2, 3)), 0.1),
        _gradient_case("log_sum_exp", random_array(rng, (4,)), 1e-4),
    ]


@check(EXERCISE, "numerical_gradient")
def numerical_gradient_computes_in_float64(rng: np.random.Generator) -> list[Case]:
    """numerical_gradient of a float32 x is computed in float64 and returned as float64"""
    return [
        _gradient_case(name, random_array(rng, shape, np.float32), None)
        for name, shape in (("sum_of_squares", (5,)), ("sin_times_square", (2, 3)))
    ]
