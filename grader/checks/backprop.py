"""Checks of exercise 05: backprop and numerical_gradient, against ``torch.autograd``.

``backprop`` is compared with the gradients autograd finds for the same network (a
``torch.nn.Sequential`` of ``Linear`` + ``Sigmoid``) and the same cost, ½‖a_L − y‖² averaged over
the batch. ``numerical_gradient`` is called with trusted functions (``KnownFunction``) and compared
with autograd of the same functions written in PyTorch, in float64; when given an eps, with their
central difference at that eps, also computed by PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from grader.calling import KNOWN_FUNCTIONS, Call, KnownFunction, Outcome
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
from grader.compare import Diagnosis, Mistake, Tolerance, recognise, telling_apart

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
SIGMA_PRIME_OF_A_EVERYWHERE = (
    "your errors use σ'(a), the slope taken at the activation, in every layer (the output layer's too): "
    "σ' belongs at z, and σ'(z_l) = a_l·(1 − a_l), so multiply by a * (1 - a), not by sigmoid_prime(a), "
    "which is σ'(σ(z))."
)
SIGMA_PRIME_OF_A_AT_OUTPUT = (
    "your output error uses σ'(a_L), the slope taken at the activation: δ_L = (a_L − y) ⊙ σ'(z_L), and "
    "σ'(z_L) = a_L·(1 − a_L), so multiply by a_L * (1 - a_L) (or by sigmoid_prime(z_L)), not by "
    "sigmoid_prime(a_L)."
)
NO_HIDDEN_SIGMA_PRIME = (
    "your hidden layers' errors have no σ'(z_l): going back, the error passes through W and then through "
    "the layer's sigmoid, δ_l = (W_(l+1)ᵀ·δ_(l+1)) ⊙ σ'(z_l), so multiply delta @ w by a * (1 - a), the "
    "slope of that layer's activations a."
)
BIASES_SUMMED_ON_ROWS = (
    "your bias gradients have one number per example, shape (batch,), instead of one per neuron, "
    "(n_out,): δ has one row per example, so add up its rows, delta.sum(axis=0); delta.sum(axis=1) "
    "adds up each example's neurons instead."
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
NOT_RESTORED_IN_PLACE = (
    "your result matches differences taken without putting each entry back, and on the caller's own x "
    "(`y = x` and np.asarray(x) make no copy of a float64 array): each x[i] is left at x[i] − eps, so "
    "every later difference starts from a moved x, and the caller gets x back moved. Work on a copy, "
    "x = np.array(x, dtype=np.float64), and after f(x − eps·e_i) set x[i] to its original value again."
)
STEPS_KEPT = (
    "your result matches differences taken from working copies that keep every step: the difference "
    "for x[i] moves x[i] and every entry before it, each by eps. Only x[i] may move: put each entry "
    "back after its difference (x[i] = original), or start each difference from a fresh copy of x."
)
STEPPED_IN_PLACE = (
    "you stepped the caller's own x and left it changed (`y = x` and np.asarray(x) make no copy of a "
    "float64 array): work on a copy, x = np.array(x, dtype=np.float64), and after each difference put "
    "the saved entry back with `=`, x[i] = original, which gives it exactly the value it had."
)
EPS_IGNORED = (
    "your result does not change with eps: it is the gradient taken with a small step of your own, so "
    "the eps argument was not used. With a large eps the central difference "
    "(f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps) is off the gradient by about eps²·f'''/6, and that is "
    "the answer asked for: step by the eps given (no eps = 1e-5 of your own inside the function)."
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


def _no_slope(z: torch.Tensor) -> torch.Tensor:
    return torch.ones_like(z)


def _with_slope(
    network: torch.nn.Sequential, slope: Callable[[torch.Tensor], torch.Tensor], layers: str
) -> torch.nn.Sequential:
    """``network`` with ``slope`` taken for σ' at the sigmoids of ``layers``: "all", "hidden" or "output"."""
    sigmoids = [i for i, m in enumerate(network) if isinstance(m, torch.nn.Sigmoid)]
    wrong = set({"all": sigmoids, "hidden": sigmoids[:-1], "output": sigmoids[-1:]}[layers])
    return torch.nn.Sequential(*(_SigmoidWithWrongSlope(slope) if i in wrong else m for i, m in enumerate(network)))


