"""The checks accept a second, independent implementation of every exercise.

``tests/independent/`` holds implementations written from each exercise's README.md and stub
alone, without looking at ``solutions/``, the mutants or the checks, and in a deliberately
different style (explicit loops, einsum, a logaddexp sigmoid, ...). If a check rejects them, it
tests one way of writing the code rather than its behaviour.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from grader.calling import module_name
from grader.checks import checks_of, exercises_with_checks
from grader.pytest_plugin import Runner

INDEPENDENT = Path(__file__).resolve().parent / "independent"


def independent_exercises() -> list[str]:
    """The exercises for which tests/independent holds a module."""
    return sorted(
        folder.name
        for folder in INDEPENDENT.iterdir()
        if folder.is_dir() and (folder / f"{module_name(folder.name)}.py").is_file()
    )


CHECKS = [c for e in exercises_with_checks() if e in independent_exercises() for c in checks_of(e)]


@pytest.fixture(scope="module")
def runner() -> Runner:
    return Runner(INDEPENDENT)


def test_every_exercise_has_an_independent_implementation() -> None:
    assert independent_exercises() == sorted(exercises_with_checks())


@pytest.mark.parametrize("check", CHECKS, ids=[c.id for c in CHECKS])
def test_check_accepts_independent_implementation(runner: Runner, check) -> None:
    runner.run(check.exercise, check.name)
