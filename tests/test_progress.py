"""The progress report at the end of a run: untouched stubs stopped by an earlier exercise, and
failing exercises that the next step does not point at."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from grader.calling import EXERCISES, LearnerSource, module_name
from grader.checks import checks_of
from grader.pytest_plugin import Progress, nothing_written
from tests.conftest import EXERCISES_DIR, REPO, solution_text

UNCLOSED = "    return 1 / (1 + np.exp(-z)\n"  # a beginner's syntax error in sigmoid


def stub_text(exercise: str) -> str:
    return (EXERCISES_DIR / exercise / f"{module_name(exercise)}.py").read_text(encoding="utf-8")


def source(exercise: str, text: str) -> LearnerSource:
    return LearnerSource(exercise, text, Path(f"{module_name(exercise)}.py"))


def broken_sigmoid() -> str:
    """The stub of exercise 02 with its first function begun, and a parenthesis left open."""
    stub = stub_text("02_sigmoid")
    line = next(line for line in stub.splitlines(keepends=True) if "raise NotImplementedError" in line)
    return stub.replace(line, UNCLOSED, 1)


def run_pytest(*args: str) -> subprocess.CompletedProcess:
    """pytest in the repository as a learner runs it, with pytest's cache off."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    command = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args]
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=env, timeout=300)


def progress_with(**counts: tuple[int, int]) -> Progress:
    """A run's progress: for each exercise (``_03_feedforward=...``), (checks passed, checks failed)."""
    progress = Progress(REPO)
    for key, (passed, failed) in counts.items():
        exercise = key.removeprefix("_")
        progress.states[exercise] = ["passed"] * passed + ["failing"] * failed
    return progress


def done(exercise: str) -> tuple[int, int]:
    return len(checks_of(exercise)), 0


# ----------------------------------------------------------------------------------------------
# What is an untouched stub


@pytest.mark.parametrize("exercise", EXERCISES)
def test_every_stub_is_untouched_and_no_solution_is(exercise):
    assert nothing_written(source(exercise, stub_text(exercise)), exercise)
    assert not nothing_written(source(exercise, solution_text(exercise)), exercise)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda s: s.replace("def flatten(images):", "def flatten(images)"), id="does-not-parse"),
        pytest.param(lambda s: s + "\0", id="null-byte"),
        pytest.param(
            lambda s: s.replace(
                '    raise NotImplementedError("flatten is yours',
                '    return images.reshape(len(images), -1)\n    raise NotImplementedError("flatten is yours',
            ),
            id="one-function-begun",
        ),
        pytest.param(lambda s: s.replace("def predict(", "def predict_digit("), id="a-function-renamed"),
        pytest.param(lambda s: s + "\npredict = lambda weights, biases, x: 0\n", id="rebound-later"),
        pytest.param(lambda s: s + "\nfrom helpers import feedforward\n", id="imported-later"),
        pytest.param(lambda s: s.replace("def flatten(", "@staticmethod\ndef flatten("), id="decorated"),
    ],
)
def test_a_stub_the_learner_has_changed_is_not_untouched(change):
    stub = stub_text("03_feedforward")
    changed = change(stub)
    assert changed != stub
    assert not nothing_written(source("03_feedforward", changed), "03_feedforward")


def test_a_helper_or_a_note_beside_the_stub_leaves_it_untouched():
    stub = stub_text("03_feedforward") + "\n\ndef _helper(x):\n    return x\n\n# to do: read README.md\n"
    assert nothing_written(source("03_feedforward", stub), "03_feedforward")
    assert not nothing_written(None, "03_feedforward")


# ----------------------------------------------------------------------------------------------
# 1. An untouched stub stopped by an earlier exercise is not started, not failing