def _gradients_with_slope(
    network: torch.nn.Sequential,
    slope: Callable[[torch.Tensor], torch.Tensor],
    layers: str,
    x: torch.Tensor,
    y: torch.Tensor,
) -> Network:
    """The gradients backprop gives when it takes ``slope`` for σ' at the sigmoids of ``layers``."""
    wrong = _with_slope(network, slope, layers)
    return network_gradients(wrong, quadratic_cost(wrong(x), y))


def _errors(network: torch.nn.Sequential, x: torch.Tensor, y: torch.Tensor) -> list[np.ndarray]:
    """Each layer's error δ_l = ∂C/∂z_l, one row per example (a single example is a batch of one)."""
    activation, y, zs = torch.atleast_2d(x), torch.atleast_2d(y), []
    for module in network:
        activation = module(activation)
        if isinstance(module, torch.nn.Linear):
            zs.append(activation)
    return [array(delta) for delta in torch.autograd.grad(quadratic_cost(activation, y), zs)]


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
    mistakes = [
        Mistake(network_gradients(network, cross_entropy / examples), NO_OUTPUT_SIGMA_PRIME),
        Mistake(scaled(expected, -1), SIGN_FLIPPED),
        Mistake((expected[0][::-1], expected[1][::-1]), REVERSED),
        Mistake(scaled(expected, 2), DOUBLED),
        # The same Linear layers, with σ' taken as z·(1 − z) at every layer.
        Mistake(_gradients_with_slope(network, _slope_of_z_itself, "all", x_t, y_t), SIGMA_PRIME_OF_Z_AS_A),
        Mistake(_gradients_with_slope(network, _slope_at_the_activation, "all", x_t, y_t), SIGMA_PRIME_OF_A_EVERYWHERE),
        # δ summed over each example's neurons: the weights' gradients right, one bias number per example.
        Mistake((expected[0], [delta.sum(axis=1) for delta in _errors(network, x_t, y_t)]), BIASES_SUMMED_ON_ROWS),
    ]
    if len(weights) > 1:  # with a single layer, the output layer is every layer and there is no hidden one
        mistakes += [
            Mistake(_gradients_with_slope(network, _slope_at_the_activation, "hidden", x_t, y_t), SIGMA_PRIME_OF_A),
            Mistake(
                _gradients_with_slope(network, _slope_at_the_activation, "output", x_t, y_t), SIGMA_PRIME_OF_A_AT_OUTPUT
            ),
            Mistake(_gradients_with_slope(network, _no_slope, "hidden", x_t, y_t), NO_HIDDEN_SIGMA_PRIME),
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


def central_difference(name: str, x: np.ndarray, eps: float) -> np.ndarray:
    """(f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps) for every entry i, with f in PyTorch, in float64.

    Autograd's gradient but for an error of about eps²·f'''/6: none for a quadratic, and far
    beyond the tolerance for the other functions with a large eps.
    """
    f, x_t = TORCH_FUNCTIONS[name], tensor(np.asarray(x, dtype=np.float64))
    steps = eps * torch.eye(x_t.numel(), dtype=torch.float64).reshape(x_t.numel(), *x_t.shape)
    with torch.no_grad():
        differences = torch.stack([f(x_t + step) - f(x_t - step) for step in steps])
    return array(differences / (2 * eps)).reshape(x_t.shape)


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


def _steps_kept(name: str, x: np.ndarray, eps: float) -> np.ndarray:
    """The answer of two working copies of x, one stepped up and one down, never put back: the
    difference for entry i is taken with every entry up to i moved."""
    f = KNOWN_FUNCTIONS[name]
    above, below = np.array(x, dtype=np.float64), np.array(x, dtype=np.float64)
    gradient = np.zeros_like(above)
    for index in np.ndindex(above.shape):
        above[index] += eps
        below[index] -= eps
        gradient[index] = (f(above) - f(below)) / (2 * eps)
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


@dataclass
class _GradientCase(Case):
    """A case of numerical_gradient, judged as any other, whose advice for an x changed in place
    depends on the result that came with it.

    Stepping the caller's x without putting each entry back leaves later differences starting
    from a moved x, which changes the result only where f is not a sum of one function per entry
    (log-sum-exp, not the sum of squares or sin(x)·x²); putting it back by arithmetic leaves
    only rounding in x, and the right result. Where the result cannot tell, neither is named.
    """

    never_restored: Any = None  # the result of differences taken without putting entries back

    def verdict(self, outcomes: list[Outcome]) -> Diagnosis | None:
        diagnosis = super().verdict(outcomes)
        outcome = outcomes[0]
        if diagnosis is None or not outcome.ok or not outcome.mutated:
            return diagnosis
        not_restored = Mistake(self.never_restored, NOT_RESTORED_IN_PLACE)
        if telling_apart([not_restored], self.expected, self.tolerance):
            if recognise([not_restored], outcome.value, self.tolerance):
                return replace(diagnosis, likely_mistake=NOT_RESTORED_IN_PLACE)
            if recognise([Mistake(self.expected, "right")], outcome.value, self.tolerance):
                return diagnosis  # each entry put back, but by arithmetic: the rounding the advice explains
        return replace(diagnosis, likely_mistake=STEPPED_IN_PLACE)


def _gradient_case(name: str, x: np.ndarray, eps: float | None) -> Case:
    """A case of numerical_gradient(f, x) (with ``eps`` None) or numerical_gradient(f, x, eps=eps).

    With the default eps, the result must match autograd; with an eps given, the central
    difference at that eps, which a step of the function's own choosing would miss.
    """
    step = 1e-6 if eps is None else eps
    gradient = autograd_gradient(name, x)
    expected = gradient if eps is None else central_difference(name, x, eps)
    f, x64 = KNOWN_FUNCTIONS[name], np.asarray(x, dtype=np.float64)
    slope = (f(x64 + step) - f(x64 - step)) / (2 * step)  # every entry moved at once
    never_restored = _differences(name, x, step, np.float64, central=True, restore=False)
    mistakes = [
        Mistake(_differences(name, x, step, np.float64, central=False), FORWARD_DIFFERENCE),
        Mistake(2 * expected, HALF_STEP),
        Mistake(never_restored, NOT_RESTORED),
        Mistake(_steps_kept(name, x, step), STEPS_KEPT),
        Mistake(np.full(x.shape, slope), ALL_AT_ONCE),
    ]
    if eps is not None:  # a step of its own inside the function (1e-5, or 1e-2, 1e-3), whatever eps is given
        mistakes.append(Mistake(gradient, EPS_IGNORED))
        mistakes += [Mistake(central_difference(name, x, own), EPS_IGNORED) for own in (1e-2, 1e-3) if own != eps]
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
    call = Call("numerical_gradient", (KnownFunction(name), x), kwargs)
    return _GradientCase(call, expected, CENTRAL_DIFFERENCES, mistakes, never_restored=never_restored)


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
    """numerical_gradient(f, x, eps) is the central difference with the eps it is given, a large one too"""
    # Central differences are exact for a quadratic whatever eps, and err by eps²·f'''/6 otherwise:
    # far beyond the tolerance for log-sum-exp and sin(x)·x² with eps 0.3 and 0.1, where a step
    # other than eps fails, and below 1e-8 for log-sum-exp with eps 1e-4. A forward difference
    # errs by about eps·f''/2, far above that. Log-sum-exp comes first: of the three functions only
    # it, no sum of one function per entry, tells whether each entry was put back.
    return [
        _gradient_case("log_sum_exp", random_array(rng, (2, 3)), 0.3),
        _gradient_case("sin_times_square", random_array(rng, (5,)), 0.1),
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
