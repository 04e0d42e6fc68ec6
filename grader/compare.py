"""Judging an outcome against PyTorch's answer, and saying what went wrong like a teacher would.

The order of questions is the order a person debugging would ask them: did it run, is the
result the right kind of thing, the right shape, the right dtype, finite, close enough; and if
not, does it match a mistake we know (transposed weights, missing bias, ...)?
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from grader.calling import (
    FORBIDDEN_IMPORT,
    IMPORT_FAILED,
    MISSING,
    NO_RESULT,
    NOT_IMPLEMENTED,
    NOT_PLAIN,
    RAISED,
    Call,
    Outcome,
    called_stub,
)


@dataclass
class Diagnosis:
    """Why a check failed: a headline, the evidence, and the likely mistake if we recognise it."""

    headline: str
    details: list[str] = field(default_factory=list)
    likely_mistake: str = ""
    not_started: bool = False  # the function is still the stub
    credit: float = 0.0  # partial credit in [0, 1) for checks that grade on a scale
    called: bool = True  # False when the learner's function was never reached: no call to show
    raised: bool = False  # the learner's function raised an error

    def render(self, call: Call | None = None, passing: Call | None = None) -> str:
        """The headline, the call that failed (and one that passes, if given), evidence and advice."""
        lines = [self.headline]
        if call is not None and self.called and not self.not_started:
            lines.append(f"  called:   {call.describe()}")
            if passing is not None:
                lines.append(f"  passes:   {passing.describe(beside=call)}")
        lines += [f"  {line}" for line in self.details]
        if self.likely_mistake:
            lines.append(f"  likely mistake: {self.likely_mistake}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer for one case, computed on the trusted side, and what to say about it."""

    value: Any
    message: str


@dataclass(frozen=True)
class Tolerance:
    """Values pass when ``|got - expected| <= atol + rtol * |expected|`` elementwise."""

    rtol: float = 1e-10
    atol: float = 1e-12

    def __str__(self) -> str:
        return f"rtol {self.rtol:g}, atol {self.atol:g}"


# Float64 inputs leave only rounding differences between NumPy and PyTorch.
FLOAT64 = Tolerance(rtol=1e-10, atol=1e-12)
# Float32 inputs: a few units in the last place, accumulated over sums of a few hundred terms.
FLOAT32 = Tolerance(rtol=1e-5, atol=1e-6)


def tolerance_for(*arrays: Any, magnitude: float = 1.0) -> Tolerance:
    """The tolerance that fits the least precise floating input.

    ``magnitude`` is the largest sum of absolute terms behind any result value (for W·a, the
    largest entry of |W|·|a|): float32 rounding grows with it, whatever order the sum is done in.
    """
    if any(getattr(a, "dtype", None) == np.float32 for a in arrays):
        return Tolerance(rtol=FLOAT32.rtol, atol=FLOAT32.atol * max(1.0, magnitude))
    return Tolerance(rtol=FLOAT64.rtol, atol=FLOAT64.atol * max(1.0, magnitude))


