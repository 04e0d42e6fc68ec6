"""The one definition of every check. Both runners (pytest, the grader) use only what is here.

A check is a function ``cases(rng) -> list[Case]`` registered with ``@check``. It runs entirely
on the trusted side: it draws inputs, asks PyTorch for the answer, and packs into each ``Case``
the ``Call`` to make (plain data, the only thing the learner's side ever sees), the expected
value, and how to judge what comes back. The runners make the calls and hand the outcomes to
``Case.judge``.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from grader.calling import API, EXERCISES, Call, Outcome, module_name, parse_learner_code
from grader.compare import (
    FLOAT64,
    SHAPE_HINT,
    Diagnosis,
    Mistake,
    Tolerance,
    judge_value,
    outcome_problem,
    recognise,
    telling_apart,
)

Judge = Callable[["Case", list[Outcome]], "Diagnosis | None"]


@dataclass
class Case:
    """One situation to try: the call(s) to make and how to judge the outcome(s).

    By default the single call's result is compared with ``expected`` within ``tolerance``,
    naming a ``mistakes`` entry when the result reproduces it. A case that needs more (several
    calls, a statistical test, an accuracy threshold) gives its own ``judge``.
    """

    call: Call
    expected: Any = None
    tolerance: Tolerance = FLOAT64
    mistakes: list[Mistake] = field(default_factory=list)
    warning_advice: str | None = None
    more_calls: tuple[Call, ...] = ()
    judge: Judge | None = None
    needs_mnist: bool = False
    # Whether passing shows something: an argmax can be right by chance (a network that gives one
    # digit for every input), and then showing this case as "passes:" beside a failure misleads.
    telling_when_passed: bool = True
    # The name of the call's first argument when the function computes each entry of its result
    # from the same entry of it (sigmoid of z): wrong entries are then told by their input.
    entrywise: str = ""

    @property
    def calls(self) -> list[Call]:
        return [self.call, *self.more_calls]

    def verdict(self, outcomes: list[Outcome]) -> Diagnosis | None:
        if self.judge is not None:
            return self.judge(self, outcomes)
        return judge_value(
            self.expected,
            outcomes[0],
            self.call.function,
            self.tolerance,
            self.mistakes,
            warning_advice=self.warning_advice,
            entrywise=(self.entrywise, self.call.args[0]) if self.entrywise else None,
        )


@dataclass(frozen=True)
class Check:
    """A named property of one exercise, e.g. ``01_neuron::layer_weighted_sums_matches_torch``."""

    exercise: str
    name: str
    function: str  # the learner's function this check is about
    summary: str
    make_cases: Callable[[np.random.Generator], list[Case]]

    @property
    def id(self) -> str:
        return f"{self.exercise}::{self.name}"

    def cases(self, seed: int = 0) -> list[Case]:
        """The cases drawn for ``seed``; the same seed always gives the same cases."""
        return self.make_cases(np.random.default_rng([seed, zlib.crc32(self.id.encode())]))


@dataclass(frozen=True)
class Verdict:
    """How one check went: the share of its points earned, and the message (empty on a pass)."""

    credit: float
    message: str = ""
    not_started: bool = False  # the function is still the stub
    shown: int | None = None  # the index of the case the message shows
    advice: str = ""  # the likely mistake the message names, if any


def judge_cases(check: Check, cases: list[Case], outcomes: list[Outcome]) -> Verdict:
    """Judge a check from the outcomes of its cases' calls, in order (each case's calls in turn).

    A judge that cannot make sense of a value fails the case; it never stops the run.
    """
    failures: list[tuple[Case, Diagnosis]] = []
    values: list[Any] = []  # the value each failing case got, when it got one
    position = 0
    for index, case in enumerate(cases):
        mine = outcomes[position : position + len(case.calls)]
        position += len(case.calls)
        stop = next(((call, o) for call, o in zip(case.calls, mine) if o.stopped), None)
        if stop is not None:
            # The later cases were never run: the stop is what to fix, whatever came before it.
            stopped = outcome_problem(stop[1], stop[0].function)
            return Verdict(0.0, failure_report(check.summary, [(case, stopped)], 1), shown=index)
        value = mine[0].value if case.judge is None and mine[0].ok else _NO_VALUE
        try:
            diagnosis = case.verdict(mine)
        except Exception as error:
            diagnosis = Diagnosis(f"`{check.function}` returned something that could not be judged ({error}).")
            value = _NO_VALUE  # what could not be judged cannot be matched with mistakes either
        if diagnosis is not None and diagnosis.not_started:
            return Verdict(0.0, diagnosis.headline, not_started=True)
        if diagnosis is not None:
            failures.append((case, diagnosis))
            values.append(value)
    if not failures:
        return Verdict(1.0)
    failures = _without_coincidences(failures, values)
    credit = min(float(d.credit or 0.0) for _, d in failures)
    telling, diagnosis = most_telling(failures)
    shown = next(i for i, case in enumerate(cases) if case is telling)
    failing = {id(case) for case, _ in failures}
    passing = [case for case in cases if id(case) not in failing]
    return Verdict(
        credit if 0.0 <= credit < 1.0 else 0.0,
        failure_report(check.summary, failures, len(cases), passing),
        shown=shown,
        advice=diagnosis.likely_mistake if diagnosis.called else "",
    )


_NO_VALUE = object()


def _telling_mistakes(case: Case) -> list[Mistake]:
    return telling_apart(case.mistakes, case.expected, case.tolerance)


def _without_coincidences(failures: list[tuple[Case, Diagnosis]], values: list[Any]) -> list[tuple[Case, Diagnosis]]:
    """The failures, with every mistake named by coincidence named no more.

    A mistake is a coincidence when more failing cases tell it apart (their input gives it a
    value of its own) and got another value than got its value: σ(z)² equals σ(z) only where σ
    is exactly 0 or 1, and n_out + n_in equals n_out·n_in + n_in only for 2 inputs and 3 outputs.
    (Two mistakes at once also give values no single one gives, which is why one case that got
    another value is not enough.)
    """
    votes: dict[str, int] = {}  # the cases that got a mistake's value, minus those that did not
    for (case, _), value in zip(failures, values):
        if value is not _NO_VALUE:
            for mistake in _telling_mistakes(case):
                votes[mistake.message] = votes.get(mistake.message, 0) + (
                    1 if recognise([mistake], value, case.tolerance) else -1
                )
    coincidences = {message for message, vote in votes.items() if vote < 0}
    return [
        (case, replace(diagnosis, likely_mistake="") if diagnosis.likely_mistake in coincidences else diagnosis)
        for case, diagnosis in failures
    ]


def most_telling(failures: list[tuple[Case, Diagnosis]]) -> tuple[Case, Diagnosis]:
    """The failing case to show: one whose result matches a known mistake teaches the most, then
    one with the general advice on shapes."""
    return min(failures, key=lambda f: (not f[1].likely_mistake, f[1].likely_mistake.startswith(SHAPE_HINT)))


def failure_report(
    summary: str, failures: list[tuple[Case, Diagnosis]], total: int, passing: Sequence[Case] = ()
) -> str:
    """The message for a failed check: the most telling failing case, and how many failed.

    A passing call that reads differently from the failing one (one example against a batch,
    a number against an array) is shown too: what sets them apart is where to look.
    """
    case, diagnosis = most_telling(failures)
    if not diagnosis.called:  # every case failed the same way before any call: say it once
        return f"{summary}: it could not be checked.\n{diagnosis.render()}"
    mine = case.call.parts()
    # The passing call closest to the failing one (most arguments alike) isolates the difference.
    contrast = max(
        # A call that ran without an error tells, whatever its value: a value may be right by chance.
        (c.call for c in passing if (c.telling_when_passed or diagnosis.raised) and c.call.parts() != mine),
        key=lambda call: sum(a == b for a, b in zip(call.parts(), mine)),
        default=None,
    )
    if total > 1:
        return (
            f"{summary}: {len(failures)} of {total} cases fail. One of them:\n{diagnosis.render(case.call, contrast)}"
        )
    return f"{summary}: it fails.\n{diagnosis.render(case.call)}"


def failing_callees(function: str, source: str, failing: set[str]) -> list[str]:
    """The functions of ``failing`` (of the same exercise) that ``function`` calls, as written in
    ``source``, the text of its module: a sigmoid_prime that calls a failing sigmoid fails
    because of it, and the learner should fix sigmoid first."""
    tree = parse_learner_code(source)
    exercise = next((e for e, names in API.items() if function in names), None)
    if tree is None or exercise is None:
        return []
    definition = next((node for node in tree.body if isinstance(node, ast.FunctionDef) and node.name == function), None)
    if definition is None:
        return []
    called = {
        node.func.id for node in ast.walk(definition) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    }
    return [name for name in API[exercise] if name in called and name in failing and name != function]


def failing_callees_note(function: str, callees: list[str]) -> str:
    """The line that ends a failure caused, perhaps, by another function that fails."""
    named = " and ".join(f"`{name}`" for name in callees)
    verb = "fails its own checks" if len(callees) == 1 else "fail their own checks"
    return f"`{function}` calls your {named}, which {verb}: fix {named} first."


_REGISTRY: dict[str, Check] = {}


def check(exercise: str, function: str) -> Callable[[Callable[[np.random.Generator], list[Case]]], Callable]:
    """Register ``cases(rng)`` as a check of ``function`` in ``exercise``.

    The check is named after the decorated function; its summary is the docstring's first line.
    """

    def register(make_cases: Callable[[np.random.Generator], list[Case]]) -> Callable:
        summary = (make_cases.__doc__ or "").strip().splitlines()[0] if make_cases.__doc__ else make_cases.__name__
        entry = Check(exercise, make_cases.__name__, function, summary, make_cases)
        _REGISTRY[entry.id] = entry
        return make_cases

    return register


def _load(exercise: str) -> None:
    importlib.import_module(f"grader.checks.{module_name(exercise)}")


def exercises_with_checks() -> list[str]:
    """The exercises whose check module exists (all eight, once the kata is complete)."""
    return [e for e in EXERCISES if importlib.util.find_spec(f"grader.checks.{module_name(e)}") is not None]


def _load_all() -> None:
    for exercise in exercises_with_checks():
        _load(exercise)


def all_checks() -> list[Check]:
    """Every check, in exercise order and, within an exercise, in definition order."""
    _load_all()
    return sorted(_REGISTRY.values(), key=lambda c: EXERCISES.index(c.exercise))


def checks_of(exercise: str) -> list[Check]:
    return [c for c in all_checks() if c.exercise == exercise]


def get_check(exercise: str, name: str) -> Check:
    _load(exercise)
    try:
        return _REGISTRY[f"{exercise}::{name}"]
    except KeyError:
        raise KeyError(f"no check named {name!r} in exercise {exercise}") from None
