"""Every reference solution passes every check; every stub fails every check, kindly."""

from __future__ import annotations

import pytest

from grader.checks import all_checks, checks_of
from grader.pytest_plugin import CheckFailed, Runner
from tests.conftest import EXERCISES_DIR, SOLUTIONS

CHECKS = all_checks()


@pytest.fixture(scope="module")
def solutions() -> Runner:
    return Runner(SOLUTIONS)


@pytest.fixture(scope="module")
def stubs() -> Runner:
    return Runner(EXERCISES_DIR)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_solution_passes(check, solutions):
    solutions.run(check.exercise, check.name)


@pytest.mark.parametrize("check", CHECKS, ids=lambda c: c.id)
def test_stub_fails_with_one_friendly_line(check, stubs):
    with pytest.raises(CheckFailed) as failure:
        stubs.run(check.exercise, check.name)
    assert failure.value.not_started
    message = str(failure.value)
    assert "\n" not in message and len(message) < 200
    assert f"`{check.function}` is not written yet" in message
    assert f"exercises/{check.exercise}/README.md" in message


def test_the_api_the_worker_knows_is_the_functions_the_checks_call():
    from grader.calling import API, EXERCISES

    assert {e: set(API[e]) for e in EXERCISES} == {e: {c.function for c in checks_of(e)} for e in EXERCISES}