# NumPy's ways of saying that two shapes do not fit (matmul, dot, broadcasting, reshape).
SHAPE_ERROR = re.compile(r"matmul|not aligned|could not be broadcast|cannot reshape|shape mismatch")
SHAPE_HINT = (
    "two arrays' shapes do not fit together. Print the .shape of each array on that line and compare "
    "them with the shapes in the docstring"
)
# Errors whose cause a beginner cannot guess from NumPy's or Python's words, and what to do.
ERROR_ADVICE = [
    (
        re.compile(r"is read-only"),
        "that array is a read-only view (sliding_window_view and broadcast_to give those, and its entries "
        "share memory with the input): compute a new array from it instead of changing it in place, e.g. "
        "np.sort(windows, axis=-1) for windows.sort(axis=-1), or change a .copy() of it.",
    ),
    (
        re.compile(r"truth value of an array with more than one element is ambiguous"),
        "`if` (and `and`, `or`) asks one yes-or-no question of the whole array, so NumPy cannot tell which "
        "entry you mean, and a.any() or a.all() is rarely the fix. To choose entry by entry, use "
        "np.where(condition, value_if_true, value_if_false).",
    ),
    (
        re.compile(r"arrays can be converted to Python scalars"),
        "math.exp, float() and int() take one number, and were given an array: on arrays use np.exp (np.log, "
        "np.sqrt, ...), which work on every entry, and keep float() and int() for single numbers.",
    ),
    (
        # NumPy words this one as the next, but its cause is a list of arrays of different shapes.
        re.compile(r"inhomogeneous"),
        "np.array was given a list of arrays of different shapes (one weight matrix per layer, say), "
        "which cannot make one array: keep them in a Python list, or check that every item has the same shape.",
    ),
    (
        re.compile(r"setting an array element with a sequence"),
        "several numbers went where one entry of an array belongs (a row, or an array, assigned to "
        "result[i]): print the shape of what you assign on that line.",
    ),
    (
        re.compile(r"'int' object is not iterable"),
        "a `for` loop was given one number: to go through 0, 1, ..., n − 1, loop over range(n).",
    ),
    (
        re.compile(
            r"'float' object cannot be interpreted as an integer|slice indices must be integers|"
            r"indices must be integers or slices, not float|are valid indices|sequence of integers or a single integer"
        ),
        "`/` always gives a float (6 / 2 is 3.0), and sizes, indices and range(...) need ints: use `//` "
        "(6 // 2 is 3) or int(...).",
    ),
    (
        # The line unpacks a shape: one name per axis (a pattern with a backtick also reads the line).
        re.compile(r"values to unpack.*`[^`]*\.shape"),
        "`.shape` gives one number per axis, so unpack as many names as the array has axes "
        "(kh, kw = weight.shape[2:]); one example is 1-D, a batch 2-D: check x.ndim.",
    ),
    (
        re.compile(r"values to unpack"),
        "each name left of `=` (or between `for` and `in`) takes one item of the value on the right, so the "
        "counts must match: backprop returns two lists, and zip(weights, biases) gives one (w, b) pair per layer.",
    ),
    (
        re.compile(r"axis \d+ is out of bounds for array of dimension 1"),
        "one example is a 1-D array, with axis 0 only: axis=-1, the last axis, works for one example and for a batch.",
    ),
    (
        re.compile(r"out of bounds for axis|index out of range"),
        "an index went past the end (an axis of size n has indices 0 to n − 1): compare your loops' "
        "range(...) with that array's .shape.",
    ),
    (
        re.compile(r"NoneType"),
        "a value is None: a function that ends without `return` gives None, and so does a method that changes "
        "its object in place (list.append, .sort(), rng.shuffle): write `weights.append(w)`, not "
        "`weights = weights.append(w)`, and check that each of your functions returns its result.",
    ),
]
# Too far along an axis, in functions with a stride.
_STRIDE_INDEX = (
    "an index went past the end: with a stride, output index i reads rows from i·stride on, so loop i "
    "over range(H_out), not range(H)"
)
_ENTRY_BY_ENTRY = (
    "`@` is a matrix product: a patch and its kernel multiply entry by entry and are summed, "
    "np.sum(patch * kernel) (and a square kernel with `@` gives no error, only wrong values)."
)
# The same, for errors that mean something particular in one function (tried before the ones above).
FUNCTION_ERROR_ADVICE = {
    "weighted_sum": [
        (
            re.compile(r"arrays can be converted to Python scalars"),
            "float() takes one number, and was given an array: weights * activations is one product per input, "
            "and np.dot(weights, activations) + bias is their sum, one number.",
        ),
    ],
    "count_conv2d_parameters": [
        (
            # (np.prod([c_out, c_in, kernel_size, kernel_size]) with a pair is the inhomogeneous one.)
            re.compile(
                r"non-iterable int|multiply sequence|'tuple' and 'int'|'int' and 'tuple'|'int' object is not|"
                r"inhomogeneous"
            ),
            "kernel_size is either one int k (a k × k kernel) or a pair (kh, kw): turn it into a pair first, "
            "e.g. kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size.",
        ),
    ],
    "count_parameters": [
        (
            re.compile(r"index out of range"),
            "n sizes make n − 1 layers, each from one size to the next: pair them with pairwise(sizes) "
            "instead of indexing sizes[i + 1] up to the last i.",
        ),
    ],
    "convolve2d": [(re.compile(r"matmul"), _ENTRY_BY_ENTRY)],
    "conv2d": [
        (re.compile(r"matmul"), _ENTRY_BY_ENTRY),
        (
            re.compile(r"out of bounds for axis"),
            f"{_STRIDE_INDEX}; with padding, pad x first (np.pad on its last two axes), since H_out counts the "
            "padded rows; weight is (C_out, C_in, kh, kw), so weight[o, c] is the kernel from channel c to o.",
        ),
        (
            # Only when the line names bias: a None from a function without `return` is the generic case.
            re.compile(r"NoneType.*`[^`]*\bbias\b"),
            "`bias` is None when no bias is given: add it only `if bias is not None`.",
        ),
    ],
    "max_pool2d": [
        (re.compile(r"out of bounds for axis"), f"{_STRIDE_INDEX}."),
        (
            re.compile(r"NoneType.*`[^`]*\bstride\b"),
            "`stride` is None when it is not given: start with `if stride is None: stride = kernel_size`.",
        ),
    ],
    "train": [
        (
            # (batch, n_L) against (batch,): backprop was given the labels where y belongs.
            re.compile(r"could not be broadcast together with shapes \((\d+), ?\d+\) \(\1, ?\)"),
            "y must be one-hot, (batch, n_L) like the network's output: pass the targets, one_hot(labels)[batch], "
            "not the labels themselves.",
        ),
    ],
    "accuracy": [
        (
            re.compile(r"axis 1 is out of bounds for array of dimension 1"),
            "that array already holds one digit per image (predict took the argmax): compare it with labels "
            "directly; np.argmax(output, axis=1) is for feedforward's (N, n_L) output.",
        ),
    ],
    "predict": [
        (
            # predict's arrays come from feedforward: a list of every layer's activations, say.
            re.compile(r"inhomogeneous"),
            "NumPy was given a list of arrays of different shapes: check what feedforward returns, which must be "
            "one array, the output layer's activations.",
        ),
        (
            re.compile(r"arrays can be converted to Python scalars"),
            "int(...) was given an array: a batch of one, x of shape (1, n_0), still needs an array of shape "
            "(1,). Return an int only when x is 1-D.",
        ),
    ],
}
# The shapes to compare with, by function (the dense layers' for every other one).
SHAPE_REMINDERS = {
    "layer_weighted_sums": "weights are (n_out, n_in), and activations (n_in,) for one example or (batch, n_in) "
    "for a batch, one example per row: activations @ weights.T fits both (weights @ activations only the first)",
    "flatten": "images are (N, H, W) and the result (N, H·W): keep the first axis, images.reshape(len(images), -1)",
    "one_hot": "labels are (N,) and the result (N, num_classes)",
    "convolve2d": "image is (H, W) and kernel (kh, kw)",
    "conv2d": "x is (N, C_in, H, W), weight (C_out, C_in, kh, kw), bias (C_out,): bias[:, None, None] fits "
    "(C_out, H_out, W_out); np.pad pads every axis unless told which",
    "max_pool2d": "x is (N, C, H, W), and each window covers the last two axes",
    "accuracy": "feedforward gives (N, n_L), one row per image, so np.argmax(output, axis=1) gives one digit per "
    "image, (N,) like labels",
}
DENSE_SHAPES = "weights are (n_out, n_in), and a batch has one example per row"
# How big the output of a sliding window is, for results one row or column off.
OUTPUT_SIZES = {
    "convolve2d": "a (kh, kw) kernel fits in an (H, W) image at H - kh + 1 row positions and W - kw + 1 "
    "column positions, so loop over range(H - kh + 1)",
    "conv2d": "with padding p and stride s, H rows give (H + 2*p - kh) // s + 1 output rows, and the same for columns",
    "max_pool2d": "with windows of k and stride s, H rows give (H - k) // s + 1 output rows: a window that "
    "does not fit is left out",
}
# The parts of results that are pairs of lists, named as the docstrings name them.
RESULT_PARTS = {
    "init_network": ("weights", "biases"),
    "backprop": ("grad_weights", "grad_biases"),
    "sgd_step": ("weights", "biases"),
    "train": ("weights", "biases"),
}