def test_untouched_stubs_stopped_by_an_earlier_syntax_error_read_as_not_started(make_tree):
    tree = make_tree(
        {
            "02_sigmoid": broken_sigmoid(),
            **{e: stub_text(e) for e in EXERCISES[2:] if e != "05_backprop"},
        }
    )  # 01 and 05 written by the learner (the solutions)
    out = run_pytest("exercises/", "--impl", str(tree)).stdout
    table = out.split("nnkata progress")[1]
    assert "  [!] 02_sigmoid       failing      0 of 6 checks pass\n" in table
    assert "  [ ] 03_feedforward   not started  (needs 02_sigmoid)\n" in table
    assert "  [ ] 08_training      not started  (needs 02_sigmoid)\n" in table
    # Written, so it keeps the wording of an exercise stopped by an earlier one.
    assert "  [!] 05_backprop      failing      0 of 5 checks pass (02_sigmoid fails first)\n" in table
    assert "  [ ] 04_parameters    not started  0 of 2 checks pass\n" in table
    assert "Keep going with: 02_sigmoid (read exercises/02_sigmoid/README.md)." in table
    assert "Still failing" not in table  # 05 fails because of 02, the exercise pointed at
    # 02's error in full once; the untouched stubs' checks get a stub's one line, naming what they wait for.
    assert out.count("'(' was never closed") == 1
    assert "feedforward.py could not be imported" not in out and "training.py could not be imported" not in out
    assert out.count("backprop.py could not be imported: it builds on exercise 02_sigmoid, which fails first") == 5
    waits = "(it still raises NotImplementedError). Start with exercises/08_training/README.md once 02_sigmoid works"
    assert f"`one_hot` is not written yet {waits} (it fails first, see above).\n" in out
    assert out.count("once 02_sigmoid works (it fails first, see above).") == 7 + 6


def test_an_untouched_stub_run_alone_shows_the_earlier_error_once_and_points_at_it(make_tree):
    tree = make_tree({"02_sigmoid": broken_sigmoid(), "03_feedforward": stub_text("03_feedforward")})
    out = run_pytest("exercises/03_feedforward", "--impl", str(tree), "--hints").stdout
    assert out.count("'(' was never closed") == 1  # nowhere else is the error shown
    assert "feedforward.py could not be imported: it builds on exercise 02_sigmoid, which fails first: " in out
    assert out.count("once 02_sigmoid works (it fails first, see above).") == 6
    assert "  [ ] 03_feedforward   not started  (needs 02_sigmoid)" in out
    assert "Fix first: 02_sigmoid (read exercises/02_sigmoid/README.md)." in out
    assert "Hints for 02_sigmoid" in out


def test_the_table_says_what_an_untouched_stub_waits_for():
    progress = progress_with(_01_neuron=done("01_neuron"), _02_sigmoid=(0, 6), _05_backprop=(0, 5))
    progress.states["03_feedforward"] = ["not started"] * 7
    progress.blocked_by.update({"03_feedforward": "02_sigmoid", "05_backprop": "02_sigmoid"})
    table = progress.table()
    assert table[2] == "  [ ] 03_feedforward   not started  (needs 02_sigmoid)"
    assert table[4] == "  [!] 05_backprop      failing      0 of 5 checks pass (02_sigmoid fails first)"


# ----------------------------------------------------------------------------------------------
# 2. A failing exercise the next step does not point at is named


def test_a_failing_exercise_after_the_next_one_is_named(monkeypatch):
    monkeypatch.chdir(REPO)
    progress = progress_with(_01_neuron=done("01_neuron"), _02_sigmoid=done("02_sigmoid"), _04_parameters=(1, 1))
    assert progress.next_steps() == [
        "Keep going with: 04_parameters (read exercises/04_parameters/README.md).",
        "Run only it:   pytest exercises/04_parameters",
        "Stuck? Hints:  pytest exercises/04_parameters --hints",
    ]
    progress.states["03_feedforward"] = ["passed", "failing", "not started", "not started"]
    steps = progress.next_steps()
    assert steps[0] == "Keep going with: 03_feedforward (read exercises/03_feedforward/README.md)."
    assert steps[1:3] == [
        "Run only it:   pytest exercises/03_feedforward",
        "Stuck? Hints:  pytest exercises/03_feedforward --hints",
    ]
    assert steps[3:] == ["Still failing: 04_parameters (1 of 2 checks fail): pytest exercises/04_parameters"]
    # Untouched, the next one is "Next"; 04 is still named.
    progress.states["03_feedforward"] = ["not started"] * 7
    assert progress.next_steps()[0].startswith("Next: 03_feedforward")
    assert progress.next_steps()[-1].startswith("Still failing: 04_parameters (1 of 2 checks fail)")
    # Started by ./run (from the repository's root), the commands start with it too.
    monkeypatch.setenv("NNKATA_RUN", "1")
    assert progress.next_steps()[1:] == [
        "Run only it:   ./run pytest exercises/03_feedforward",
        "Stuck? Hints:  ./run pytest exercises/03_feedforward --hints",
        "Still failing: 04_parameters (1 of 2 checks fail): ./run pytest exercises/04_parameters",
    ]


