"""Each file in tests/mutants/NN_name/ plants one classic mistake in the solution of NN_name.

A mutant holds only what the mistake changes: a docstring naming the mistake, and the
function(s) it redefines, with the imports they need. The module under test is the solution's
source followed by the mutant's, so each later definition replaces the correct one (and the
solution's other functions call the mutant, as in a learner's module with that mistake). A
mutant may keep the correct definition under another name before replacing it, e.g.
``solution_conv2d = conv2d``, when the mistake lies only in what goes in or comes out.

The exercise's checks must reject every mutant, and when the mutant's docstring names a phrase
(``expect: ...`` on its own line), the failure message must contain it: the learner is told
what the mistake probably is, not just that something is wrong. A phrase on an ``avoid: ...``
line must appear in no message: a mistake the mutant only resembles for some inputs.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from grader.checks import checks_of
from grader.pytest_plugin import CheckFailed, Runner
from tests.conftest import solution_text

MUTANTS = sorted(Path(__file__).parent.glob("mutants/*_*/*.py"))


def expected_phrase(text: str) -> str | None:
    match = re.search(r"^expect: (.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else None


def mutated_source(mutant: Path) -> str:
    """The solution's source with the mutant's definitions after it, replacing the correct ones."""
    return solution_text(mutant.parent.name) + "\n\n" + mutant.read_text(encoding="utf-8")


def functions(source: str) -> dict[str, str]:
    """The module's top-level functions by name, as AST dumps without their docstrings."""
    found = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.FunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]
            found[node.name] = ast.dump(ast.Module(body=body, type_ignores=[]))
    return found


def mutant_id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


@pytest.mark.parametrize("mutant", MUTANTS, ids=mutant_id)
def test_mutant_redefines_solution_functions(mutant):
    """A mutant replaces at least one of the solution's functions, and none by an identical copy."""
    text = mutant.read_text(encoding="utf-8")
    assert text.startswith('"""MUTANT: '), f"{mutant.name} must open with a docstring naming its mistake"
    solution, replaced = functions(solution_text(mutant.parent.name)), functions(text)
    overridden = sorted(replaced.keys() & solution.keys())
    assert overridden, f"{mutant.name} defines none of the solution's functions, so it changes nothing"
    unchanged = [name for name in overridden if replaced[name] == solution[name]]
    assert not unchanged, f"{mutant.name} repeats the solution's {', '.join(unchanged)} unchanged"


@pytest.mark.parametrize("mutant", MUTANTS, ids=mutant_id)
def test_checks_reject_mutant(mutant, make_tree):
    exercise = mutant.parent.name
    runner = Runner(make_tree({exercise: mutated_source(mutant)}))
    messages = []
    for check in checks_of(exercise):
        try:
            runner.run(exercise, check.name)
        except CheckFailed as failure:
            assert not failure.not_started
            messages.append(str(failure))
    assert messages, f"no check of {exercise} rejects the mutant {mutant.name}"
    text = mutant.read_text(encoding="utf-8")
    phrase = expected_phrase(text)
    if phrase:
        assert any(phrase in m for m in messages), f"no message names the mistake {phrase!r}:\n" + "\n\n".join(messages)
    for wrong in re.findall(r"^avoid: (.+)$", text, re.MULTILINE):
        assert not any(wrong.strip() in m for m in messages), f"a message names {wrong!r}, not the mistake made"


def test_every_exercise_has_mutants():
    from grader.checks import exercises_with_checks

    assert {p.parent.name for p in MUTANTS} == set(exercises_with_checks())


@pytest.mark.parametrize("seed", [0, 1, 7, 12345])
def test_every_accuracy_case_has_a_network_that_reads_several_digits(seed):
    """An accuracy that ignores the images (one digit for them all) must fail every case, not pass
    the cases whose network happens to give every image the same digit, as random networks do."""
    from grader.checks import get_check
    from grader.checks.reference import forward, sigmoid_network

    for case in get_check("08_training", "accuracy_matches_torch").cases(seed):
        weights, biases, images, _ = case.call.args
        digits = forward(sigmoid_network(weights, biases), images).argmax(dim=1)
        assert len(set(digits.tolist())) >= 3, (seed, len(images))
