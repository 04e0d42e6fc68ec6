"""The untrusted side of a check: import a learner's module and call one of its functions.

Both runners use this module: pytest calls it in-process, the grader's sandboxed worker calls it
where only the standard library and NumPy exist. So it imports nothing else, and it turns
whatever the learner's code does (returns, raises, warns, mutates its inputs) into an
``Outcome`` made of plain data that the trusted side can judge without running learner code.
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import importlib.util
import inspect
import io
import json
import os
import re
import signal
import site
import symtable
import sys
import sysconfig
import threading
import time
import tokenize
import types
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

# Exercises in teaching order. The folder name is the exercise id; the module is named after it.
EXERCISES: tuple[str, ...] = (
    "01_neuron",
    "02_sigmoid",
    "03_feedforward",
    "04_parameters",
    "05_backprop",
    "06_convolution",
    "07_pooling",
    "08_training",
)

# The functions each exercise's module must define (the API; a test holds it to the checks).
API: dict[str, tuple[str, ...]] = {
    "01_neuron": ("weighted_sum", "layer_weighted_sums"),
    "02_sigmoid": ("sigmoid", "sigmoid_prime"),
    "03_feedforward": ("flatten", "init_network", "feedforward", "predict"),
    "04_parameters": ("count_parameters", "count_conv2d_parameters"),
    "05_backprop": ("backprop", "numerical_gradient"),
    "06_convolution": ("convolve2d", "conv2d"),
    "07_pooling": ("max_pool2d",),
    "08_training": ("one_hot", "sgd_step", "train", "accuracy"),
}

# Libraries that would hand a learner the answer: the exercises are to be written with NumPy.
FORBIDDEN_LIBRARIES: tuple[str, ...] = ("torch", "tensorflow", "jax", "scipy", "sklearn", "keras")

NOTEBOOK_METADATA_KEY = "nnkata"


def module_name(exercise: str) -> str:
    """``"02_sigmoid"`` -> ``"sigmoid"``."""
    return exercise.split("_", 1)[1]


def listed(names: Sequence[str]) -> str:
    """``a, b and c``: names as a sentence lists them."""
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def checks_counted(count: int, of: int, *, failing: bool = False) -> str:
    """``2 of 7 checks pass``, ``0 of 1 check passes``, ``1 of 1 check fails``."""
    verb = ("fail", "fails") if failing else ("pass", "passes")
    return f"{count} of {of} checks {verb[0]}" if of != 1 else f"{count} of 1 check {verb[1]}"


# ----------------------------------------------------------------------------------------------
# What a call is made of


@dataclass(frozen=True)
class SeededGenerator:
    """Stands for ``numpy.random.default_rng(seed)``, built fresh on the learner's side."""

    seed: int


@dataclass(frozen=True)
class KnownFunction:
    """Stands for one of the trusted scalar functions below (a learner's code may call it)."""

    name: str


@dataclass(frozen=True)
class MnistData:
    """Stands for MNIST training data, loaded on the learner's side instead of being shipped.

    ``part`` is ``"images"`` (float64 ``(N, 784)`` in [0, 1]) or ``"labels"`` (int64 ``(N,)``);
    ``limit`` keeps only the first examples.
    """

    part: str
    limit: int | None = None


@dataclass(frozen=True)
class Call:
    """One call of a learner's function: ``function(*args, **kwargs)``."""

    function: str
    args: tuple = ()
    kwargs: dict = field(default_factory=dict)

    def describe(self, beside: Call | None = None) -> str:
        """A short, readable rendering such as ``sigmoid(z=array(3, 4) float64)``.

        Beside another call, arguments that read the same as there are shown as ``…``.
        """
        parts = self.parts()
        if beside is not None:
            theirs = beside.parts()
            parts = ["…" if i < len(theirs) and part == theirs[i] else part for i, part in enumerate(parts)]
        return f"{self.function}({', '.join(parts)})"

    def parts(self) -> list[str]:
        """Each argument as ``describe`` shows it."""
        return [describe_value(a) for a in self.args] + [f"{k}={describe_value(v)}" for k, v in self.kwargs.items()]


def describe_value(value: Any) -> str:
    """A one-look summary of an argument: shapes and dtypes for arrays, values for numbers."""
    if isinstance(value, np.ndarray):
        if value.size <= 4 and value.ndim <= 1:
            shown = ", ".join(f"{x:.4g}" if value.dtype.kind == "f" else str(x) for x in value.tolist())
            return f"np.array([{shown}], dtype={value.dtype})"
        return f"array{value.shape} {value.dtype}"
    if isinstance(value, (list, tuple)):
        inner = ", ".join(describe_value(v) for v in value)
        return f"[{inner}]" if isinstance(value, list) else f"({inner}{',' if len(value) == 1 else ''})"
    if isinstance(value, SeededGenerator):
        return f"np.random.default_rng({value.seed})"
    if isinstance(value, KnownFunction):
        return value.name
    if isinstance(value, MnistData):
        return f"mnist_train_{value.part}" + (f"[:{value.limit}]" if value.limit else "")
    if isinstance(value, float):
        return repr(value)
    return repr(value)


# Trusted scalar functions for ``numerical_gradient``: smooth, with gradients torch can compute.
def _sum_of_squares(x: np.ndarray) -> float:
    return float(np.sum(np.asarray(x, dtype=np.float64) ** 2))


def _sin_times_square(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    return float(np.sum(np.sin(x) * x**2))


def _log_sum_exp(x: np.ndarray) -> float:
    x = np.asarray(x, dtype=np.float64)
    top = np.max(x)
    return float(top + np.log(np.sum(np.exp(x - top))))


KNOWN_FUNCTIONS = {
    "sum_of_squares": _sum_of_squares,
    "sin_times_square": _sin_times_square,
    "log_sum_exp": _log_sum_exp,
}


def materialize(value: Any, mnist_loader: Any = None) -> Any:
    """Turn the stand-ins in an argument into real objects, copying arrays.

    Copies mean the learner's function gets arrays nobody else holds, so we can tell afterwards
    whether it modified its inputs.
    """
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, list):
        return [materialize(v, mnist_loader) for v in value]
    if isinstance(value, tuple):
        return tuple(materialize(v, mnist_loader) for v in value)
    if isinstance(value, SeededGenerator):
        return np.random.default_rng(value.seed)
    if isinstance(value, KnownFunction):
        return KNOWN_FUNCTIONS[value.name]
    if isinstance(value, MnistData):
        if mnist_loader is None:
            raise RuntimeError("this call needs MNIST, but no loader was given")
        return mnist_loader(value)
    return value


# ----------------------------------------------------------------------------------------------
# What came back


# Outcome statuses. Everything except "ok" means the learner's function gave no usable value.
OK = "ok"
NOT_IMPLEMENTED = "not_implemented"
RAISED = "raised"
MISSING = "missing"
IMPORT_FAILED = "import_failed"
FORBIDDEN_IMPORT = "forbidden_import"
NOT_PLAIN = "not_plain"
NO_RESULT = "no_result"  # the worker died or hit a limit before answering


@dataclass
class Outcome:
    """What one call did, as plain data (safe to send across a process boundary)."""

    status: str
    value: Any = None
    message: str = ""
    warnings: list[str] = field(default_factory=list)
    mutated: list[str] = field(default_factory=list)
    seconds: float = 0.0
    source: str = ""  # where the learner's code came from, e.g. "exercises/02_sigmoid/sigmoid.py"
    # The call's time limit stopped it, or it was not made because an earlier call of its function
    # was stopped: what to fix first, whatever the other cases say.
    stopped: bool = False

    @property
    def ok(self) -> bool:
        return self.status == OK


class NotPlainError(TypeError):
    """A returned object is not a number, a numeric array, or a list/tuple of those."""