_CODE = re.compile(r"`[^`\n]*`")


def _advice_subject(pattern: re.Pattern, message: str) -> str:
    """What an advice pattern is matched against: the error's words, without the learner's line
    (shown in backticks), whose code would otherwise match (`np.matmul` in an IndexError's line);
    a pattern with a backtick of its own asks about that line too."""
    return message if "`" in pattern.pattern else _CODE.sub("", message)


def outcome_problem(outcome: Outcome, function: str) -> Diagnosis | None:
    """A diagnosis for an outcome that carries no usable value (stub, crash, missing, ...)."""
    if outcome.ok:
        return None
    if outcome.status == NOT_IMPLEMENTED:
        if called_stub(outcome):  # an earlier exercise's stub: write that one first
            return Diagnosis(f"`{function}` {outcome.message}: write that one first.")
        return Diagnosis(f"`{function}` is not written yet (it still raises NotImplementedError).", not_started=True)
    if outcome.status == MISSING:
        return Diagnosis(f"`{function}` was not found.", [outcome.message], called=False)
    if outcome.status in (IMPORT_FAILED, FORBIDDEN_IMPORT):
        return Diagnosis(
            f"your code could not be imported, so `{function}` could not be checked.", [outcome.message], called=False
        )
    if outcome.status == RAISED:
        shapes = (SHAPE_ERROR, f"{SHAPE_HINT}: {SHAPE_REMINDERS.get(function, DENSE_SHAPES)}.")
        advice = [*FUNCTION_ERROR_ADVICE.get(function, []), shapes, *ERROR_ADVICE]
        hint = next((text for pattern, text in advice if pattern.search(_advice_subject(pattern, outcome.message))), "")
        headline = (
            f"`{function}` was stopped: it ran too long." if outcome.stopped else f"`{function}` raised an error."
        )
        return Diagnosis(headline, [outcome.message], likely_mistake=hint, raised=True)
    if outcome.status == NOT_PLAIN:
        return Diagnosis(
            f"`{function}` returned something other than numbers (a number, a NumPy array, or a list or "
            "tuple of those).",
            [outcome.message],
        )
    if outcome.status == NO_RESULT:
        return Diagnosis(f"`{function}` gave no answer.", [outcome.message])
    return Diagnosis(f"`{function}` failed ({outcome.status}).", [outcome.message])


def kind_of(value: Any) -> str:
    """How a value reads in a message: ``array of shape (3, 4), float64`` or ``int 13002``."""
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape}, {value.dtype}"
    if isinstance(value, bool):
        return f"bool {value}"
    if isinstance(value, int) and abs(value) >= 10**20:  # all its digits would only bury the message
        return f"int of {value.bit_length()} bits"
    if isinstance(value, (int, float)):
        return f"{type(value).__name__} {value!r}"
    if isinstance(value, tuple):
        return f"tuple of {len(value)}"
    if isinstance(value, list):
        return f"list of {len(value)}"
    return type(value).__name__


def _fmt(x: Any) -> str:
    return f"{x:.10g}" if isinstance(x, (float, np.floating)) else repr(x)


