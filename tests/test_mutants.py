"""Each file in tests/mutants/NN_name/ is a solution module with one classic mistake.

The exercise's checks must reject every mutant, and when the mutant's docstring names a phrase
(``expect: ...`` on its own line), the failure message must contain it: the learner is told
what the mistake probably is, not just that something is wrong.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from grader.checks import checks_of
from grader.pytest_plugin import CheckFailed, Runner

MUTANTS = sorted(Path(__file__).parent.glob("mutants/*_*/*.py"))


def expected_phrase(text: str) -> str | None:
    match = re.search(r"^expect: (.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else None


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_checks_reject_mutant(mutant, make_tree):
    exercise = mutant.parent.name
    text = mutant.read_text(encoding="utf-8")
    runner = Runner(make_tree({exercise: text}))
    messages = []
    for check in checks_of(exercise):
        try:
            runner.run(exercise, check.name)
        except CheckFailed as failure:
            assert not failure.not_started
            messages.append(str(failure))
    assert messages, f"no check of {exercise} rejects the mutant {mutant.name}"
    phrase = expected_phrase(text)
    if phrase:
        assert any(phrase in m for m in messages), f"no message names the mistake {phrase!r}:\n" + "\n\n".join(messages)


def test_every_exercise_has_mutants():
    from grader.checks import exercises_with_checks

    assert {p.parent.name for p in MUTANTS} == set(exercises_with_checks())