def to_plain(value: Any, where: str = "the result") -> Any:
    """Copy a returned value into plain data, rejecting anything else.

    Plain means: bool, int, float, numeric ``np.ndarray`` (never object arrays), NumPy scalars
    (turned into Python numbers) and lists/tuples of plain values. Subclasses of ndarray and of
    the numeric types are rebuilt as the base type, so no learner-defined method survives.
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise NotPlainError(f"{where} is an array of dtype {value.dtype}; expected numbers")
        return np.array(value, dtype=value.dtype, copy=True, subok=False)
    if isinstance(value, (list, tuple)):
        items = [to_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return tuple(items) if isinstance(value, tuple) else items
    if value is None:
        raise NotPlainError(f"{where} is None: did you forget a `return`?")
    if isinstance(value, Iterator):  # a generator expression, zip(...), map(...)
        raise NotPlainError(
            f"{where} is a {type(value).__name__}, which hands out its items one at a time: make it a list, "
            "with square brackets [... for ...] or list(...)"
        )
    raise NotPlainError(f"{where} is a {type(value).__name__}; expected a number or a NumPy array")


def _snapshot(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, tuple)):
        return [_snapshot(v) for v in value]
    return None


def _changed(before: Any, after: Any) -> bool:
    if isinstance(before, np.ndarray):
        if not isinstance(after, np.ndarray) or after.shape != before.shape:
            return True
        # equal_nan is several times slower (seconds on MNIST's 376 MB): only for arrays that differ.
        if np.array_equal(after, before):
            return False
        return not (before.dtype.kind == "f" and np.array_equal(after, before, equal_nan=True))
    if isinstance(before, list):
        return (
            not isinstance(after, (list, tuple))
            or len(after) != len(before)
            or any(_changed(b, a) for b, a in zip(before, after))
        )
    return False


def warning_lines(caught: list[warnings.WarningMessage], most: int = 5) -> list[str]:
    """Each different warning once, with the learner's line that caused it and how often it came.

    ``RuntimeWarning: overflow encountered in exp (line 28 of sigmoid.py), 3 times``
    """
    counts: dict[str, int] = {}
    for caught_one in caught:
        try:  # the learner's code can warn with any object, of any class, from any "file"
            text = f"{caught_one.category.__name__}: {caught_one.message}"
            if not str(caught_one.filename).startswith((_PACKAGE_DIR, *_LIBRARY_DIRS)):
                text += f" ({where(str(caught_one.filename), int(caught_one.lineno))})"
        except Exception:
            text = "a warning that could not be shown"
        counts[text] = counts.get(text, 0) + 1
    return [text if count == 1 else f"{text}, {count} times" for text, count in counts.items()][:most]


# A module made of a notebook's cells maps the functions of the cells left out because they do not
# parse to those cells (``{"conv2d": "code cell 31 of kata.ipynb, which Python cannot read (…)"}``).
UNREADABLE_CELLS = "__nnkata_unreadable_cells__"


def missing_message(module: types.ModuleType | None, name: str, source: str = "") -> str:
    """Why ``name`` was not found in the learner's module, naming a function it may be misspelt as,
    or the notebook cell it is in when that cell was left out as unreadable (``UNREADABLE_CELLS``)."""
    where = source or "your module"
    wanted = {function for functions in API.values() for function in functions}
    try:  # the module is the learner's: whatever it holds, this only gives up on the suggestion
        cells = vars(module).get(UNREADABLE_CELLS) if module is not None else None
        cell = cells.get(name) if type(cells) is dict else None
        if type(cell) is str:
            return f"`{name}` is in {cell}: fix that cell."
        defined = [
            key
            for key, value in (vars(module).items() if module is not None else [])
            # A function the kata asks for is no misspelling of another one it asks for.
            if type(value) is types.FunctionType and type(key) is str and key not in wanted
            and type(value.__module__) is str and value.__module__ == module.__name__
        ]  # fmt: skip
        close = difflib.get_close_matches(name, defined, n=1, cutoff=0.6)
    except Exception:
        close = []
    if close:
        return f"{where} has no function `{name}`, but defines `{close[0]}`: if that is it, rename it `{name}`."
    return (
        f"{where} has no function `{name}`: check its name and that it is defined at the top level "
        "(not inside another function)."
    )


def perform(module: types.ModuleType | None, call: Call, *, source: str = "", mnist_loader: Any = None) -> Outcome:
    """Call ``module.<call.function>`` and describe what happened as an ``Outcome``."""
    function = getattr(module, call.function, None) if module is not None else None
    if not callable(function):
        return Outcome(MISSING, message=missing_message(module, call.function, source), source=source)
    args = materialize(call.args, mnist_loader)
    kwargs = {k: materialize(v, mnist_loader) for k, v in call.kwargs.items()}
    before = [_snapshot(a) for a in args] + [_snapshot(v) for v in kwargs.values()]
    names = _parameter_names(function, len(args)) + [f"`{k}`" for k in kwargs]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        # Underflow to 0 is harmless (and what a stable sigmoid does far out); the rest is not.
        with np.errstate(all="warn", under="ignore"):
            start = time.perf_counter()
            try:
                value = function(*args, **kwargs)
            except NotImplementedError as error:
                unwritten, _ = unwritten_function(error)
                message = str(error)
                if unwritten != call.function:
                    # The stub that raised is another function: the learner's is written.
                    message = f"{_CALLS}{unwritten}`, which is not written yet ({error})"
                return Outcome(NOT_IMPLEMENTED, message=message, seconds=time.perf_counter() - start, source=source)
            except Exception as error:
                return Outcome(
                    RAISED,
                    message=_call_refused(error, function, args, kwargs) or _describe_exception(error, function),
                    seconds=time.perf_counter() - start,
                    source=source,
                )
            except SystemExit as error:  # exit() would end the checks (or the grader's worker) too
                return Outcome(
                    RAISED,
                    message=f"{_describe_exception(error, function)}: exit() ends the whole program; "
                    "a function returns its answer instead",
                    seconds=time.perf_counter() - start,
                    source=source,
                )
            seconds = time.perf_counter() - start
    after = list(args) + list(kwargs.values())
    mutated = [n for n, b, a in zip(names, before, after) if b is not None and _changed(b, a)]
    messages = warning_lines(caught)
    try:
        plain = to_plain(value)
    except NotPlainError as error:
        return Outcome(
            NOT_PLAIN, message=str(error), warnings=messages, mutated=mutated, seconds=seconds, source=source
        )
    return Outcome(OK, value=plain, warnings=messages, mutated=mutated, seconds=seconds, source=source)


# ----------------------------------------------------------------------------------------------
# Time limits: one call that never ends costs its own function's checks, not the others'


# Far above what any correct answer takes (training on MNIST included): only a loop that never
# ends gets there, and the learner then gets its line instead of a run that hangs.
CALL_SECONDS = 20.0
MNIST_CALL_SECONDS = 600.0
# In the grader's worker a call must be stopped while the worker still has time to answer: its
# limit leaves this share of the worker's wall time, and at least these seconds, for the rest
# (starting, the other calls, writing the answer).
WORKER_RESERVE_SHARE = 0.1
WORKER_RESERVE_SECONDS = 5.0


def call_seconds(needs_mnist: bool, wall_seconds: float | None = None) -> float | None:
    """The time limit of one call, below a worker's ``wall_seconds`` when given.

    None when that wall limit leaves no room for one: the worker's hard limit alone then stops
    a call that never ends, and the calls before it keep their outcomes.
    """
    seconds = MNIST_CALL_SECONDS if needs_mnist else CALL_SECONDS
    if wall_seconds is None:
        return seconds
    room = wall_seconds - max(WORKER_RESERVE_SECONDS, WORKER_RESERVE_SHARE * wall_seconds)
    return min(seconds, room) if room >= 1.0 else None


@dataclass
class Deadline:
    seconds: float
    expired: bool = False


@contextmanager
def time_limit(seconds: float) -> Iterator[Deadline]:
    """Raise ``TimeoutError`` in the running code after ``seconds`` (main thread, POSIX only)."""
    deadline = Deadline(seconds)
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield deadline
        return

    def stop(signum: int, frame: Any) -> None:
        deadline.expired = True
        raise TimeoutError(
            f"still running after {seconds:g} s, so it was stopped: look for a loop that never ends, or one that "
            "runs far more often than needed (a loop over entries where one NumPy operation would do)"
        )

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield deadline
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def not_called_again(function: str, seconds: float, stopped_in: str | None, now: str | None = None) -> str:
    """Why ``function``, stopped in check ``stopped_in`` by a limit of ``seconds``, is not called in check ``now``.

    Both runners say it: it would most likely run as long again, for nothing new.
    """
    if stopped_in is None:
        where = "in an earlier call"
    elif stopped_in == now:
        where = "in an earlier case of this check"
    else:
        where = f"in an earlier check ({stopped_in})"
    return (
        f"`{function}` was not called again: it was stopped {where}, still running after {seconds:g} s, "
        "the time limit of a call. Fix that one first."
    )


def perform_in_time(
    module: types.ModuleType | None, call: Call, *, source: str, seconds: float, mnist_loader: Any = None
) -> Outcome:
    """``perform`` under a time limit of ``seconds``; the outcome says whether the limit stopped it.

    The limit can run out in perform's own work around the learner's call (loading MNIST before
    it, comparing the inputs after it), where perform does not catch the ``TimeoutError``: the
    learner then reads the same time limit, not a traceback of the grader.
    """
    outcome: Outcome | None = None
    try:
        with time_limit(seconds) as deadline:
            outcome = perform(module, call, source=source, mnist_loader=mnist_loader)
    except TimeoutError as error:
        if not deadline.expired:
            raise  # not the limit's: a bug to see in full
        if outcome is not None:
            return outcome  # it ran out only after perform had returned
        return Outcome(RAISED, message=f"{type(error).__name__}: {error}", source=source, stopped=True)
    if deadline.expired and outcome.status != RAISED:
        # The learner's code caught the limit's TimeoutError (a bare `except`) and went on.
        message = (
            f"TimeoutError: still running after {seconds:g} s, so it was stopped, and an `except` in your code "
            "caught that stop and carried on: catch only the errors you expect there"
        )
        return Outcome(RAISED, message=message, source=source, stopped=True)
    return replace(outcome, stopped=deadline.expired)


def _call_refused(error: Exception, function: Any, args: list, kwargs: dict) -> str | None:
    """Python's refusal to make the call at all: the function's def line takes other parameters
    than the checks pass (renamed, removed, reordered), said with that def line, not with the
    checks' own line that made the call."""
    if not isinstance(error, TypeError) or error.__traceback__ is None or error.__traceback__.tb_next is not None:
        return None  # raised inside the function: its own line says where
    try:
        signature = inspect.signature(function)
        signature.bind(*args, **kwargs)
    except TypeError:
        pass
    except Exception:  # no signature to show (a builtin, a learner's odd callable)
        return None
    else:
        return None  # the arguments fit: the TypeError came from somewhere else
    code = getattr(function, "__code__", None)
    place = f" ({where(code.co_filename, code.co_firstlineno)})" if code is not None else ""
    name = getattr(function, "__name__", "function")
    return (
        f"TypeError: {error}: your def line{place} reads `def {name}{signature}`, and the checks call it "
        "with the parameters of the stub's def line: keep their names and order"
    )