def differences(
    expected: Any,
    got: Any,
    tolerance: Tolerance,
    where: str = "result",
    parts: tuple[str, ...] = (),
    *,
    explain: bool = True,
) -> list[str]:
    """Everything that makes ``got`` differ from ``expected``, as message lines; [] when it matches.

    Containers are compared item by item (``parts`` names the items of the outermost one, as in
    ``grad_biases[0]``); numbers and arrays by type, then shape, then dtype (floats must keep the
    expected precision), then NaN/Inf, then values within tolerance. With ``explain``, wrong values
    also get the evidence of how they relate to the right ones (a common factor, the same values
    in other places); without it, only whether they differ is worth its cost.
    """
    if isinstance(expected, (list, tuple)):
        if not isinstance(got, (list, tuple)):
            return [f"{where}: expected a {type(expected).__name__} of {len(expected)}, got {kind_of(got)}"]
        pair = _pair_of_lists_problem(expected, got, where, parts)
        if pair:
            return [pair]
        if len(got) != len(expected):
            return [f"{where}: expected {kind_of(expected)}, got {kind_of(got)}"]
        lines: list[str] = []
        for i, (e, g) in enumerate(zip(expected, got)):
            name = parts[i] if len(parts) == len(expected) else f"{where}[{i}]"
            lines += differences(e, g, tolerance, name, explain=explain)
            if lines:
                break  # the first wrong item says enough; the rest usually follow from it
        return lines
    if isinstance(expected, bool):
        return (
            [] if isinstance(got, bool) and got == expected else [f"{where}: expected {expected}, got {kind_of(got)}"]
        )
    if isinstance(expected, int):
        if not isinstance(got, int) or isinstance(got, bool):
            hint = " (wrap the value you return in int(...))" if _integral(got) else _one_number(got, expected)
            return [f"{where}: expected int {expected}, got {kind_of(got)}{hint}"]
        return [] if got == expected else [f"{where}: expected {expected}, got {kind_of(got).removeprefix('int ')}"]
    if isinstance(expected, float):
        if isinstance(got, np.ndarray) and got.shape == () and got.dtype.kind in "iuf":
            got = float(got)
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            hint = _one_number(got, expected)
            return [f"{where}: expected a single number ({_fmt(expected)}), got {kind_of(got)}{hint}"]
        lines = _value_lines(np.float64(expected), np.float64(got), tolerance, where)
        if lines and isinstance(got, int):
            dropped = got in (math.floor(expected), math.ceil(expected))  # not a count, say
            why = " (int(...), round(...) and // drop the fraction)" if dropped else ""
            return [f"{where}: expected {_fmt(expected)}, got int {got}{why}"]
        return lines
    if isinstance(expected, np.ndarray):
        if not isinstance(got, np.ndarray):
            return [f"{where}: expected {kind_of(expected)}, got {_not_an_array(expected, got)}"]
        if got.shape != expected.shape:
            relation = _shape_relation(expected, got, tolerance, whole=where == "result")
            return [f"{where}: expected shape {expected.shape}, got shape {got.shape}{relation}"]
        if expected.dtype.kind == "f" and got.dtype != expected.dtype:
            return [f"{where}: expected dtype {expected.dtype}, got {got.dtype}{_dtype_advice(expected, got)}"]
        if expected.dtype.kind in "iu" and got.dtype.kind not in "iu":
            return [f"{where}: expected integers ({expected.dtype}), got {got.dtype}"]
        return _value_lines(expected, got, tolerance, where, explain=explain)
    raise TypeError(f"cannot compare with expected {type(expected).__name__}")


def _one_number(got: Any, expected: float | None = None) -> str:
    """How to make one number of what holds a few: a 1-entry array, a short list of numbers."""
    if isinstance(got, np.ndarray) and got.size == 1:
        return ": one number in an array, so return the number itself (.item() of it)"
    if not isinstance(got, (list, tuple)) or not 0 < len(got) <= 6:
        return ""
    if not all(_is_number(item) for item in got):
        return ""
    if len(got) == 1:
        return f" ({got!r}): return the number itself, without the brackets"
    shown = ", ".join(_fmt(item) for item in got)
    if expected is not None and math.isclose(sum(got), expected, rel_tol=1e-9):
        return f" ({shown}), which add up to the expected number: return their sum"
    return f" ({shown}): return one number"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _integral(value: Any) -> bool:
    """Whether ``value`` holds one whole number that int(...) would keep as it is."""
    if isinstance(value, float):
        return value.is_integer()
    if isinstance(value, np.ndarray) and value.size == 1 and value.dtype.kind in "iuf":
        return bool(value.dtype.kind in "iu" or float(value.reshape(-1)[0]).is_integer())
    return False


def _shapes(items: Any) -> list[tuple[int, ...] | None]:
    return [getattr(item, "shape", None) for item in items]


def _not_an_array(expected: np.ndarray, got: Any) -> str:
    """What came instead of an array, and for a list or tuple, what to return instead."""
    if not isinstance(got, (list, tuple)):
        return kind_of(got)
    shapes = _shapes(got)
    arrays = len(got) > 1 and all(isinstance(item, np.ndarray) for item in got)
    if arrays and shapes[-1] == expected.shape and len(set(shapes)) > 1:
        # Every layer's activations, the output last: feedforward keeping them all.
        shown = ", ".join(str(shape) for shape in shapes[:6]) + (", ..." if len(shapes) > 6 else "")
        return f"a {type(got).__name__} of {len(got)} arrays of shapes {shown}: return only the last one"
    # tolist(), or rows gathered in a list, is the usual way to end up here.
    return f"{kind_of(got)}: return a NumPy array (np.array(...) of it, or no .tolist())"