def test_several_failing_exercises_are_named_in_one_line(monkeypatch):
    monkeypatch.chdir(REPO)
    progress = progress_with(_03_feedforward=(1, 6), _04_parameters=(1, 1), _06_convolution=(0, 5), _07_pooling=(3, 0))
    steps = progress.next_steps()
    assert steps[0].startswith("Keep going with: 03_feedforward")
    assert steps[3:] == [
        "Still failing: 04_parameters, 06_convolution: pytest exercises/04_parameters exercises/06_convolution"
    ]


def test_an_exercise_stopped_by_one_not_pointed_at_is_named_and_one_stopped_by_the_one_pointed_at_is_not(
    monkeypatch, tmp_path
):
    # pytest exercises/01_neuron exercises/03_feedforward exercises/08_training: 02 stops 03 and 08, unrun.
    monkeypatch.chdir(REPO)
    progress = progress_with(_01_neuron=(2, 1), _03_feedforward=(0, 7), _08_training=(0, 6))
    progress.impl_root, progress.explicit = tmp_path, True
    progress.blocked_by.update({"03_feedforward": "02_sigmoid", "08_training": "02_sigmoid"})
    steps = progress.next_steps()
    assert steps[0].startswith("Keep going with: 01_neuron")
    assert steps[3:] == [
        "Still failing: 03_feedforward, 08_training: "
        f"pytest exercises/03_feedforward exercises/08_training --impl {tmp_path}"
    ]
    progress.states["01_neuron"] = ["passed"] * 3
    assert progress.next_steps()[0].startswith("Fix first: 02_sigmoid")
    assert progress.next_steps()[3:] == []  # both fail because of 02, the exercise pointed at


def test_an_exercise_stopped_by_a_named_one_is_not_named_again(monkeypatch):
    monkeypatch.chdir(REPO)
    progress = progress_with(_03_feedforward=(1, 6), _05_backprop=(0, 5), _08_training=(0, 6))
    progress.blocked_by["08_training"] = "05_backprop"  # training calls a backprop that fails
    assert progress.next_steps()[3:] == [
        "Still failing: 05_backprop (5 of 5 checks fail): pytest exercises/05_backprop"
    ]


def test_nothing_else_failing_adds_no_line():
    progress = progress_with(_01_neuron=(1, 2), _02_sigmoid=(0, 6))
    progress.states["02_sigmoid"] = ["not started"] * 6
    progress.states["04_parameters"] = ["passed", "skipped"]
    assert not any(line.startswith("Still failing") for line in progress.next_steps())


def test_a_run_names_the_failing_exercise_beside_the_next_one(make_tree):
    parameters = solution_text("04_parameters")
    bias = "    return weights + (out_channels if bias else 0)\n"
    assert bias in parameters
    tree = make_tree(
        {
            "03_feedforward": stub_text("03_feedforward"),
            "04_parameters": parameters.replace(bias, "    return weights + out_channels\n"),
        }
    )
    result = run_pytest(*(f"exercises/{e}" for e in EXERCISES[:4]), "--impl", str(tree), "--hints")
    lines = result.stdout.split("nnkata progress")[1].splitlines()
    assert "  [!] 04_parameters    failing      1 of 2 checks pass" in lines
    start = lines.index("Next: 03_feedforward (read exercises/03_feedforward/README.md).")
    assert lines[start + 3] == (
        f"Still failing: 04_parameters (1 of 2 checks fail): pytest exercises/04_parameters --impl {tree}"
    )
    assert sum(line.startswith("Still failing") for line in lines) == 1