def _parameter_names(function: Any, count: int) -> list[str]:
    """How to name the first ``count`` positional arguments in a message: `weights`, not argument 1."""
    try:
        parameters = list(inspect.signature(function).parameters.values())
    except (TypeError, ValueError):
        parameters = []
    positional = [p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return [f"`{positional[i]}`" if i < len(positional) else f"argument {i + 1}" for i in range(count)]


def _raised_at(error: BaseException) -> types.TracebackType | None:
    """The traceback entry of the learner's line that raised ``error`` (or was running).

    The innermost line outside this package and outside installed libraries: a loop stopped by
    the time limit while inside NumPy is reported at the learner's line that called NumPy, and
    the grader's own frames (the time limit's signal handler, say) are never where to look.
    """
    learners = _learner_entries(error)
    if learners:
        return learners[-1]
    tb, found = error.__traceback__, None
    while tb is not None:
        if not tb.tb_frame.f_code.co_filename.startswith(_PACKAGE_DIR) or found is None:
            found = tb
        tb = tb.tb_next
    return found


def _learner_entries(error: BaseException) -> list[types.TracebackType]:
    """The traceback entries in the learner's code, outermost first."""
    entries, tb = [], error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not filename.startswith(_PACKAGE_DIR) and not filename.startswith(_LIBRARY_DIRS):
            entries.append(tb)
        tb = tb.tb_next
    return entries


def _called_from(error: BaseException, most: int = 2) -> list[types.TracebackType]:
    """The lines of the checked function's own file that led to where ``error`` was raised,
    innermost first, at most ``most`` of them.

    A generator that sgd_step returns fails inside backprop.py, which may be right: the learner
    should look at the lines of the file they are working on. A loop that never ends in train is
    stopped wherever it happens to be (in sigmoid, say): the outermost line is the loop's.
    """
    learners = _learner_entries(error)
    first_file = learners[0].tb_frame.f_code.co_filename if learners else None
    callers = [tb for tb in learners[:-1] if tb.tb_frame.f_code.co_filename == first_file]
    return callers[::-1][:most]


_PACKAGE_DIR = str(Path(__file__).resolve().parent) + os.sep
_LIBRARY_DIRS = (
    "<frozen ",  # the import system
    "<__array_function__ internals>",  # NumPy's dispatch in older versions
    *{
        str(form) + os.sep
        for folder in (
            *(sysconfig.get_path(kind) for kind in ("stdlib", "platstdlib", "purelib", "platlib")),
            *site.getsitepackages(),  # Debian's dist-packages among them
            site.getusersitepackages(),
            # Wherever NumPy is: the grader's worker finds it on PYTHONPATH, outside every site folder.
            Path(np.__file__).parent,
        )
        for form in (Path(folder), Path(folder).resolve())
    },
)


_CALLS = "calls `"


def called_stub(outcome: Outcome) -> str | None:
    """The other function, still a stub, that the call reached (``calls `feedforward`, ...``), if any."""
    if outcome.status != NOT_IMPLEMENTED or not outcome.message.startswith(_CALLS):
        return None
    return outcome.message[len(_CALLS) :].split("`", 1)[0]


def unwritten_function(error: NotImplementedError) -> tuple[str, str | None]:
    """The stub that raised ``error``, and its exercise when it is in an exercise's file."""
    raised = _raised_at(error)
    if raised is None:
        return "a function", None
    code = raised.tb_frame.f_code
    folder = Path(code.co_filename).parent.name
    return code.co_name, folder if folder in EXERCISES else None


def _describe_exception(error: BaseException, function: Any) -> str:
    """``ValueError: shapes (3,) and (4,) not aligned (line 12 of neuron.py)``.

    Never raises: it describes whatever the learner's code raised, in the grader's worker too.
    """
    try:
        text = f"{type(error).__name__}: {error}"
    except Exception:  # an exception class of the learner's whose str() fails
        text = f"{type(error).__name__} (its message could not be shown)"
    places = [tb for tb in (_raised_at(error), *_called_from(error)) if tb is not None]
    if places:
        shown = [
            f"{where(tb.tb_frame.f_code.co_filename, tb.tb_lineno)}, in {tb.tb_frame.f_code.co_name}" for tb in places
        ]
        # The line itself, for the innermost place: a line number alone sends the learner searching.
        code = source_line(places[0].tb_frame.f_code.co_filename, places[0].tb_lineno)
        if code:
            shown[0] += f": `{code}`"
        text += " (" + ", called from ".join(shown) + ")"
    if len(text) > 600:
        text = text[:600] + " ..."
    return text


# ----------------------------------------------------------------------------------------------
# Where the learner's code comes from: a module file, or the code cells of a notebook


@dataclass(frozen=True)
class LearnerSource:
    """The source text of one exercise's module and where it came from.

    ``shown``, when set, is what the learner knows the code by instead of ``origin``: the
    notebook a hand-in's module was joined from (see ``NOTEBOOK_ORIGIN``).
    """

    exercise: str
    text: str
    origin: Path  # the .py or .ipynb it was read from
    from_notebook: bool = False
    shown: str = ""


# Beside a module that the grader's intake joined from a notebook's code cells
# (``04_parameters/parameters.py``), the file that says where its code came from
# (``04_parameters/parameters.origin.json``), so that messages name the notebook, the code cell
# and the line in it rather than a module the learner never saw:
#     {"notebook": "hana/parameters.ipynb", "cells": [[first line in the module, cell number], ...]}
# or, for an exercise whose file the intake could not read (too large, not JSON), why:
#     {"refused": "convolution.ipynb could not be read by the grader: ..."}
# The learner's code could rewrite it in the sandbox, which would only change what messages say:
# it is read bounded, checked, and ignored when malformed.
NOTEBOOK_ORIGIN = "{}.origin.json"
MAX_ORIGIN_BYTES = 256 * 1024
MAX_ORIGIN_CELLS = 5000
MAX_ORIGIN_NAME = 200
MAX_REFUSAL_CHARS = 2000
# What every message about a file the intake could not read says (grading's ``exercise_cause``
# tells those exercises by what the intake recorded, not by this text, which learner code can print).
NOT_READ_BY_GRADER = "could not be read by the grader"


def notebook_origin(module_path: Path) -> dict[str, Any] | None:
    """The checked contents of the ``NOTEBOOK_ORIGIN`` file beside ``module_path``, or None when
    there is none or it is malformed: ``{"notebook": name, "cells": [(start, number), ...]}`` or
    ``{"refused": text}``. Never raises."""
    path = module_path.with_name(NOTEBOOK_ORIGIN.format(module_path.stem))
    try:
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
        with os.fdopen(os.open(path, flags), "rb") as file:
            data = json.loads(file.read(MAX_ORIGIN_BYTES + 1)[:MAX_ORIGIN_BYTES].decode("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    refused = data.get("refused")
    if isinstance(refused, str) and refused.strip():
        return {"refused": _printable(refused, MAX_REFUSAL_CHARS)}
    name, cells = data.get("notebook"), data.get("cells")
    if not isinstance(name, str) or not name.strip() or not isinstance(cells, list):
        return None
    if len(cells) > MAX_ORIGIN_CELLS:
        return None
    pairs = []
    for pair in cells:
        if not (isinstance(pair, list) and len(pair) == 2 and all(type(n) is int and 0 < n < 10**9 for n in pair)):
            return None
        pairs.append((pair[0], pair[1]))
    if pairs != sorted(pairs):
        return None
    return {"notebook": _printable(name, MAX_ORIGIN_NAME), "cells": pairs}


def _printable(text: str, most: int) -> str:
    """``text`` on one line of printable characters (a name can hold a newline), at most ``most``."""
    text = "".join(c if c.isprintable() else "?" for c in text.replace("\n", " "))
    return text if len(text) <= most else text[: most - 4] + " ..."


def notebook_code(path: Path) -> str:
    """The learner's code in a notebook file, as one module (see ``code_cells``).

    Reads the JSON directly (not with nbformat) so the sandbox needs nothing but the stdlib.
    """
    try:
        numbered = numbered_code_cells(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path} is not a readable Jupyter notebook ({error})") from error
    text, starts = join_numbered(numbered)
    _NOTEBOOK_CELLS[str(path)] = (path.name, list(starts))
    return text


# A module joined from a notebook's code cells, and where each cell starts in it, with its number
# among the notebook's code cells: ``(start line, cell number)``, as ``NOTEBOOK_ORIGIN`` records.
Joined = tuple[str, tuple[tuple[int, int], ...]]


def join_numbered(cells: Sequence[tuple[int, str]], added: Sequence[str] = ()) -> Joined:
    """``join_cells`` of numbered cells (``(number, text)``, as ``numbered_code_cells`` gives them)
    after the lines ``added`` (which no cell of the notebook holds), with where each cell starts."""
    text, starts = join_cells([*added, *(text for _, text in cells)])
    return text, tuple((start, number) for start, (number, _) in zip(starts[len(added) :], cells))


def join_cells(cells: list[str]) -> tuple[str, list[int]]:
    """Code cells as one module, and the line where each cell starts in it.

    Cells are joined by an empty line. `from __future__` must open a module, and a cell pasted
    below the stub may start with one: such lines move to the top, each leaving an empty line
    behind so that the cell's other lines keep their numbers.
    """
    futures: dict[str, None] = {}  # in order, each once
    chunks = []
    for cell in cells:
        kept = []
        for line in cell.split("\n"):
            if line.startswith("from __future__ import "):
                futures[line] = None
                line = ""
            kept.append(line)
        chunks.append("\n".join(kept))
    starts, line = [], len(futures) + 1
    for chunk in chunks:
        starts.append(line)
        line += chunk.count("\n") + 2  # the chunk's lines and the empty line that joins the next
    return "\n".join([*futures, "\n\n".join(chunks)]) + "\n", starts


# For each module compiled from a notebook's code cells (read by notebook_code, or joined by the
# grader's intake: see NOTEBOOK_ORIGIN), by the file name it is compiled with: the notebook's
# name, and where each code cell starts in the module, with the cell's number.
_NOTEBOOK_CELLS: dict[str, tuple[str, list[tuple[int, int]]]] = {}


_SOURCE_LINES: dict[str, list[str]] = {}  # a learner module's file name -> the lines compiled from it


def source_line(filename: str, line: int | None, width: int = 100) -> str:
    """Line ``line`` of the learner's module compiled as ``filename``, stripped and cut to ``width``."""
    lines = _SOURCE_LINES.get(filename, [])
    # A traceback entry has no line number when the time limit stops code between two lines.
    text = lines[line - 1].strip() if isinstance(line, int) and 0 < line <= len(lines) else ""
    return text if len(text) <= width else text[: width - 4] + " ..."


def where(filename: str, line: int | None) -> str:
    """``line 12 of neuron.py``; in a notebook ``code cell 3, line 4 of neuron.ipynb``."""
    notebook = _NOTEBOOK_CELLS.get(filename)
    name = Path(notebook[0] if notebook else filename).name
    if not isinstance(line, int) or line < 1:  # no line number known
        return name
    if notebook:
        cells = [(start, number) for start, number in notebook[1] if start <= line]
        if not cells:  # a line the module has before every cell (a `from __future__` moved up)
            return name
        start, number = cells[-1]
        return f"code cell {number}, line {line - start + 1} of {name}"
    if "ipykernel_" in filename:  # run in a Jupyter kernel: the cell's own name means nothing
        return f"line {line} of its notebook cell"
    return f"line {line} of {Path(filename).name}"


def code_cells(notebook: Any) -> list[str]:
    """The learner's code cells of a parsed notebook, in order, minus nnkata's setup and tests.

    IPython magics (``%timeit``) and shell escapes (``!pip``) are commented out: they are not
    Python. So are the learner's experiments (see ``strip_experiments``). Raises ``ValueError``
    when ``notebook`` does not have the shape of a notebook.
    """
    return [text for _, text in numbered_code_cells(notebook)]


def numbered_code_cells(
    notebook: Any, left_out: list[tuple[int, str, list[int]]] | None = None
) -> list[tuple[int, str]]:
    """``code_cells`` with each cell's number among the notebook's code cells (from 1).

    Of nnkata's setup and tests cells only the learner's own code is kept (see ``own_code``):
    an ``import numpy as np`` added there is run in the notebook, so it must be when checked.
    They are told by their metadata, or by their text when it is gone (``nnkata_role``).
    ``left_out``, when given, receives ``(cell number, role, lines)`` for each of those cells that
    holds code of the learner's left out all the same (see ``own_code``). Code that uses a
    forbidden library outside the exercise functions is left out (``leave_out_forbidden``).
    """
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        raise ValueError("no list of cells")
    chunks = []
    code = [cell for cell in cells if isinstance(cell, dict) and cell.get("cell_type") == "code"]
    for number, cell in enumerate(code, start=1):
        metadata = cell.get("metadata")
        nnkata = metadata.get(NOTEBOOK_METADATA_KEY) if isinstance(metadata, dict) else None
        role = nnkata.get("role") if isinstance(nnkata, dict) else None
        text = cell_source(cell)
        if role not in NNKATA_CELL_ROLES:  # its metadata lost (cells pasted into a new notebook), or none of nnkata's
            role = nnkata_role(text) or role
        if role in NNKATA_CELL_ROLES:
            kept, lines = own_code(text)
            if lines and left_out is not None:
                left_out.append((number, str(role), lines))
            if kept is not None:
                chunks.append((number, kept))
            continue
        chunks.append((number, strip_experiments(strip_magics(text))))
    numbers = [number for number, _ in chunks]
    return list(zip(numbers, leave_out_forbidden([text for _, text in chunks])))


def cell_source(cell: Any) -> str:
    """A notebook cell's source as one text: nbformat saves it as a string or a list of lines.
    Empty when it is neither, or a list holding anything else than strings (a damaged notebook)."""
    source = cell.get("source", "") if isinstance(cell, dict) else ""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    return ""


# The cells nnkata writes into its notebooks (see grader/notebooks.py): its statements there import
# the grader's notebook support and call it, which the checks must not run (and cannot, where the
# grader is not installed); the learner's own code in them is theirs.
NNKATA_CELL_ROLES = ("setup", "tests")
_NNKATA_NAMES = frozenset({"setup_notebook", "run_checks"})


def nnkata_role(text: str) -> str | None:
    """The role of one of nnkata's cells told by its text, for a cell without nnkata's metadata (a
    notebook whose cells were pasted into a new one, or saved by a tool that drops cell metadata):
    "setup" when a statement at its top imports ``grader`` (the ``try: import grader`` block, ``from
    grader.notebook_support import ...``) or calls ``setup_notebook``, "tests" when one only calls
    ``run_checks``, None when none is nnkata's or the cell does not parse."""
    if "grader" not in text and not any(name in text for name in _NNKATA_NAMES):
        return None
    tree = parse_learner_code(strip_magics(text))
    theirs = [node for node in (tree.body if tree is not None else []) if _is_nnkata_statement(node)]
    if not theirs:
        return None
    names = {
        sub.id if isinstance(sub, ast.Name) else sub.name
        for node in theirs
        for sub in ast.walk(node)
        if isinstance(sub, (ast.Name, ast.alias))
    }
    return "tests" if "run_checks" in names and "setup_notebook" not in names else "setup"


def own_code(text: str, uses: dict[int, list[str]] | None = None) -> tuple[str | None, list[int]]:
    """The learner's own code in one of nnkata's setup or tests cells, and the lines of code of
    theirs left out.

    The code is the cell minus nnkata's statements (those that import ``grader`` or use
    ``setup_notebook`` or ``run_checks``), each line where it was, with magics and experiments
    commented out as in any cell; None when nothing else there is code. Left out are the
    learner's statements inside nnkata's (a line added in its ``try:``) or on one of its lines,
    those that use a name only left-out code binds (``assert report.ok`` after
    ``report = run_checks(...)``: it would fail where nnkata's lines are not run), and every line
    of a cell that does not parse (nnkata's cannot be told apart there). ``uses``, when given,
    receives the first line of each statement left out for the names it uses, with those names.
    """
    text = strip_magics(text)
    lines = text.split("\n")
    tree = parse_learner_code(text)
    if tree is None:
        return None, [i for i, line in enumerate(lines, start=1) if line.strip() and not line.lstrip().startswith("#")]
    theirs = {id(node) for node in tree.body if _is_nnkata_statement(node)}
    taken = {line for node in tree.body if id(node) in theirs for line in _span(node)}
    left_out = [line for node in tree.body if id(node) in theirs for line in _learner_lines_in(node)]
    unbound: set[str] = set()  # the names only left-out code has bound so far
    own: list[ast.stmt] = []

    def leave_out(node: ast.stmt) -> None:
        left_out.append(_first_line(node))
        unbound.update(_bound_names(node))
        taken.update(_span(node))

    for node in tree.body:
        if id(node) in theirs:
            unbound.update(_bound_names(node))
            continue
        used = sorted(_used_names(node) & unbound) if unbound else []
        if used or any(line in taken for line in _span(node)):  # `import numpy as np; setup_notebook(...)`
            if used and uses is not None:
                uses[_first_line(node)] = used
            leave_out(node)
            while own and (own[-1].end_lineno or own[-1].lineno) >= _first_line(node):  # `y = 2; assert report.ok`
                leave_out(own.pop())
        else:
            own.append(node)
            if unbound:
                unbound.difference_update(_bound_names(node))
    for line in taken:
        lines[line - 1] = ""
    kept = strip_experiments("\n".join(lines)) if own else ""
    body = parse_learner_code(kept)
    return (kept if body is not None and body.body else None), sorted(set(left_out))


def _span(node: ast.stmt) -> range:
    """The lines of a statement, its decorators included."""
    return range(_first_line(node), (node.end_lineno or node.lineno) + 1)


_FUNCTIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)


def _run_now(node: ast.AST) -> Iterator[ast.AST]:
    """``node`` and what is inside it that runs when it does: not the bodies of the functions it
    defines (their defaults, decorators and annotations are). A class's body is: it runs."""
    pending = [node]
    while pending:
        current = pending.pop()
        yield current
        if isinstance(current, _FUNCTIONS):
            arguments = current.args
            pending += [*arguments.defaults, *(d for d in arguments.kw_defaults if d is not None)]
            if not isinstance(current, ast.Lambda):
                pending += current.decorator_list
                pending += [a.annotation for a in (*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs)]
                pending += [a.annotation for a in (arguments.vararg, arguments.kwarg) if a is not None]
                pending.append(current.returns)
            pending = [p for p in pending if p is not None]
        else:
            pending += ast.iter_child_nodes(current)


def _used_names(node: ast.stmt) -> set[str]:
    """The names a statement reads when it runs (see ``_run_now``)."""
    names = set()
    for sub in _run_now(node):
        if isinstance(sub, ast.Name) and not isinstance(sub.ctx, ast.Store):
            names.add(sub.id)
        elif isinstance(sub, ast.AugAssign) and isinstance(sub.target, ast.Name):  # `x += 1` reads x
            names.add(sub.target.id)
    return names


def _bound_names(node: ast.stmt) -> set[str]:
    """The names a top-level statement binds in the module (see ``_run_now``)."""
    names = set()
    for sub in _run_now(node):
        if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
            names.add(sub.id)
        elif isinstance(sub, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(sub.name)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in sub.names if a.name != "*")
        elif isinstance(sub, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and sub.name:
            names.add(sub.name)
        elif isinstance(sub, ast.MatchMapping) and sub.rest:
            names.add(sub.rest)
    return names


def _first_line(node: ast.stmt) -> int:
    return min([node.lineno, *(d.lineno for d in getattr(node, "decorator_list", []))])


def _is_nnkata_statement(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Import) and any(alias.name.split(".")[0] == "grader" for alias in sub.names):
            return True
        if isinstance(sub, ast.ImportFrom) and sub.level == 0 and (sub.module or "").split(".")[0] == "grader":
            return True
        if isinstance(sub, ast.Name) and sub.id in _NNKATA_NAMES:
            return True
    return False


def _learner_lines_in(node: ast.stmt) -> list[int]:
    """The first lines of the learner's statements inside nnkata's statement ``node``."""
    found = []
    for child in _statements_in(node):
        if _is_nnkata_statement(child):
            found += _learner_lines_in(child) if list(_statements_in(child)) else []
        elif list(_statements_in(child)) or not _finds_the_repository(child):
            found.append(_first_line(child))
    return found


def _finds_the_repository(node: ast.stmt) -> bool:
    """Whether ``node`` is one of the lines nnkata's setup cell runs when nnkata is not installed:
    ``import sys``, ``from pathlib import Path``, ``sys.path.insert(...)`` (or ``pass``)."""
    if isinstance(node, ast.Pass):
        return True
    if isinstance(node, ast.Import):
        return [(a.name, a.asname) for a in node.names] == [("sys", None)]
    if isinstance(node, ast.ImportFrom):
        return node.module == "pathlib" and [(a.name, a.asname) for a in node.names] == [("Path", None)]
    call = node.value if isinstance(node, ast.Expr) else None
    target = call.func.value if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) else None
    return (
        isinstance(target, ast.Attribute)
        and target.attr == "path"
        and isinstance(target.value, ast.Name)
        and target.value.id == "sys"
    )


def _statements_in(node: ast.AST) -> Iterator[ast.stmt]:
    """The statements directly inside ``node`` (a ``try``'s, its handlers' too)."""
    for name in ("body", "orelse", "finalbody", "handlers", "cases"):
        children = getattr(node, name, None)
        for child in children if isinstance(children, list) else []:
            if isinstance(child, ast.stmt):
                yield child
            else:  # an except clause, a match case
                yield from _statements_in(child)


# Libraries a notebook uses to show things; the checks run where they are not installed.
DISPLAY_LIBRARIES = ("IPython", "matplotlib")
# Modules whose lines set up a notebook's environment (Colab's: ``from google.colab import drive``,
# then ``drive.mount(...)``): left out as the display libraries are, for the same reason.
SETUP_MODULES = ("google.colab",)


def left_out_library(module: str) -> str | None:
    """The display library or setup module (``DISPLAY_LIBRARIES``, ``SETUP_MODULES``) that the module
    named ``module`` belongs to (``matplotlib.pyplot``: matplotlib), if any."""
    if module.split(".")[0] in DISPLAY_LIBRARIES:
        return module.split(".")[0]
    return next((setup for setup in SETUP_MODULES if module == setup or module.startswith(f"{setup}.")), None)


def left_out_import(node: ast.AST) -> str | None:
    """The display library or setup module that the import ``node`` imports from (see
    ``left_out_library``), when it imports from nothing else; None for any other statement."""
    if isinstance(node, ast.Import):
        found = [left_out_library(alias.name) for alias in node.names]
    elif isinstance(node, ast.ImportFrom):  # `from google import colab` imports google.colab
        module = node.module or ""
        found = [left_out_library(module) or left_out_library(f"{module}.{alias.name}") for alias in node.names]
    else:
        return None
    return found[0] if found and all(found) else None


def strip_experiments(text: str) -> str:
    """Comment out a cell's top-level lines that only show something, so checking skips them.

    A notebook is checked as a module of its cells: a bare expression (``sigmoid(z)``,
    ``print(...)``, ``display(...)``, ``drive.mount(...)``) or an import of a display library or of
    Colab's (``left_out_import``) would otherwise run on every check, and fail where those do not
    exist. Definitions, assignments and everything else stay. Line numbers are kept. A cell that
    does not parse is left as it is.
    """
    tree = parse_learner_code(text)
    if tree is None:
        return text
    lines = text.split("\n")

    def only_shows(node: ast.stmt) -> bool:
        if isinstance(node, ast.Expr):
            return not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str))
        return left_out_import(node) is not None

    # A line that also holds a statement that stays (`a = f(); a`) is kept whole.
    kept = {line for n in tree.body if not only_shows(n) for line in range(n.lineno, (n.end_lineno or n.lineno) + 1)}
    for node in tree.body:
        span = range(node.lineno, (node.end_lineno or node.lineno) + 1)
        if only_shows(node) and not any(line in kept for line in span):
            for line in span:
                lines[line - 1] = "# (not checked) " + lines[line - 1]
    return "\n".join(lines)