def _shape_relation(expected: np.ndarray, got: np.ndarray, tolerance: Tolerance, whole: bool) -> str:
    """How a wrong shape relates to the expected one, when it does in a way with a usual cause.

    ``whole``: ``got`` is the whole result, whose first axis is the examples (not a part of it,
    such as a gradient, whose first axis is something else).
    """
    want, have = expected.shape, got.shape
    if got.ndim == expected.ndim >= 2 and have == (*want[:-2], want[-1], want[-2]):
        if not _same(expected, np.swapaxes(got, -1, -2), tolerance):
            return " (the expected sizes in another order: reshape or build it in the expected shape directly)"
        return (
            " (the expected shape, transposed)" if got.ndim == 2 else " (the expected shape, rows and columns swapped)"
        )
    if have == (1, *want):
        return (
            " (an extra axis of length 1 in front: keepdims=True, np.newaxis, np.atleast_2d or reshape(1, -1) added it)"
        )
    if have == (*want, 1):
        if expected.ndim == 1:
            return " (a column where a 1-D array is wanted)"
        return " (an extra axis of length 1 at the end)"
    # Which axis is missing is plain only when the next one has another size (no second axis of it).
    if whole and expected.ndim >= 1 and have == want[1:] and want[0] not in want[1:]:
        return " (no first axis: expected one result per example (or image), stacked)"
    if got.size == expected.size and got.ndim != expected.ndim:
        if _same(expected, got.reshape(want), tolerance):
            return " (the expected values, in one flat row: ravel, flatten or a loop over entries lost the shape)"
        return f" (as many values, {got.size}, in another shape)"
    return ""


def _pair_of_lists_problem(expected: list | tuple, got: list | tuple, where: str, parts: tuple[str, ...]) -> str:
    """For a result that is a pair of lists (weights, biases): a list of per-layer pairs, or one list only."""
    if len(parts) != 2 or len(expected) != 2 or not all(isinstance(e, (list, tuple)) for e in expected):
        return ""
    first, second = expected
    layers = len(first)
    in_pairs = all(isinstance(g, (list, tuple)) and len(g) == 2 for g in got)
    if in_pairs and len(got) == layers == len(second):
        zipped = all(
            _shapes(g) == [getattr(a, "shape", None), getattr(b, "shape", None)] for g, a, b in zip(got, first, second)
        )
        if zipped and (layers != 2 or [_shapes(g) for g in got] != [_shapes(first), _shapes(second)]):
            return f"{where}: expected two lists ({parts[0]}, {parts[1]}), got one pair per layer ({layers} pairs)"
    if got and all(isinstance(g, np.ndarray) for g in got) and _shapes(got) in (_shapes(first), _shapes(second)):
        kind = type(got).__name__
        return f"{where}: expected the pair ({parts[0]}, {parts[1]}), got a {kind} of {len(got)} arrays: return both"
    return ""


def _dtype_advice(expected: np.ndarray, got: np.ndarray) -> str:
    """Why a result may have the wrong float dtype, for the usual ways it happens."""
    if expected.dtype == np.float32 and got.dtype == np.float64:
        return (
            " (keep the input's dtype: np.zeros(...), np.array of Python numbers and dtype=float make float64, "
            "and mixing one in makes the result float64: give new arrays dtype=x.dtype, or use np.zeros_like(x))"
        )
    if got.dtype.kind in "iub":
        # Not "keep the input's dtype": the input may be the ints (one_hot's labels).
        return (
            f" (integers where {expected.dtype} is wanted: dtype=int, .astype(int), int(...) or an array of ints "
            "made them)"
        )
    if expected.dtype == np.float64:
        return " (work in float64: float32 keeps only about 7 significant digits)"
    return ""


def _value_lines(
    expected: np.ndarray, got: np.ndarray, tolerance: Tolerance, where: str, *, explain: bool = False
) -> list[str]:
    expected64 = np.asarray(expected, dtype=np.float64)
    got64 = np.asarray(got, dtype=np.float64)
    bad_numbers, excess = _mismatches(expected64, got64, tolerance)
    if bad_numbers.any():
        index = tuple(int(i) for i in np.argwhere(bad_numbers)[0])
        count = int(bad_numbers.sum())
        at = f" at {list(index)}" if index else ""
        cause = ": look for overflow, division by zero or log of 0" if not np.isfinite(got64[index]) else ""
        return [
            f"{where}: got {_fmt(got64[index])}{at} where {_fmt(expected64[index])} was expected "
            f"({count} such value{'s' * (count != 1)}{cause})"
        ]
    if not (excess > 0).any():
        return []
    if excess.ndim == 0:  # one number: all of it, to its last digit
        lines = [f"{where}: expected {float(expected64)!r}, got {float(got64)!r} (tolerance: {tolerance})"]
    else:
        index = np.unravel_index(int(np.argmax(excess)), excess.shape)
        wrong = int((excess > 0).sum())
        values = f"{wrong} of {excess.size} value{'s' * (excess.size != 1)} {'differ' if wrong != 1 else 'differs'}"
        lines = [
            f"{where}: {values}; worst at {[int(i) for i in index]}: "
            f"expected {_fmt(expected64[index])}, got {_fmt(got64[index])} (tolerance: {tolerance})"
        ]
    if _rounded_to_float32(expected64, got64):
        lines.append(
            f"{where}: every value you returned is a float32 number, close to the expected one but "
            "with only about 7 significant digits: compute in float64 (look for np.float32 or a float32 array)"
        )
    elif explain and expected64.ndim > 0 and expected.dtype.kind == "f":
        relation = _factor(expected64, got64, tolerance) or _moved(expected64, got64, tolerance)
        if relation:
            lines.append(f"{where}: {relation}")
    return lines


def _mismatches(expected64: np.ndarray, got64: np.ndarray, tolerance: Tolerance) -> tuple[np.ndarray, np.ndarray]:
    """(the entries where an inf or NaN stands for another value, how far each finite entry lies
    outside the tolerance: above 0 is wrong)."""
    finite = np.isfinite(got64) & np.isfinite(expected64)
    # Tolerances mean nothing for inf and NaN: there, only the very same value matches.
    same = (got64 == expected64) | (np.isnan(got64) & np.isnan(expected64))
    with np.errstate(invalid="ignore"):
        error = np.abs(got64 - expected64)
        allowed = tolerance.atol + tolerance.rtol * np.abs(expected64)
        return ~finite & ~same, np.where(finite, error - allowed, 0.0)


def entrywise_lines(expected: Any, got: Any, tolerance: Tolerance, name: str, inputs: Any) -> list[str]:
    """For a function computed entry by entry (sigmoid of z), where its wrong entries are in terms
    of its input: the input at the worst one, and a sign that every wrong entry's input shares."""
    if not all(isinstance(a, np.ndarray) for a in (expected, got, inputs)) or expected.ndim == 0:
        return []
    if not expected.shape == got.shape == inputs.shape or got.dtype.kind not in "iuf":
        return []
    bad_numbers, excess = _mismatches(expected.astype(np.float64), got.astype(np.float64), tolerance)
    wrong = bad_numbers | (excess > 0)
    if not wrong.any():
        return []
    # The entry the value line shows: the first inf or NaN, or else the worst.
    flat = int(np.argmax(bad_numbers)) if bad_numbers.any() else int(np.argmax(excess))
    index = np.unravel_index(flat, expected.shape)
    lines = [f"there, {name}{list(int(i) for i in index)} = {_fmt(inputs[index])}"]
    negative = inputs < 0
    if negative[wrong].all() and not negative[~wrong].all():
        wrong_side, right_side = f"{name} < 0", f"{name} ≥ 0"
    elif not negative[wrong].any() and negative[~wrong].any():
        wrong_side, right_side = f"{name} ≥ 0", f"{name} < 0"
    else:
        return lines
    return [
        *lines,
        f"every wrong entry has {wrong_side} (those with {right_side} are right): look at your {wrong_side} case",
    ]


def _factor(expected: np.ndarray, got: np.ndarray, tolerance: Tolerance) -> str:
    """'every value is k times the expected one', when one factor k (not 0 or 1) turns expected into got."""
    nonzero = expected != 0
    if int(nonzero.sum()) < 2 or np.any(np.abs(got[~nonzero]) > tolerance.atol):
        return ""
    index = np.unravel_index(int(np.argmax(np.abs(expected))), expected.shape)
    with np.errstate(all="ignore"):
        k = float(got[index] / expected[index])
        if not np.isfinite(k) or k == 0 or f"{k:.4g}" == "1":
            return ""
        scaled = k * expected[nonzero]
        if not np.all(np.abs(got[nonzero] - scaled) <= tolerance.atol + max(tolerance.rtol, 1e-6) * np.abs(scaled)):
            return ""
    if abs(k + 1) <= 1e-4:
        return "every value has the opposite sign"
    n = round(1 / k)
    if k > 0 and 2 <= n <= 1000 and abs(1 / k - n) <= 1e-4 * n:
        return f"every value is 1/{n} of the expected one"
    return f"every value is {k:.4g} times the expected one"