# A line IPython runs as a magic (``%timeit f()``, ``%%time``) or in the shell (``!pip ...``), not a
# line that continues Python (``!= 0``, ``% 2``).
_MAGIC_LINE = re.compile(r"[ \t]*(?:%%?[^\W\d]|!(?!=))")


def strip_magics(text: str) -> str:
    """Comment out lines that are IPython syntax rather than Python. Lines end where Python ends
    them (``\\n``, ``\\r\\n`` or ``\\r``, which become ``\\n``), so line numbers are Python's.
    A cell that Python reads as it is keeps every line: its ``%`` or ``!`` lines continue an
    expression or a string."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if lines[-1] == "":
        lines.pop()
    if lines and lines[0].lstrip().startswith("%%"):
        return ""  # a cell magic makes the whole cell non-Python
    magics = [index for index, line in enumerate(lines) if _MAGIC_LINE.match(line)]
    if magics and parse_learner_code("\n".join(lines)) is None:
        for index in magics:
            lines[index] = "# (jupyter) " + lines[index]
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# The code as handed out: the stub module, and the exercise cell of its notebook
#
# A learner gets each exercise twice, as ``NN_name/name.py`` and as the exercise cell of
# ``NN_name/name.ipynb``; whichever of the two they leave as it came holds no work. Both the
# runners (``find_source``) and the grader's intake (``handin.is_untouched_stub``) decide that with
# ``handed_out_hashes``, which derives the notebook's form from the stub.


def stub_message(exercise: str, function: str, *, in_notebook: bool = False) -> str:
    """What ``function`` raises until the learner writes it: where its instructions are.

    In a notebook they are its first cell. The notebook is named rather than called "this
    notebook", as the message also shows where this exercise is imported into another one's.
    """
    if in_notebook:
        where = f"the instructions at the top of {module_name(exercise)}.ipynb"
    else:
        where = f"exercises/{exercise}/README.md"
    return f"{function} is yours to write: see {where}"


def stub_guide(exercise: str) -> str:
    """The line of a stub's docstring that says where to start and how to check (written in each
    solution, which the stub is made from)."""
    return f"Read README.md in this folder first. Run the checks with:  pytest exercises/{exercise}"


# What that line says in the notebook: the instructions are its first cell, and its last cell runs
# the checks on the functions defined by the cells run so far.
NOTEBOOK_GUIDE = (
    "Read the instructions at the top of this notebook first.\n"
    "Run the checks: run this cell, then this notebook's last cell."
)


def exercise_cell(stub: str, exercise: str) -> str:
    """The exercise cell of the notebook ``release`` generates: the stub, with what it says of the
    README and of running ``pytest`` (its guide line, the messages of its ``NotImplementedError``)
    said to a learner in the notebook."""
    stub = _with_newlines(stub)
    text = "\n".join(NOTEBOOK_GUIDE if line == stub_guide(exercise) else line for line in stub.split("\n"))
    tree = parse_learner_code(stub)
    nodes = ast.walk(tree) if tree is not None else ()
    for function in sorted({n.name for n in nodes if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}):
        terminal, notebook = (f'"{stub_message(exercise, function, in_notebook=flag)}"' for flag in (False, True))
        text = text.replace(terminal, notebook)
    return text.rstrip() + "\n"


def handed_out(stub: str, exercise: str) -> tuple[str, str]:
    """An exercise's code as handed out, in both its forms: the stub module, and the code read from
    its untouched notebook (nnkata's setup and tests cells add none), exactly as ``notebook_code``
    and the grader's intake read it."""
    cell = {"cell_type": "code", "metadata": {NOTEBOOK_METADATA_KEY: {"role": "exercise"}}}
    cell["source"] = exercise_cell(stub, exercise)
    return _with_newlines(stub), join_numbered(numbered_code_cells({"cells": [cell]}))[0]


def handed_out_hash(code: str) -> str:
    """SHA-256 of ``code`` as compared with the code as handed out (``handed_out_hashes``): whatever
    its line endings, and the blank lines around it (Jupyter adds an empty cell below the last one run)."""
    return stub_sha256(code.strip())


def handed_out_hashes(stub: str, exercise: str) -> frozenset[str]:
    """``handed_out_hash`` of both forms of ``exercise`` handed out with ``stub``: code with one of
    these hashes holds no work."""
    return frozenset(map(handed_out_hash, handed_out(stub, exercise)))


def stub_sha256(text: str) -> str:
    """SHA-256 of a stub as its generated notebook records it (``stub_sha256``), and of the ``.py``
    beside the notebook, to tell whether it is still that stub: whatever its line endings, as with
    git's core.autocrlf a Windows checkout has CRLF."""
    return hashlib.sha256(_with_newlines(text).encode("utf-8", "surrogateescape")).hexdigest()


def _with_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _notebook_stub_hash(path: Path) -> str | None:
    """The ``stub_sha256`` of the stub the notebook at ``path`` was generated with, as it records it."""
    try:
        notebook = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    metadata = notebook.get("metadata") if isinstance(notebook, dict) else None
    nnkata = metadata.get(NOTEBOOK_METADATA_KEY) if isinstance(metadata, dict) else None
    return nnkata.get("stub_sha256") if isinstance(nnkata, dict) else None


def module_text(data: bytes) -> str:
    """A module's text, decoded the way Python reads the file.

    The encoding is the one its coding line declares (``# -*- coding: latin-1 -*-``), UTF-8
    otherwise, without the BOM some Windows editors write. Bytes that do not decode become
    U+FFFD instead of an error: one stray byte in a comment costs the learner nothing, and the
    pytest run and the grader see the same code.
    """
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError:  # an unknown encoding named, or a BOM that contradicts the coding line
        encoding = "utf-8-sig"
    return data.decode(encoding, errors="replace")


def find_source(impl_root: Path, exercise: str) -> LearnerSource | None:
    """Locate an exercise's code under ``impl_root``.

    The ``.py`` module wins, except when it is still the stub the exercise's notebook was
    generated with (``release`` records the stub's hash in it) and the notebook holds the
    learner's work, its code not as handed out (``handed_out``): then the notebook's code is used.
    """
    name = module_name(exercise)
    folder = impl_root / exercise
    module_path = folder / f"{name}.py"
    notebook_path = folder / f"{name}.ipynb"
    if module_path.is_file():
        text = module_text(module_path.read_bytes())
        if notebook_path.is_file() and _notebook_stub_hash(notebook_path) == stub_sha256(text):
            try:
                code = notebook_code(notebook_path)
            except ValueError:
                code = None
            if code is not None and handed_out_hash(code) not in handed_out_hashes(text, exercise):
                return LearnerSource(exercise, code, notebook_path, from_notebook=True)
        return LearnerSource(exercise, text, module_path)
    if notebook_path.is_file():
        try:
            code = notebook_code(notebook_path)
        except ValueError as error:
            raise LearnerImportError(
                f"{notebook_path.name} is not a readable Jupyter notebook ({error.__cause__ or error}): "
                "open it in Jupyter, undo the damage, and save it again",
                exercise,
            ) from None
        return LearnerSource(exercise, code, notebook_path, from_notebook=True)
    return None


def nothing_written(source: LearnerSource | None, exercise: str) -> bool:
    """Whether none of ``exercise``'s functions is written yet: each is defined at the top, its body
    only a docstring and ``raise NotImplementedError(...)``, and its name bound nowhere else. (Not
    ``handin.is_untouched_stub``, which asks whether a file is the stub exactly as handed out.)

    Decided from the text alone, since the module may not import: code that does not parse is not
    a stub, nor is code where any of the functions is missing or written.
    """
    tree = parse_learner_code(source.text) if source is not None else None
    if tree is None:
        return False
    stub: dict[str, bool] = {}  # name -> whether its last top-level binding is a stub's def
    for statement in tree.body:
        if isinstance(statement, ast.FunctionDef):
            stub[statement.name] = _only_raises_not_implemented(statement)
            continue
        for node in ast.walk(statement):  # any other binding of a name makes it written
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                stub[node.name] = False
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                stub[node.id] = False
            elif isinstance(node, ast.alias):
                stub[(node.asname or node.name).split(".")[0]] = False
    return all(stub.get(name, False) for name in API[exercise])


def _only_raises_not_implemented(function: ast.FunctionDef) -> bool:
    body = function.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
        body = body[1:]  # the docstring
    if function.decorator_list or len(body) != 1 or not isinstance(body[0], ast.Raise):
        return False
    raised = body[0].exc.func if isinstance(body[0].exc, ast.Call) else body[0].exc
    return isinstance(raised, ast.Name) and raised.id == "NotImplementedError"


class LearnerImportError(Exception):
    """The learner's module could not be loaded; the message says why, kindly.

    ``exercise`` is the exercise whose file failed: an earlier one when the module imports it.
    """

    def __init__(self, message: str, exercise: str | None = None) -> None:
        super().__init__(message)
        self.exercise = exercise


def parse_learner_code(text: str) -> ast.Module | None:
    """The syntax tree of ``text``, or None when Python cannot read it.

    Learner code can make the parser itself fail, not only with a syntax error: a null byte
    raises ValueError, an expression nested thousands deep RecursionError or MemoryError.
    """
    try:
        return ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def imported_modules(code: str, *, relative: bool = False) -> set[str]:
    """The dotted names of the modules ``code`` imports anywhere (``numpy.linalg``, ``backprop``).

    Relative imports (``from .helpers import x``: ``helpers``) count only with ``relative``:
    a learner's module runs as a top-level module, where they fail, so they reach no library.
    """
    tree = parse_learner_code(code)
    if tree is None:
        return set()
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and (relative or node.level == 0):
            names.add(node.module)
    return names


@dataclass(frozen=True)
class ImportOfOwnFunction:
    """``from sigmoid import sigmoid`` (code cell ``cell``, line ``line``) in cells that define ``sigmoid``."""

    name: str
    exercise: str
    cell: int
    line: int
    statement: str


def imports_of_own_functions(cells: Sequence[tuple[int, str]]) -> list[ImportOfOwnFunction]:
    """The top-level imports, from an exercise's module, of names that numbered ``cells`` also
    define with a top-level ``def``, in the order of the cells.

    A notebook made of other notebooks' cells keeps their ``from sigmoid import sigmoid``. That
    line loads 02_sigmoid's own file (its untouched stub, or nothing), and the ``sigmoid``
    written in the notebook is not the one used after it, nor the one graded for 02_sigmoid.
    """
    trees = [(number, text, parse_learner_code(text)) for number, text in cells]
    defined = {
        node.name
        for _, _, tree in trees
        for node in (tree.body if tree is not None else [])
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    }
    found = []
    for number, text, tree in trees:
        for node in tree.body if tree is not None else []:
            exercise = _exercise_of_module(node.module) if isinstance(node, ast.ImportFrom) and not node.level else None
            if exercise is None:
                continue
            statement = ast.get_source_segment(text, node) or f"from {node.module} import ..."
            found += [
                ImportOfOwnFunction(alias.asname or alias.name, exercise, number, node.lineno, statement)
                for alias in node.names
                if (alias.asname or alias.name) in defined
            ]
    return found


def forbidden_imports(text: str) -> list[str]:
    """Top-level names of forbidden libraries that the source imports."""
    return sorted({name.split(".")[0] for name in imported_modules(text)}.intersection(FORBIDDEN_LIBRARIES))


def forbidden_message(what: str, banned: list[str], user: str = "") -> str:
    """Why code that imports ``banned`` libraries gets no marks; ``what`` names the file or notebook,
    ``user`` (``forbidden_user``) the exercise function that uses them."""
    return (
        f"{what} {', '.join(banned)}{user}: write the exercises with NumPy only "
        "(the grader runs your code where no other library can be imported)."
    )


# ----------------------------------------------------------------------------------------------
# A notebook's comparisons with PyTorch
#
# The exercises are written with NumPy only: code that imports a forbidden library is refused
# (``loading.load_exercise``, in both runners; the grader's worker could not import it anyway). A
# notebook learner compares their results with PyTorch in cells of their own, though: ``import
# torch`` at the top, ``expected = torch.nn.functional.linear(...)`` below. Such code is left out
# of a notebook's module as experiments are, when no exercise function uses it. Left out are the
# top-level statements that import a forbidden library, then, in turn, every one that uses a name
# those bind (its functions' bodies included): a helper that uses torch is, and so is a function
# that calls that helper. When one of them binds an exercise function's name, nothing is left out,
# and the notebook is refused as a module would be.

# A name of an exercise's functions, whatever the exercise.
_EXERCISE_FUNCTIONS = frozenset(name for names in API.values() for name in names)
# A line that may import one of them (the syntax tree decides): most code never names them so.
_FORBIDDEN_IMPORT = re.compile(
    rf"(?:^|;)[ \t]*(?:from|import)\b[^\n]*\b(?:{'|'.join(map(re.escape, FORBIDDEN_LIBRARIES))})\b", re.MULTILINE
)
FORBIDDEN_MARK = "# (not checked: {}) "  # the libraries


@dataclass(frozen=True)
class ForbiddenUse:
    """How code cells use the forbidden libraries they import (``forbidden_use``).

    ``left_out`` holds, by cell (its index among the cells), the lines of the statements to leave
    out. ``function``, when set, is the first exercise function that uses the libraries, itself or
    ``through`` a name of the learner's (a helper), defined at line ``line`` of cell ``cell``;
    ``refused`` says that nothing may be left out (such a function, or ``from torch import *``).
    ``shared``, when set, is what that function uses of a line that imports the libraries too
    (``import numpy as np, torch``: ``np``), at line ``shared_line`` of cell ``shared_cell``.
    """

    libraries: tuple[str, ...]
    left_out: dict[int, list[int]]
    refused: bool = False
    function: str = ""
    through: str = ""
    cell: int = 0
    line: int = 0
    shared: str = ""
    shared_cell: int = 0
    shared_line: int = 0


def forbidden_use(cells: Sequence[str]) -> ForbiddenUse | None:
    """How the code ``cells`` (a notebook's, or one module) use the forbidden libraries they import
    in statements at their top (or in functions defined there); None when they import none.

    Cells that do not parse count for nothing. Names are read as Python scopes them (``symtable``):
    a parameter named like a name the libraries bind is not a use of it.
    """
    if not any(_FORBIDDEN_IMPORT.search(text) for text in cells):
        return None
    statements: list[tuple[int, ast.stmt, set[str], set[str]]] = []  # (cell, node, names read, names bound)
    reason: dict[int, str] = {}  # tainted statement -> the name that taints it ("" for an import of its own)
    aliases: set[str] = set()  # the names the imports of the libraries bind
    libraries: set[str] = set()
    starred = False
    for index, text in enumerate(cells):
        tree = parse_learner_code(text)
        for node in tree.body if tree is not None else []:
            imports, used, bound = _names_of(node)
            for sub in imports:
                for alias in sub.names:
                    module = alias.name if isinstance(sub, ast.Import) else sub.module or ""
                    if module.split(".")[0] not in FORBIDDEN_LIBRARIES:
                        continue
                    libraries.add(module.split(".")[0])
                    reason[len(statements)] = ""
                    starred |= alias.name == "*"
                    aliases.add(alias.asname or alias.name.split(".")[0])
            statements.append((index, node, used, bound))
    if not libraries:
        return None
    users: dict[str, list[int]] = {}  # a name -> the statements that read it, in order
    binders: dict[str, list[int]] = {}  # a name -> the statements that bind it, in order
    on_line: dict[tuple[int, int], list[int]] = {}  # `import torch; y = 1`: left out, y is left out too
    for number, (index, node, used, bound) in enumerate(statements):
        for name in used:
            users.setdefault(name, []).append(number)
        for name in bound:
            binders.setdefault(name, []).append(number)
        for line in _span(node):
            on_line.setdefault((index, line), []).append(number)
    # Why each statement is left out: it uses what the libraries give ("uses"; an import of theirs
    # that is not a plain import statement, a function that imports them, is one too), it imports
    # them ("import"), it shares a line with one left out ("line"), or it reads a name that only
    # such statements bind before it ("lost": `np` of `import numpy as np, torch`).
    kind = {n: "import" if isinstance(statements[n][1], (ast.Import, ast.ImportFrom)) else "uses" for n in reason}
    derived: dict[str, int] = {}  # a name bound to what the libraries give -> the statement that binds it
    lost: dict[str, int] = {}  # a name bound otherwise by a statement left out -> that statement
    rescued_by: dict[int, list[str]] = {}  # a statement kept -> the lost names it binds before their first use
    pending, losing = list(reason), []

    def leave_out(number: int, name: str, how: str) -> None:
        if number not in reason:
            reason[number], kind[number] = name, how
            pending.append(number)

    while pending or losing:
        while pending:
            number = pending.pop()
            index, node, _, bound = statements[number]
            for line in _span(node):
                for other in on_line.pop((index, line), []):
                    leave_out(other, reason[number], "line")
            for name in sorted(bound):
                if kind[number] == "uses" or (kind[number] == "import" and name in aliases):
                    if name not in derived:
                        derived[name] = number
                        for other in users.get(name, []):
                            leave_out(other, name, "uses")
                elif name not in lost:
                    lost[name] = number
                    losing.append(name)
            losing += rescued_by.pop(number, [])  # no longer kept: the names it bound may be lost now
        while losing and not pending:
            name = losing.pop()
            kept = [n for n in users.get(name, []) if n not in reason]
            if name in derived or not kept:
                continue
            rescuers = [n for n in binders[name] if n < kept[0] and n not in reason]
            for rescuer in rescuers:
                rescued_by.setdefault(rescuer, []).append(name)
            for other in [] if rescuers else kept:
                leave_out(other, name, "lost")
    left_out: dict[int, list[int]] = {}
    found = ForbiddenUse(tuple(sorted(libraries)), left_out, refused=starred)
    for number in sorted(reason):
        index, node, _, bound = statements[number]
        left_out.setdefault(index, []).extend(_span(node))
        functions = sorted(bound & _EXERCISE_FUNCTIONS)
        if not functions or found.function:
            continue
        name = reason[number]
        through = name if name not in aliases else ""
        found = replace(found, refused=True, function=functions[0], through=through, cell=index)
        found = replace(found, line=_first_line(node))
        # Through a name that is left out only as it shares a statement or a line with the libraries?
        binder = lost.get(name) if name not in derived else None
        while binder is not None and kind[binder] == "lost":
            name = reason[binder]
            binder = lost.get(name) if name not in derived else None
        if binder is not None:
            index, node = statements[binder][:2]
            found = replace(found, shared=name, shared_cell=index, shared_line=_first_line(node))
    return found


def leave_out_forbidden(cells: Sequence[str]) -> list[str]:
    """The code ``cells`` with the statements that use a forbidden library outside the exercise
    functions commented out (``FORBIDDEN_MARK``), line numbers kept; as they are when an exercise
    function uses it (see ``forbidden_use``)."""
    found = forbidden_use(cells)
    if found is None or found.refused:
        return list(cells)
    mark = FORBIDDEN_MARK.format(", ".join(found.libraries))
    kept = list(cells)
    for index, numbers in found.left_out.items():
        lines = kept[index].split("\n")
        for line in sorted(set(numbers)):
            lines[line - 1] = mark + lines[line - 1]
        kept[index] = "\n".join(lines)
    return kept


def forbidden_user(text: str, filename: str) -> str:
    """For ``forbidden_message``: the exercise function of the module ``text`` (compiled as
    ``filename``) that uses the forbidden libraries it imports, and where: ``, and `conv2d` uses
    it (code cell 5, line 3 of convolution.ipynb)``; empty when none does."""
    found = forbidden_use([text])
    if found is None or not found.function:
        return ""
    if found.shared:
        return (
            f" on a line that also binds `{found.shared}` ({where(filename, found.shared_line)}), which "
            f"`{found.function}` uses (import {listed(found.libraries)} on a line of its own)"
        )
    it = "it" if len(found.libraries) == 1 else "them"
    through = f" through `{found.through}`" if found.through else ""
    return f", and `{found.function}` uses {it}{through} ({where(filename, found.line)})"


_SCOPES = (*_FUNCTIONS, ast.ClassDef, ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)
_Imports = list[ast.Import | ast.ImportFrom]


def _names_of(node: ast.stmt) -> tuple[_Imports, set[str], set[str]]:
    """The absolute imports in a top-level statement, and the names of the module that it reads
    (the bodies of the functions it defines included) and binds (``global`` ones too).

    One walk over the statement: the code is as large as a hand-in's, and most statements define
    no scope of their own (a function, a class, a comprehension) for ``symtable`` to tell apart.
    """
    imports: _Imports = []
    used: set[str] = set()
    bound: set[str] = set()
    scoped = False
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name):
            (bound if isinstance(sub.ctx, ast.Store) else used).add(sub.id)
        elif isinstance(sub, (ast.Import, ast.ImportFrom)):
            if isinstance(sub, ast.Import) or not sub.level:
                imports.append(sub)
            bound.update((a.asname or a.name).split(".")[0] for a in sub.names if a.name != "*")
        elif isinstance(sub, _SCOPES):
            scoped = True
        elif isinstance(sub, ast.AugAssign) and isinstance(sub.target, ast.Name):  # `x += 1` reads x
            used.add(sub.target.id)
        elif isinstance(sub, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)) and sub.name:
            bound.add(sub.name)
        elif isinstance(sub, ast.MatchMapping) and sub.rest:
            bound.add(sub.rest)
    if not scoped:
        return imports, used, bound
    try:
        table = symtable.symtable(ast.unparse(node), "<statement>", "exec")
    except (SyntaxError, ValueError, RecursionError, MemoryError):  # `return` at the top: every name
        declared = {name for sub in ast.walk(node) if isinstance(sub, ast.Global) for name in sub.names}
        return imports, used | bound, _bound_names(node) | declared
    used = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    bound = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}
    pending = list(table.get_children())
    while pending:
        child = pending.pop()
        pending += child.get_children()
        for symbol in child.get_symbols():
            if symbol.is_global() and symbol.is_referenced():
                used.add(symbol.get_name())
            if symbol.is_declared_global() and symbol.is_assigned():
                bound.add(symbol.get_name())
    return imports, used, bound


class LearnerModules:
    """Loads the modules of one implementation tree (``exercises/`` or any copy of its layout).

    Modules are created from source under their plain names (``sigmoid``), so that
    ``from sigmoid import sigmoid`` inside a later exercise finds the learner's own module,
    whether it came from a ``.py`` file or from a notebook.
    """

    def __init__(self, impl_root: Path, display_root: Path | None = None) -> None:
        self.impl_root = Path(impl_root)
        self.display_root = display_root
        self._sources: dict[str, LearnerSource | None] = {}
        self._fresh = False

    def source(self, exercise: str) -> LearnerSource | None:
        """The exercise's code (see ``find_source``). A module the grader's intake joined from a
        notebook says so in the file beside it (``NOTEBOOK_ORIGIN``): its messages then name the
        notebook, its cells and their lines. Raises ``LearnerImportError`` when that file says the
        intake could not read what was handed in for the exercise (it says why)."""
        if exercise not in self._sources:
            source = find_source(self.impl_root, exercise)
            origin = notebook_origin(source.origin) if source is not None and not source.from_notebook else None
            if origin is not None and "refused" in origin:
                raise LearnerImportError(origin["refused"], exercise)
            if source is not None and origin is not None:
                source = replace(source, from_notebook=True, shown=origin["notebook"])
                _NOTEBOOK_CELLS[str(source.origin)] = (origin["notebook"], origin["cells"])
            elif source is not None and not source.from_notebook:  # none left from an earlier tree's
                _NOTEBOOK_CELLS.pop(str(source.origin), None)
            self._sources[exercise] = source
        return self._sources[exercise]

    def display(self, path: Path) -> str:
        """A path as the user would type it (relative to the display root when possible); for a
        module joined from a notebook, the notebook as handed in."""
        for source in self._sources.values():
            if source is not None and source.shown and source.origin == path:
                return source.shown
        root = self.display_root
        if root is not None:
            try:
                return str(path.resolve().relative_to(root.resolve()))
            except ValueError:
                pass
        return str(path)

    def load(self, exercise: str) -> types.ModuleType:
        """Import an exercise's module (and, through the import system, the ones it imports)."""
        if not self._fresh:
            # Modules left by an earlier tree (or an earlier run in this process) must not be
            # reused: `from sigmoid import sigmoid` has to see this tree's sigmoid.
            for other in EXERCISES:
                sys.modules.pop(module_name(other), None)
            self._fresh = True
        self._install_finder()
        try:
            return importlib.import_module(module_name(exercise))
        except LearnerImportError as error:
            if error.exercise in (None, exercise):
                raise LearnerImportError(str(error), exercise) from None
            if EXERCISES.index(error.exercise) > EXERCISES.index(exercise):
                # Often a circular import (it imports this one back): this file is where to look.
                raise LearnerImportError(
                    f"it imports exercise {error.exercise}, which comes later: an exercise may import only "
                    f"earlier ones. ({error})",
                    exercise,
                ) from None
            # One mistake in an earlier exercise stops every later one that imports it: say
            # where it is, so that the learner fixes that file instead of this one.
            raise LearnerImportError(
                f"it builds on exercise {error.exercise}, which fails first: {error}", error.exercise
            ) from None

    def _install_finder(self) -> None:
        for finder in sys.meta_path:
            if isinstance(finder, _ExerciseFinder):
                finder.modules = self
                return
        sys.meta_path.insert(0, _ExerciseFinder(self))