def _moved(expected: np.ndarray, got: np.ndarray, tolerance: Tolerance) -> str:
    """A line when got holds the expected values (mostly distinct ones), in other places; else ''."""
    if expected.size < 2 or np.unique(expected).size < max(2, expected.size // 2):
        return ""  # few distinct values (0s and 1s): another arrangement says little
    want, have = np.sort(expected, axis=None), np.sort(got, axis=None)
    if np.all(np.abs(have - want) <= tolerance.atol + tolerance.rtol * np.abs(want)):
        return (
            "it holds the expected values, in other places (a transpose, swapped axes, or a reshape that regroups them)"
        )
    return ""


def _rounded_to_float32(expected: np.ndarray, got: np.ndarray) -> bool:
    """Whether ``got`` is ``expected`` computed in float32 (and then turned into float64 numbers)."""
    as_float32 = got.astype(np.float32).astype(np.float64)
    if not np.array_equal(as_float32, got) or np.array_equal(expected.astype(np.float32), expected):
        return False  # not float32 numbers, or the right answer is one itself
    # Relative only: a result of zeros is not "close" to tiny expected values in this sense.
    return bool(np.any(got != 0) and np.all(np.abs(got - expected) <= 1e-6 * np.abs(expected)))


def _recognising(tolerance: Tolerance) -> Tolerance:
    """How close a wrong result must be to a mistake's answer to be named after it."""
    return Tolerance(rtol=max(tolerance.rtol, 1e-6) * 10, atol=max(tolerance.atol, 1e-8) * 10)


def telling_apart(mistakes: list[Mistake], expected: Any, tolerance: Tolerance) -> list[Mistake]:
    """The mistakes whose answers differ from the right one for this input (beyond ``tolerance``).

    A mistake that gives the right answer here would be named for any near miss, and two
    mistakes that give the same answer here (σ(z)² and σ(z) where σ is 0 or 1) for either one.
    """
    loose = _recognising(tolerance)
    differing = [m for m in mistakes if differences(expected, m.value, tolerance, explain=False)]
    return [
        m for m in differing if not any(o.message != m.message and _same(o.value, m.value, loose) for o in differing)
    ]


def recognise(mistakes: list[Mistake], got: Any, tolerance: Tolerance) -> str:
    """The message of the first known mistake that ``got`` reproduces, or ''."""
    loose = _recognising(tolerance)
    for mistake in mistakes:
        if _same(mistake.value, got, loose):
            return mistake.message
    return ""


def _same(known: Any, got: Any, tolerance: Tolerance) -> bool:
    """Whether ``got`` is ``known`` within ``tolerance``; a value that cannot be compared is not."""
    try:
        return not differences(known, got, tolerance, explain=False)
    except Exception:  # a learner's value can be anything plain, a 10**400 int among them
        return False


_EQUALS = "your result equals "


def recognise_shape(mistakes: list[Mistake], expected: Any, got: Any) -> str:
    """For a result of the wrong shape: the first known mistake that gives that shape, or ''.

    Its values differ too (else ``recognise`` would have named it), so a second mistake is
    there as well; the shape alone still says where the first one is.
    """
    shape = getattr(got, "shape", None)
    if shape is None or shape == getattr(expected, "shape", None):
        return ""
    for mistake in mistakes:
        if mistake.message.startswith(_EQUALS) and getattr(mistake.value, "shape", None) == shape:
            what = mistake.message[len(_EQUALS) :]
            return f"your result has the shape of {what} Its values differ as well: look for a second mistake too."
    return ""


def _spatial_sizes(function: str, expected: Any, got: Any) -> tuple[tuple[int, int], tuple[int, int]] | None:
    """(got's, expected's) last two axes for a sliding window's output whose other axes are right, else None."""
    if function not in OUTPUT_SIZES or not isinstance(got, np.ndarray) or not isinstance(expected, np.ndarray):
        return None
    if got.ndim != expected.ndim or got.ndim < 2 or got.shape[:-2] != expected.shape[:-2]:
        return None
    (gh, gw), (eh, ew) = got.shape[-2:], expected.shape[-2:]
    if (gh, gw) in ((eh, ew), (ew, eh)):
        return None  # the right size, or rows and columns swapped: no size formula is wrong
    return (gh, gw), (eh, ew)


def _size_advice(function: str, expected: Any, got: Any, tolerance: Tolerance, *, overlap_right: bool = False) -> str:
    """What to check when a sliding window's output has the wrong number of rows or columns, else ''.

    With ``overlap_right``, only when the values got and expected share (the top-left corner of
    both) match: then the values are right and only the output size is wrong.
    """
    sizes = _spatial_sizes(function, expected, got)
    if sizes is None:
        return ""
    (gh, gw), (eh, ew) = sizes
    if overlap_right:
        h, w = min(gh, eh), min(gw, ew)
        if h == 0 or w == 0 or differences(expected[..., :h, :w], got[..., :h, :w], tolerance, explain=False):
            return ""
    if max(abs(gh - eh), abs(gw - ew)) == 1:
        size = f"your output has one row or column too few or too many ({gh} × {gw} where {eh} × {ew} is expected)"
    else:
        size = f"your output is {gh} × {gw} where {eh} × {ew} is expected"
    right = ", though its values are right where the two overlap" if overlap_right else ""
    return f"{size}{right}: {OUTPUT_SIZES[function]}."


def _leaves(expected: Any, got: Any, where: str, parts: tuple[str, ...] = ()) -> list[tuple[str, Any, Any]] | None:
    """(name, expected, got) for each number or array of a container, or None when got's structure differs."""
    if not isinstance(expected, (list, tuple)):
        return [(where, expected, got)]
    if not isinstance(got, (list, tuple)) or len(got) != len(expected):
        return None
    found = []
    for i, (e, g) in enumerate(zip(expected, got)):
        inner = _leaves(e, g, parts[i] if len(parts) == len(expected) else f"{where}[{i}]")
        if inner is None:
            return None
        found += inner
    return found


def _right_and_wrong(expected: Any, got: Any, tolerance: Tolerance, parts: tuple[str, ...]) -> str:
    """'right: ...; wrong: ...' for the parts of a container result, when some are right and some not, else ''."""
    leaves = _leaves(expected, got, "result", parts)
    if not leaves or len(leaves) < 2:
        return ""
    right, wrong = [], []
    for name, e, g in leaves:
        try:
            (wrong if differences(e, g, tolerance, name, explain=False) else right).append(name)
        except Exception:  # a learner's value can be anything plain
            return ""
    if not right or not wrong:
        return ""

    def listed(names: list[str]) -> str:
        return ", ".join(names[:8]) + (", ..." if len(names) > 8 else "")

    return f"right: {listed(right)}; wrong: {listed(wrong)}"


# How each function usually ends up changing each of its inputs, where it is not the generic `w -= ...`.
_SHUFFLED_IN_PLACE = (
    "rng.shuffle(images) (like np.random.shuffle) shuffles in place: draw order = rng.permutation(len(images)) "
    "and index images and labels with it, which also keeps each image with its label."
)
IN_PLACE = {
    "numerical_gradient": {
        "x": "stepping an entry up and down (x[i] += eps, then -= 2·eps, then += eps) does not give exactly the "
        "old value back in floating point, and without a copy the caller's x is the one stepped: work on a copy "
        "(x = np.array(x, dtype=np.float64)) and put each saved entry back with `=` after its difference."
    },
    "train": {
        "images": _SHUFFLED_IN_PLACE,
        "labels": _SHUFFLED_IN_PLACE,
        "weights": "an update in place of the network you were given: `w -= ...` in sgd_step (or in train) "
        "changes the caller's array, and `weights[i] = ...` the caller's list. Make new ones, as sgd_step "
        "must: `w - learning_rate * g`, in a new list.",
    },
}
IN_PLACE["train"]["biases"] = IN_PLACE["train"]["weights"]


def _in_place_advice(argument: str) -> str:
    # A parameter's name reads as code; "argument 2" (no name known) does not.
    name = argument if argument.isidentifier() else "x"
    return (
        f"an in-place update (`+=`, `-=`, `*=`, `a[...] = ...`) on {name}, or on another name for it: "
        f"`y = {name}` (or np.asarray({name})) makes no copy, so `y += ...` changes {name} too. Write "
        f"`y = {name} + ...`, or start from `{name}.copy()`."
    )


def mutation_problem(outcome: Outcome, function: str) -> Diagnosis:
    """The diagnosis of a call that changed its arguments (``outcome.mutated`` names them)."""
    changed = outcome.mutated[0].strip("`")
    return Diagnosis(
        f"`{function}` changed its input {', '.join(outcome.mutated)} in place.",
        [
            "callers keep using their arrays after the call, so a function, and every function it calls, must leave "
            "them as they were."
        ],
        likely_mistake=IN_PLACE.get(function, {}).get(changed, _in_place_advice(changed)),
    )


def judge_value(
    expected: Any,
    outcome: Outcome,
    function: str,
    tolerance: Tolerance,
    mistakes: list[Mistake] | None = None,
    *,
    warning_advice: str | None = None,
    entrywise: tuple[str, Any] | None = None,
) -> Diagnosis | None:
    """The standard judgement of one call: usable, untouched inputs, right value.

    With ``warning_advice``, a NumPy warning during the call fails the check with that advice.
    ``entrywise`` (an argument's name and value) says that the function computes each entry of
    its result from the same entry of that argument: wrong entries are then told by their input.
    """
    problem = outcome_problem(outcome, function)
    if problem and outcome.status == NOT_PLAIN and "generator" in outcome.message and _is_number(expected):
        # "Make it a list" would give a list, and one number is wanted: the items are to be added up.
        return replace(
            problem,
            details=[
                f"the result is a generator, and `{function}` returns one number: to add up its items, wrap it "
                "in sum(...)"
            ],
        )
    if problem:
        return problem
    if outcome.mutated:
        return mutation_problem(outcome, function)
    parts = RESULT_PARTS.get(function, ())
    lines = differences(expected, outcome.value, tolerance, parts=parts)
    if lines:
        kinds = [f"expected: {kind_of(expected)}", f"got:      {kind_of(outcome.value)}"]
        if kind_of(expected) == kind_of(outcome.value) and isinstance(expected, (tuple, list)):
            kinds = []  # "tuple of 2" twice says nothing: the lines below name the part that differs
        elif lines[0].startswith("result: expected "):
            kinds = []  # the whole result, expected and got side by side: said once is enough
        # Which parts of a container are right tells where the mistake starts (in backprop, its layer).
        # (Not when the result is laid out otherwise, one pair per layer: parts would match by position.)
        laid_out = (
            isinstance(expected, (tuple, list))
            and isinstance(outcome.value, (tuple, list))
            and not _pair_of_lists_problem(expected, outcome.value, "result", parts)
        )
        summary = _right_and_wrong(expected, outcome.value, tolerance, parts) if laid_out else ""
        lines = [*lines, summary] if summary else lines
        if entrywise is not None:
            lines += entrywise_lines(expected, outcome.value, tolerance, *entrywise)
        # A mistake that gives the right answer for this input would be named for any near miss. A
        # sliding window's output whose values are right but too few or too many has a wrong size
        # formula, whatever mistake its shape happens to match.
        likely = (
            recognise(telling_apart(mistakes or [], expected, tolerance), outcome.value, tolerance)
            or _size_advice(function, expected, outcome.value, tolerance, overlap_right=True)
            or recognise_shape(mistakes or [], expected, outcome.value)
            or _size_advice(function, expected, outcome.value, tolerance)
        )
        if not likely and warning_advice is not None and outcome.warnings:
            # The warning is the cause of the wrong values (an overflow's inf, then nan): name it.
            lines, likely = [*lines, *outcome.warnings], warning_advice
        return Diagnosis(f"`{function}` returned a wrong result.", [*kinds, *lines], likely_mistake=likely)
    if warning_advice is not None and outcome.warnings:
        return Diagnosis(
            f"`{function}` gave the right values but NumPy warned while computing them.",
            list(outcome.warnings),
            likely_mistake=warning_advice,
        )
    return None