class _ExerciseFinder:
    """A meta-path finder that serves exercise modules from a ``LearnerModules`` tree."""

    def __init__(self, modules: LearnerModules) -> None:
        self.modules = modules

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        exercise = _exercise_of_module(fullname)
        if exercise is None:
            return None
        # Always from this tree: when its file is missing, the import fails (the loader says so)
        # rather than falling through to a file of the same name elsewhere on sys.path, such as
        # the stub in exercises/ that pytest puts there.
        return importlib.util.spec_from_loader(fullname, _SourceLoader(exercise, self.modules))


class _SourceLoader:
    def __init__(self, exercise: str, modules: LearnerModules) -> None:
        self.exercise = exercise
        self.modules = modules

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: types.ModuleType) -> None:
        exercise = self.exercise
        name = module_name(exercise)
        source = self.modules.source(exercise)
        if source is None:
            folder = self.modules.display(self.modules.impl_root / exercise)
            raise LearnerImportError(f"there is no {name}.py (or {name}.ipynb) in {folder}/", exercise)
        origin = str(source.origin)
        module.__file__ = origin
        try:
            code = compile(source.text, origin, "exec", dont_inherit=True)
            _SOURCE_LINES[origin] = source.text.splitlines()
            exec(code, module.__dict__)
        except LearnerImportError:
            raise  # an exercise this module imports failed: the error already names it
        except ModuleNotFoundError as error:
            raise LearnerImportError(_not_found_message(error, name), exercise) from None
        except ImportError as error:
            raise _name_not_found(error, name, exercise, self.modules) from None
        except SyntaxError as error:
            raise LearnerImportError(
                f"{where(error.filename or name, error.lineno or 0)}: {error.msg.rstrip('.?!')}. "
                "Python could not read the file; fix that line first.",
                exercise,
            ) from None
        except Exception as error:
            raise LearnerImportError(
                f"importing {name} raised {_describe_exception(error, None)}. Code outside functions runs "
                'whenever the file is imported, by the checks too: keep experiments under `if __name__ == "__main__":`',
                exercise,
            ) from None


def _exercise_of_module(name: str | None) -> str | None:
    return next((e for e in EXERCISES if module_name(e) == name), None)


def _name_not_found(error: ImportError, importing: str, exercise: str, modules: LearnerModules) -> LearnerImportError:
    """``from neuron import layer_weighted_sums`` failed: blame the file that has the name wrong."""
    missing = re.match(r"cannot import name '(\w+)'", str(error))
    owner = _exercise_of_module(error.name)
    circular = "partially initialized" in str(error)  # the name exists, but its file is not run yet
    if missing is None or owner is None or owner == exercise or circular:
        return LearnerImportError(f"importing {importing} raised {_describe_exception(error, None)}", exercise)
    name = missing.group(1)
    if name not in API[owner]:
        # A misspelt import: this file is the one to change.
        close = difflib.get_close_matches(name, API[owner], n=1)
        suggestion = f" (did you mean {close[0]}?)" if close else ""
        return LearnerImportError(
            f"importing {importing} raised {_describe_exception(error, None)}{suggestion}", exercise
        )
    source = modules.source(owner)
    shown = modules.display(source.origin) if source is not None else f"{error.name}.py"
    # One of the exercise's own functions, missing there: usually renamed in that file.
    return LearnerImportError(
        f"{shown} has no function {name}, which {importing} imports from it: check its name there",
        owner,
    )


def _not_found_message(error: ModuleNotFoundError, importing: str) -> str:
    learners = _learner_entries(error)  # the learner's line that imports it: a notebook's cell and line
    at = ""
    if learners:
        filename, line = learners[-1].tb_frame.f_code.co_filename, learners[-1].tb_lineno
        code = source_line(filename, line)
        at = f" ({where(filename, line)}{f': `{code}`' if code else ''})"
    if (error.name or "").split(".")[0] in FORBIDDEN_LIBRARIES:
        return f"{error.name} is not available here{at}: the exercises are written with NumPy only."
    return (
        f"importing {importing} failed: {error}{at}: where your code is checked, only NumPy, the standard library "
        "and your exercises can be imported"
    )
