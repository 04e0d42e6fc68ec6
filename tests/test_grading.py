"""Runner 2 end to end: real hand-ins graded in sandboxed workers, the outputs, resuming, rubric.

Hostile hand-ins are in test_hostile_grading.py (run inside the confinement).
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
import unicodedata
import zipfile
from pathlib import Path

import numpy as np
import pytest

from grader import grading, rubric, sandbox
from grader.calling import EXERCISES, Call, MnistData, module_name
from grader.checks import Case, Check, exercises_with_checks
from grader.compare import Tolerance
from tests.confined_grading import processes_of
from tests.conftest import EXERCISES_DIR, REPO, SOLUTIONS, notebook_json, solution_text, solution_texts, write_handin

# Training on MNIST takes minutes: these tests grade every other exercise that exists.
FAST = [e for e in exercises_with_checks() if e != "08_training"]
# Away from the slots test_sandbox uses: a sandbox sweeps its slot's uid, so runs must not share one.
SLOT = 100
FAST_RUBRIC = "total = 100\n[exercises]\n" + "".join(f'"{e}" = 1\n' for e in FAST) + "[limits]\nseconds = 20\n"
ONE_EXERCISE_RUBRIC = 'total = 100\n[exercises]\n"01_neuron" = 1\n'


@pytest.fixture(scope="module")
def plan() -> grading.Plan:
    return grading.build_plan(rubric.parse(FAST_RUBRIC), seed=3)


def make_handins(root: Path) -> dict[str, Path]:
    """One learner per accepted layout, all complete, plus the stubs and a broken notebook."""
    handins = {
        "layout": write_handin(root / "layout", solution_texts(FAST)),
        "flat": write_handin(root / "flat", solution_texts(FAST), flat=True),
        "nested": write_handin(root / "nested" / "my-kata", solution_texts(FAST), flat=True).parent,
    }
    archive = root / "zipped.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for exercise in FAST:
            z.writestr(f"kata/{exercise}/{module_name(exercise)}.py", solution_text(exercise))
    handins["zipped"] = archive
    handins["notebook"] = root / "notebook.ipynb"
    handins["notebook"].write_text(notebook_json(["import numpy as np"] + [solution_text(e) for e in FAST]))
    handins["stubs"] = EXERCISES_DIR
    broken = root / "broken"
    shutil.copytree(handins["flat"], broken)
    (broken / "kata.ipynb").write_text("{not json")
    handins["broken"] = broken
    return handins


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory, plan: grading.Plan) -> tuple[Path, dict, list[str]]:
    root = tmp_path_factory.mktemp("handins")
    handins = make_handins(root)
    submissions = [grading.Submission(name, path) for name, path in handins.items()]
    out = root / "out"
    lines: list[str] = []
    results = grading.grade(submissions, out, plan, jobs=2, progress=lines.append, first_slot=SLOT)
    return out, {r["learner"]: r for r in results}, lines


def test_complete_handins_in_every_layout_get_full_marks(graded: tuple) -> None:
    _, results, _ = graded
    for learner in ("layout", "flat", "nested", "zipped", "notebook", "broken"):
        failed = [
            c["message"] for e in results[learner]["exercises"].values() for c in e["checks"].values() if c["message"]
        ]
        assert results[learner]["total"] == pytest.approx(100), (learner, failed[:2])


def test_the_untouched_stubs_get_zero(graded: tuple) -> None:
    _, results, _ = graded
    stubs = results["stubs"]
    assert stubs["total"] == 0
    messages = [c["message"] for e in stubs["exercises"].values() for c in e["checks"].values()]
    assert all("not written yet" in m for m in messages)


def test_an_invalid_notebook_is_reported_in_the_feedback(graded: tuple) -> None:
    out, results, _ = graded
    assert any("kata.ipynb is not a valid Jupyter notebook" in n for n in results["broken"]["notes"])
    assert "kata.ipynb is not a valid Jupyter notebook" in (out / "feedback" / "broken.md").read_text()


def test_the_outputs(graded: tuple, plan: grading.Plan) -> None:
    out, results, lines = graded
    assert (out / "gradebook.csv").read_bytes().startswith(b"\xef\xbb\xbflearner,")  # Excel reads it as UTF-8
    with (out / "gradebook.csv").open(encoding="utf-8-sig") as file:
        rows = list(csv.reader(file))
    header = rows[0]
    assert header == ["learner", *[c.id for c in plan.checks], *FAST, "total", "notes", "source"]
    rows = [row[: header.index("total") + 1] for row in rows]
    assert [r[0] for r in rows[1:]] == list(results)
    assert float(rows[1][-1]) == pytest.approx(100)
    everything = json.loads((out / "results.json").read_text())
    assert everything["seed"] == 3 and set(everything["learners"]) == set(results)
    assert sum(c["points"] for c in everything["checks"]) == pytest.approx(100)
    text = (out / "feedback" / "stubs.md").read_text()
    assert "## 01_neuron: 0 /" in text and "time used:" in text and "isolation:" in text
    assert "not written yet" in text
    assert (out / "results" / "layout.json").is_file()
    assert len(lines) == len(results) and lines[-1].startswith(f"[{len(results)}/{len(results)}]")
    assert list((out / ".work").iterdir()) == []  # the run's scratch folder is gone


def test_the_feedback_uses_the_same_messages_as_pytest(tmp_path: Path, plan: grading.Plan) -> None:
    wrong = solution_text("01_neuron").replace("np.dot(weights, activations) + bias", "np.dot(weights, activations)")
    assert wrong != solution_text("01_neuron")
    handin = write_handin(tmp_path / "wrong", {"01_neuron": wrong}, flat=True)
    (result,) = grading.grade([grading.Submission("wrong", handin)], tmp_path / "out", plan, jobs=1, first_slot=SLOT)
    neuron = result["exercises"]["01_neuron"]
    message = neuron["checks"]["01_neuron::weighted_sum_matches_torch"]["message"]
    assert "cases fail. One of them:" in message and "called:   weighted_sum(" in message
    assert neuron["checks"]["01_neuron::layer_weighted_sums_matches_torch_linear"]["passed"]
    assert result["exercises"]["02_sigmoid"]["problem"] == "nothing for exercise 02_sigmoid was found in your hand-in."
    assert 0 < result["total"] < 100


def test_an_error_inside_numpy_is_placed_at_the_learners_line_in_the_feedback(
    tmp_path: Path, plan: grading.Plan
) -> None:
    # The worker finds NumPy on PYTHONPATH, outside the site folders: its frames are still NumPy's.
    line = "return activations @ weights.T + biases"
    padded = "return np.pad(activations, ((1, 1), (1, 1), (1, 1))) @ weights.T + biases"
    handin = write_handin(tmp_path / "pads", {"01_neuron": solution_text("01_neuron").replace(line, padded)})
    (result,) = grading.grade([grading.Submission("pads", handin)], tmp_path / "out", plan, jobs=1, first_slot=SLOT)
    message = result["exercises"]["01_neuron"]["checks"]["01_neuron::layer_weighted_sums_matches_torch_linear"][
        "message"
    ]
    assert re.search(rf"\(line \d+ of neuron\.py, in layer_weighted_sums: `{re.escape(padded)}`\)", message), message
    assert "_arraypad" not in message


def test_a_rerun_skips_unchanged_handins_and_force_regrades(tmp_path: Path, plan: grading.Plan) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    for folder in (one, two):
        _handin(folder, solution_text("01_neuron"))
    submissions = [grading.Submission("one", one), grading.Submission("two", two)]
    out = tmp_path / "out"
    grading.grade(submissions, out, plan, jobs=2, first_slot=SLOT)
    (two / "01_neuron" / "neuron.py").write_text("def weighted_sum(w, a, b):\n    return 0.0\n")
    lines: list[str] = []
    results = grading.grade(submissions, out, plan, jobs=2, progress=lines.append, first_slot=SLOT)
    assert any("one: unchanged, kept" in line for line in lines)
    assert not any("two: unchanged" in line for line in lines)
    assert results[1]["exercises"]["01_neuron"]["score"] == 0
    lines.clear()
    grading.grade(submissions, out, plan, jobs=2, force=True, progress=lines.append, first_slot=SLOT)
    assert not any("unchanged" in line for line in lines)
    lines.clear()
    other_seed = grading.build_plan(rubric.parse(FAST_RUBRIC), seed=4)
    grading.grade(submissions, out, other_seed, jobs=2, progress=lines.append, first_slot=SLOT)
    assert not any("unchanged" in line for line in lines)


def _handin(root: Path, code: str) -> Path:
    """A hand-in of exercise 01 alone, laid out like exercises/."""
    return write_handin(root, {"01_neuron": code})


def _rows(out: Path) -> list[dict[str, str]]:
    """gradebook.csv's rows, by column name."""
    with (out / "gradebook.csv").open(encoding="utf-8-sig") as file:
        return list(csv.DictReader(file))


def _gradebook(out: Path) -> dict[str, str]:
    """learner -> total, as gradebook.csv has them."""
    return {row["learner"]: row["total"] for row in _rows(out)}


def test_a_weekly_handin_of_one_exercise_is_graded_with_the_reference_for_what_it_imports(tmp_path: Path) -> None:
    week = grading.build_plan(rubric.parse('total = 20\n[exercises]\n"05_backprop" = 1\n'), seed=3)
    handin = tmp_path / "ann"
    handin.mkdir()
    (handin / "backprop.ipynb").write_text(notebook_json([solution_text("05_backprop")]))
    (result,) = grading.grade([grading.Submission("ann", handin)], tmp_path / "out", week, jobs=1, first_slot=SLOT)
    assert result["total"] == 20
    assert any("01_neuron and 02_sigmoid are not graded by this rubric" in note for note in result["notes"])


def test_a_late_handin_joins_the_gradebook_of_earlier_runs_with_the_same_settings(tmp_path: Path) -> None:
    one_exercise = grading.build_plan(rubric.parse(ONE_EXERCISE_RUBRIC), seed=3)
    out = tmp_path / "out"
    on_time = [grading.Submission(name, _handin(tmp_path / name, solution_text("01_neuron"))) for name in ("ada", "bo")]
    grading.grade(on_time, out, one_exercise, jobs=2, first_slot=SLOT)
    late = [grading.Submission("cy", _handin(tmp_path / "cy", "def weighted_sum(w, a, b):\n    return 0.0\n"))]
    lines: list[str] = []
    (result,) = grading.grade(late, out, one_exercise, jobs=1, progress=lines.append, first_slot=SLOT)
    assert result["learner"] == "cy"  # grade returns this run's results only
    assert any(
        line.startswith("gradebook: 3 learners, 2 of them graded by earlier runs into this folder (")
        and "to drop one, delete" in line
        for line in lines
    ), lines
    assert list(_gradebook(out)) == ["ada", "bo", "cy"] and _gradebook(out)["ada"] == "100"
    assert set(json.loads((out / "results.json").read_text())["learners"]) == {"ada", "bo", "cy"}

    # A result of other settings (here another seed) or an unreadable file is left out, and said so.
    other_seed = grading.build_plan(rubric.parse(ONE_EXERCISE_RUBRIC), seed=4)
    grading.grade([grading.Submission("dee", tmp_path / "ada")], out, other_seed, jobs=1, first_slot=SLOT)
    (out / "results" / "torn.json").write_text("{")
    lines.clear()
    grading.grade(late, out, one_exercise, jobs=1, progress=lines.append, first_slot=SLOT)
    assert _gradebook(out) == {"ada": "100", "bo": "100", "cy": "0"}
    assert any(
        line.startswith(f"1 result(s) in {out.resolve() / 'results'} were graded with other settings")
        and line.endswith("gradebook: dee (another seed); grade them again with these settings, or use a new --out")
        for line in lines
    ), lines
    assert any("cannot be read as results and are not in this gradebook: torn.json" in line for line in lines)
    lines.clear()
    grading.grade(late, out, other_seed, jobs=1, progress=lines.append, first_slot=SLOT)
    assert list(_gradebook(out)) == ["cy", "dee"]
    assert any(line.startswith("2 result(s)") and ": ada, bo (another seed);" in line for line in lines), lines


def test_each_takes_folders_and_handin_files_and_skips_the_rest(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    for folder in ("ada", "graded/results", ".git"):
        (batch / folder).mkdir(parents=True)
    for name in ("bo.zip", "cy.ipynb", "dee.PY", "README.txt", "Thumbs.db", ".DS_Store"):
        (batch / name).write_text("")
    lines: list[str] = []
    found = grading.discover([batch], each=True, out=batch / "graded", say=lines.append)
    assert [s.learner for s in found] == ["ada", "bo", "cy", "dee"]  # not the results of an earlier run
    assert lines == [
        "skipped 2 file(s) that cannot be a hand-in (not a folder, .zip, .py or .ipynb): README.txt, Thumbs.db"
    ]
    assert [s.learner for s in grading.discover([batch], each=True)] == ["ada", "bo", "cy", "dee", "graded"]


def test_two_handins_of_one_learner_are_both_graded_and_named(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    (batch / "tina").mkdir(parents=True)
    (batch / "tina.zip").write_text("")
    lines: list[str] = []
    found = grading.discover([batch], each=True, say=lines.append)
    assert [s.learner for s in found] == ["tina", "tina-2"]
    assert lines == ["tina and tina.zip are both learner tina: graded as tina and tina-2"]


def test_out_must_be_a_folder_that_can_be_written(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from grader import cli

    rubric_path = tmp_path / "rubric.toml"
    rubric_path.write_text(ONE_EXERCISE_RUBRIC)
    handin = _handin(tmp_path / "ada", solution_text("01_neuron"))
    a_file = tmp_path / "gradebook.csv"
    a_file.write_text("learner,total\n")
    expected = {
        a_file: f"error: --out {a_file} is a file: give a folder",
        a_file / "graded": f"error: cannot write to --out {a_file / 'graded'}: Not a directory",
    }
    for out, says in expected.items():
        command = ["grade", str(handin), "--out", str(out), "--rubric", str(rubric_path), "-j", "1", "--seed", "5"]
        assert cli.main([*command, "--first-slot", str(SLOT)]) == 1
        error = capsys.readouterr().err
        assert error.startswith(says) and len(error.splitlines()) == 1, error  # one line, no traceback
    assert a_file.read_text() == "learner,total\n"


def test_a_result_that_cannot_be_written_ends_the_run_with_one_line_naming_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from grader import cli

    rubric_path = tmp_path / "rubric.toml"
    rubric_path.write_text(ONE_EXERCISE_RUBRIC)
    handin = _handin(tmp_path / "ada", solution_text("01_neuron"))
    out = tmp_path / "out"
    (out / "results" / "ada.json").mkdir(parents=True)  # in the way of ada's result
    command = ["grade", str(handin), "--out", str(out), "--rubric", str(rubric_path), "-j", "1"]
    assert cli.main([*command, "--first-slot", str(SLOT)]) == 1
    error = capsys.readouterr().err
    assert "Traceback" not in error
    assert error.splitlines()[-1].startswith(f"error: cannot write {out / 'results' / 'ada.json'}: Is a directory. ")
    assert error.splitlines()[-1].endswith("or give another --out")


def test_a_workers_copy_that_cannot_be_written_is_one_line_naming_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import errno

    from grader import mnist

    what_to_do = "Make sure this user may write there and the disk has room, or give another --out"
    not_a_folder = tmp_path / "a_file"
    not_a_folder.write_text("")
    with pytest.raises(grading.GradingError) as refused:
        grading.prepare_runtime(not_a_folder / "runtime")
    copy = f"the workers' copy of the grader in {not_a_folder / 'runtime'}"
    assert str(refused.value) == f"cannot write {copy}: Not a directory. {what_to_do}"

    def disk_full(*args: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(mnist, "load_mnist", lambda part: (np.zeros((2, 28, 28), np.uint8), np.zeros(2, np.uint8)))
    monkeypatch.setattr(np, "save", disk_full)
    with pytest.raises(grading.GradingError) as refused:
        grading.prepare_mnist(tmp_path / "mnist")
    copy = f"the workers' copy of MNIST in {tmp_path / 'mnist'}"
    assert str(refused.value) == f"cannot write {copy}: No space left on device. {what_to_do}"


def test_a_sandbox_slot_lock_that_cannot_be_opened_is_one_line_saying_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from grader import cli

    locks = tmp_path / "nnkata-slots"
    (locks / f"{SLOT}.lock").mkdir(parents=True)  # as root, the one way to make os.open fail
    monkeypatch.setattr(grading, "SLOT_LOCKS", locks)
    handin = _handin(tmp_path / "ada", solution_text("01_neuron"))
    command = ["grade", str(handin), "--out", str(tmp_path / "out"), "-j", "1", "--seed", "5"]
    command += ["--first-slot", str(SLOT)]
    assert cli.main(command) == 1
    error = capsys.readouterr().err
    assert len(error.splitlines()) == 1, error  # no traceback
    assert error.startswith(f"error: cannot open the sandbox slot lock {locks / f'{SLOT}.lock'}: Is a directory. ")
    assert "run with TMPDIR set to another folder" in error


@pytest.mark.parametrize(
    ("option", "value", "says"),
    [
        ("--timeout", "0", "expected a positive number of seconds, got '0'"),
        ("--timeout", "-5", "expected a positive number of seconds, got '-5'"),
        ("--timeout", "nan", "expected a positive number of seconds, got 'nan'"),
        ("--timeout", "ten", "expected a positive number of seconds, got 'ten'"),
        ("--seed", "-1", "expected a whole number, 0 or more, got '-1'"),
        ("--seed", "1.5", "expected a whole number, 0 or more, got '1.5'"),
        ("--jobs", "0", "expected a whole number, 1 or more, got '0'"),
        ("--first-slot", "-3", "expected a whole number, 0 or more, got '-3'"),
    ],
)
def test_grade_options_are_checked_before_anything_runs(
    option: str, value: str, says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from grader import cli

    with pytest.raises(SystemExit) as stopped:
        cli.build_parser().parse_args(["grade", "handins", "--out", "graded", option, value])
    assert stopped.value.code == 2
    last = capsys.readouterr().err.splitlines()[-1]  # argparse's usage, then this one line
    assert last.startswith("python -m grader grade: error: argument ") and option in last and says in last, last


def test_a_negative_seed_in_the_seed_file_is_refused(tmp_path: Path) -> None:
    from grader import cli

    seed_file = tmp_path / "seed"
    seed_file.write_text("-7\n")
    args = cli.build_parser().parse_args(["grade", "handins", "--out", "graded", "--seed-file", str(seed_file)])
    with pytest.raises(cli.UserError, match="must hold one whole number, 0 or more"):
        cli.read_seed(args)


def test_a_grader_failure_fails_the_command_and_names_the_learners(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from grader import cli

    rubric_path = tmp_path / "rubric.toml"
    rubric_path.write_text(ONE_EXERCISE_RUBRIC)
    batch = tmp_path / "batch"
    for learner in ("ada", "bo"):
        _handin(batch / learner, solution_text("01_neuron"))
    really_grade = grading.grade_submission

    def failing_on_bo(context: grading.Context, submission: grading.Submission, *args: object) -> dict:
        if submission.learner == "bo":
            raise RuntimeError("a bug in the grader")
        return really_grade(context, submission, *args)

    monkeypatch.setattr(grading, "grade_submission", failing_on_bo)
    out = tmp_path / "out"
    command = ["grade", str(batch), "--each", "--out", str(out), "--rubric", str(rubric_path), "-j", "2"]
    assert cli.main([*command, "--first-slot", str(SLOT)]) == 1
    error = capsys.readouterr().err.splitlines()[-1]
    assert error.startswith("error: the grader itself failed on 1 hand-in(s): bo. "), error
    assert _gradebook(out) == {"ada": "100", "bo": "0"}  # the others' results are written
    assert "RuntimeError: a bug in the grader" in (out / "feedback" / "bo.md").read_text()
    late = _handin(tmp_path / "cy", solution_text("01_neuron"))
    command = ["grade", str(late), "--out", str(out), "--rubric", str(rubric_path), "-j", "1"]
    assert cli.main([*command, "--first-slot", str(SLOT)]) == 0  # cy is fine; bo, graded before, is said again
    assert "the grader itself failed on the hand-ins of bo in an earlier run" in capsys.readouterr().err


def test_each_refuses_a_child_holding_several_learners_and_says_so_at_the_end(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from grader import cli, handin

    rubric_path = tmp_path / "rubric.toml"
    rubric_path.write_text(ONE_EXERCISE_RUBRIC)
    batch = tmp_path / "batch"
    _handin(batch / "ada", solution_text("01_neuron"))
    for bulk in ("moodle", "unzipped"):  # two learners' different work in one child
        _handin(batch / bulk / "eve", solution_text("01_neuron"))
        _handin(batch / bulk / "fay", solution_text("01_neuron").replace("+ b", "+ 0 * b"))
    with zipfile.ZipFile(batch / "moodle.zip", "w") as z:
        for path in sorted((batch / "moodle").rglob("*.py")):
            z.write(path, path.relative_to(batch / "moodle"))
    shutil.rmtree(batch / "moodle")
    out = tmp_path / "out"
    command = ["grade", str(batch), "--each", "--out", str(out), "--rubric", str(rubric_path), "-j", "1"]
    command += ["--first-slot", str(SLOT)]
    assert cli.main(command) == 1
    refused = [handin.several_in_one_child(batch / child, batch) for child in ("moodle.zip", "unzipped")]
    assert refused[0].startswith(f"{batch / 'moodle.zip'} holds several learners' hand-ins (eve/, fay/): not graded.")
    captured = capsys.readouterr()
    header = "not graded (2), as each holds several learners' hand-ins:"
    assert captured.out.splitlines()[-4:-1] == [header, f"  {refused[0]}", f"  {refused[1]}"]
    assert all(line in captured.err.splitlines() for line in refused)  # said at once, too
    assert captured.err.splitlines()[-1] == (
        f"error: 2 hand-in(s) holding several learners' hand-ins were not graded: {batch / 'moodle.zip'}, "
        f"{batch / 'unzipped'}; their learners are not in the gradebook (see 'not graded' above)"
    )
    assert _gradebook(out) == {"ada": "100"}  # no row for either: they are no learner
    # A folder given too is a folder of hand-ins: its children are graded, and it is not a learner.
    # A result that an earlier run gave the zip, as one learner, is named: the gradebook would keep it.
    (out / "results" / "moodle.json").write_text(
        (out / "results" / "ada.json").read_text().replace('"learner": "ada"', '"learner": "moodle"')
    )
    assert cli.main([*command[:2], str(batch / "unzipped"), *command[2:]]) == 1
    captured = capsys.readouterr()
    assert f"(with --each). An earlier run graded it as one learner: delete {out / 'results' / 'moodle.json'}" in (
        captured.err
    )
    assert "not graded (1)" in captured.out and "unzipped" not in captured.out
    assert set(_gradebook(out)) == {"ada", "eve", "fay", "moodle"}


def test_grading_into_an_out_of_another_seed_is_refused_unless_forced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from grader import cli

    rubric_path = tmp_path / "rubric.toml"
    rubric_path.write_text(ONE_EXERCISE_RUBRIC)
    ada, bo = (_handin(tmp_path / name, solution_text("01_neuron")) for name in ("ada", "bo"))
    out = tmp_path / "out"
    options = ["--out", str(out), "--rubric", str(rubric_path), "-j", "1", "--first-slot", str(SLOT)]
    assert cli.main(["grade", str(ada), *options, "--seed", "5"]) == 0
    gradebook = (out / "gradebook.csv").read_text()
    capsys.readouterr()
    # Bo alone, with another seed: ada would leave the gradebook, her feedback of seed 5 staying.
    assert cli.main(["grade", str(bo), *options, "--seed", "6"]) == 1
    assert capsys.readouterr().err == (
        f"error: --out {out} holds 1 learner(s) graded with other settings, who are not in this run: ada (another "
        "seed). This run's gradebook would leave them out, beside their old feedback: grade with their seed (the "
        "same --seed-file), add their hand-ins to grade everyone anew, use a new --out, or give --force to grade "
        "into it anyway\n"
    )
    assert (out / "gradebook.csv").read_text() == gradebook and not (out / "results" / "bo.json").exists()
    # The same seed adds bo; and a run holding every learner regrades them all with the new seed.
    assert cli.main(["grade", str(bo), *options, "--seed", "5"]) == 0
    assert _gradebook(out) == {"ada": "100", "bo": "100"}
    assert cli.main(["grade", str(ada), str(bo), *options, "--seed", "6"]) == 0
    assert _gradebook(out) == {"ada": "100", "bo": "100"}
    capsys.readouterr()
    # --force grades into it anyway, and the run names who was left out.
    assert cli.main(["grade", str(bo), *options, "--seed", "7", "--force"]) == 0
    assert _gradebook(out) == {"bo": "100"}
    assert "were graded with other settings and are not in this gradebook: ada (another seed)" in (
        capsys.readouterr().err
    )


def test_a_limit_message_names_the_limit_and_what_to_do() -> None:
    limits = sandbox.Limits(wall_seconds=20, cpu_seconds=20, memory_bytes=2048 * 1024**2, output_bytes=64 * 1024)
    expected = {
        sandbox.LIMIT_WALL: ("more than 20 s, the time limit", "a loop that never ends"),
        sandbox.LIMIT_CPU: ("more than 20 s of CPU time", "a loop that never ends"),
        sandbox.LIMIT_MEMORY: ("more than 2 GiB of memory", "arrays"),
        sandbox.LIMIT_OUTPUT: ("printed more than 16 MiB, the output limit", "Remove print statements, or print less."),
        sandbox.LIMIT_FILE_SIZE: ("a file larger than 64 MiB", "remove the code that writes them"),
        sandbox.LIMIT_PROCESSES: ("more than 32 processes or threads", "remove the code that starts them"),
        sandbox.LIMIT_DISK: ("more than 256 MiB of files, or more than 10,000 files", "remove the code that writes"),
    }
    for limit, (how_much, fix) in expected.items():
        message = grading.stopped_message(limit, limits)
        assert message.startswith("your code was stopped: ") and how_much in message and fix in message, message


def test_a_handin_that_prints_too_much_is_told_the_limit(tmp_path: Path) -> None:
    printer = "def weighted_sum(w, a, b):\n    while True:\n        print('x' * 100_000)\n"
    one_exercise = grading.build_plan(rubric.parse(ONE_EXERCISE_RUBRIC + "[limits]\nseconds = 20\n"), seed=3)
    submission = grading.Submission("printer", _handin(tmp_path / "printer", printer))
    (result,) = grading.grade([submission], tmp_path / "out", one_exercise, jobs=1, first_slot=SLOT)
    neuron = result["exercises"]["01_neuron"]
    assert neuron["limit_hit"] == "output"
    assert neuron["problem"] == grading.stopped_message(sandbox.LIMIT_OUTPUT, sandbox.Limits(), "weighted_sum")


@pytest.mark.parametrize("signal_name", ["SIGINT", "SIGKILL"])
def test_an_interrupted_run_keeps_what_finished_and_resumes(tmp_path: Path, signal_name: str) -> None:
    import signal
    import time

    rubric_path = tmp_path / "rubric.toml"
    rubric_path.write_text(ONE_EXERCISE_RUBRIC)
    batch = tmp_path / "batch"
    learners = [f"learner{i}" for i in range(8)]
    for learner in learners:
        _handin(batch / learner, solution_text("01_neuron"))
    # With -j 1, learner1 is sleeping in its worker when the signal comes: a run that waited
    # for it instead of killing it would take a minute (the time limit) to stop.
    sleeper = batch / "learner1" / "01_neuron" / "neuron.py"
    sleeper.write_text("import time\ntime.sleep(120)\n" + solution_text("01_neuron"))
    out = tmp_path / "out"
    command = [sys.executable, "-m", "grader", "grade", str(batch), "--each", "--out", str(out), "-j", "1"]
    command += ["--rubric", str(rubric_path), "--first-slot", str(SLOT + 90)]
    run = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not list((out / "results").glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)  # learner1's worker has started, and sleeps
    signalled = time.monotonic()
    run.send_signal(getattr(signal, signal_name))  # Ctrl-C, or kill -9, in the middle of the run
    if signal_name == "SIGINT":
        run.send_signal(signal.SIGINT)  # impatient: a second Ctrl-C at once, while it stops
    _, stderr = run.communicate(timeout=60)
    stopped_after = time.monotonic() - signalled
    assert run.returncode != 0
    time.sleep(0.5)
    assert not processes_of({sandbox.UID_BASE + SLOT + 90}), "a worker outlived its grader"
    kept = sorted(p.stem for p in (out / "results").glob("*.json"))
    assert kept == ["learner0"]  # learner1, killed mid-way, is not saved
    assert json.loads((out / "results" / "learner0.json").read_text())["total"] == 100  # whole
    if signal_name == "SIGINT":
        assert stopped_after < 8, f"the run took {stopped_after:.1f} s to stop after Ctrl-C"
        assert "Traceback" not in stderr and stderr.rstrip().endswith("interrupted"), stderr
        assert "interrupted: 1 of 8 hand-ins graded and saved; the same command grades the other 7" in stderr
        assert _gradebook(out) == {"learner0": "100"}  # what finished, in a gradebook
        assert (out / "feedback" / "learner0.md").is_file()

    sleeper.write_text(solution_text("01_neuron"))
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "learner0: unchanged, kept" in done.stderr
    assert _gradebook(out) == dict.fromkeys(learners, "100")
    assert list((out / ".work").iterdir()) == []  # no scratch of the interrupted run is left


def test_only_the_scratch_of_runs_that_are_over_is_removed(tmp_path: Path) -> None:
    work = tmp_path / ".work"
    running, over, ours = (work / f"run-{slot}.abc" for slot in (SLOT + 60, SLOT + 61, SLOT + 62))
    for folder in (running, over, ours):
        (folder / "learner.x").mkdir(parents=True)
    (work / "notes").mkdir()  # not a run's folder: left alone
    another_grader = grading.claim_slots(SLOT + 60, 1)
    try:
        grading.remove_stale_scratch(work, held={SLOT + 62})
    finally:
        grading.release_slots(another_grader)
    assert sorted(p.name for p in work.iterdir()) == ["notes", running.name]


def _mnist_plan(expected: float | None = None) -> grading.Plan:
    """A one-check plan whose case sends the first labels of MNIST to the learner's weighted_sum."""
    from grader import mnist

    if expected is None:
        labels = mnist.load_mnist("train")[1][:7].astype(np.float64)
        expected = float(labels @ labels + 0.5)
    call = Call("weighted_sum", (MnistData("labels", 7), MnistData("labels", 7), 0.5))
    case = Case(call, expected=expected, tolerance=Tolerance(), needs_mnist=True)
    check = Check("01_neuron", "reads_mnist", "weighted_sum", "weighted_sum sees MNIST", lambda rng: [case])
    return grading.Plan(rubric.parse(FAST_RUBRIC), 0, [check], {check.id: [case]}, {check.id: 100.0}, ["01_neuron"])


def test_the_worker_reads_mnist_from_a_read_only_file(tmp_path: Path) -> None:
    if os.environ.get("NNKATA_DATA") is None and not (REPO / "data" / "mnist").is_dir():
        pytest.skip("MNIST is not on this machine")
    _handin(tmp_path, solution_text("01_neuron"))
    (result,) = grading.grade(
        [grading.Submission("m", tmp_path)], tmp_path / "out", _mnist_plan(), jobs=1, first_slot=SLOT
    )
    assert result["total"] == 100, result


def test_without_mnist_the_grader_stops_before_grading(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from grader import mnist

    monkeypatch.setenv("NNKATA_DATA", str(tmp_path / "nowhere"))
    monkeypatch.setattr(mnist, "DEFAULT_DATA_DIR", tmp_path / "nowhere")
    mnist.clear_cache()
    with pytest.raises(grading.GradingError, match="needs the dataset"):
        grading.grade([grading.Submission("x", SOLUTIONS)], tmp_path / "out", _mnist_plan(1.0), jobs=1, first_slot=SLOT)
    assert list((tmp_path / "out" / "results").iterdir()) == []


def test_the_default_rubric_totals_100_and_bonus_comes_on_top() -> None:
    default = rubric.load()
    checks = grading.build_plan(default, 0).checks
    assert sum(default.points(checks).values()) == pytest.approx(100)
    first = checks[0].id
    extra = rubric.parse(f'total = 100\n[bonus]\n"{first}" = 5\n')
    points = extra.points(checks)
    assert points[first] == 5
    assert sum(points.values()) == pytest.approx(105)
    weighted = rubric.parse(f'[exercises]\n"01_neuron" = 1\n[checks]\n"{first}" = 0\n').points(checks)
    assert weighted[first] == 0 and set(weighted) == {c.id for c in checks if c.exercise == "01_neuron"}
    with pytest.raises(rubric.RubricError, match="not valid TOML"):
        rubric.parse("total = ")
    with pytest.raises(rubric.RubricError, match="non-negative"):
        rubric.parse('[exercises]\n"01_neuron" = -1\n')
    assert default.seconds_for("08_training") > default.seconds_for("01_neuron")
    assert set(default.exercises) == set(EXERCISES)


def test_a_run_regrades_when_a_setting_that_decides_grades_changes() -> None:
    base = rubric.parse(FAST_RUBRIC)
    assert rubric.parse("# a comment\n" + FAST_RUBRIC).fingerprint == base.fingerprint
    shorter = rubric.parse(FAST_RUBRIC)
    shorter.seconds = 0.05  # what `grade --timeout 0.05` does
    assert shorter.fingerprint != base.fingerprint
    higher = rubric.parse(FAST_RUBRIC + "[thresholds]\ntraining_accuracy = 0.95\n")
    assert higher.fingerprint != base.fingerprint


def test_a_rubric_threshold_is_checked_and_does_not_outlive_its_plan() -> None:
    from grader.checks import training

    grading.build_plan(rubric.parse("[thresholds]\ntraining_accuracy = 0.95\n"), 0)
    assert training.TRAINING_ACCURACY == 0.95
    grading.build_plan(rubric.parse(FAST_RUBRIC), 0)
    assert training.TRAINING_ACCURACY == training.DEFAULT_TRAINING_ACCURACY
    for bad in ("0.4", '"high"', "1.5"):
        with pytest.raises(rubric.RubricError, match=r"training_accuracy must be a number above 0\.5, at most 1"):
            rubric.parse(f"[thresholds]\ntraining_accuracy = {bad}\n")
    with pytest.raises(rubric.RubricError, match=r"no 'accuracy' \(did you mean 'training_accuracy'\?\)"):
        rubric.parse("[thresholds]\naccuracy = 0.9\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[exercises]\n"08_trainig" = 15\n', "[exercises] has no '08_trainig' (did you mean '08_training'?)"),
        ('[checks]\n"01_neuron::weighted_sum" = 2\n', "(did you mean '01_neuron::weighted_sum_matches_torch'?)"),
        ('[bonus]\n"09_extra::x" = 2\n', "[bonus] has no '09_extra::x'"),
        ("[limits]\nsecnds = 3\n", "[limits] has no 'secnds' (did you mean 'seconds'?)"),
        ('[limits.seconds_per_exercise]\n"8_training" = 5\n', "(did you mean '08_training'?)"),
        ("totl = 50\n", "the rubric has no 'totl' (did you mean 'total'?)"),
        # Infinite or not-a-number values are no points: TOML has them, cents do not.
        ("total = inf\n", "total must be a positive, finite number"),
        ('[exercises]\n"01_neuron" = nan\n', "'01_neuron' must be a non-negative number, not nan"),
        ("[limits]\nseconds = inf\n", "[limits] seconds must be a positive, finite number"),
    ],
)
def test_a_typo_in_a_rubric_is_an_error_not_a_different_grading(text: str, message: str) -> None:
    # Ignored, a misspelt exercise would drop out and the others would share its points.
    with pytest.raises(rubric.RubricError) as refused:
        rubric.parse(text, "my_rubric.toml")
    assert str(refused.value).startswith("my_rubric.toml: ") and message in str(refused.value)


def test_the_command_line(tmp_path: Path) -> None:
    rubric_path = tmp_path / "rubric.toml"
    rubric_path.write_text(ONE_EXERCISE_RUBRIC)
    batch = tmp_path / "batch"
    _handin(batch / "alice", solution_text("01_neuron"))
    shutil.copytree(EXERCISES_DIR / "01_neuron", batch / "bob" / "01_neuron")
    command = [sys.executable, "-m", "grader", "grade", str(batch), "--each", "--out", str(tmp_path / "out")]
    command += ["--rubric", str(rubric_path), "--seed", "11", "-j", "2", "--timeout", "20", "--first-slot", str(SLOT)]
    command += ["--show", "bob"]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "alice" in done.stdout and "100.0" in done.stdout
    assert (tmp_path / "out" / "feedback" / "bob.md").read_text() in done.stdout  # --show prints it
    assert _gradebook(tmp_path / "out") == {"alice": "100", "bob": "0"}
    missing = subprocess.run(
        [sys.executable, "-m", "grader", "grade", str(tmp_path / "nope"), "--out", str(tmp_path / "o2")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert missing.returncode == 1 and "does not exist" in missing.stderr


def test_grader_check_passes_on_the_repository(tmp_path: Path) -> None:
    rubric_path = tmp_path / "rubric.toml"
    rubric_path.write_text(FAST_RUBRIC)
    done = subprocess.run(
        [sys.executable, "-m", "grader", "check", "--rubric", str(rubric_path), "-j", "2", "--first-slot", str(SLOT)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok: solutions/ get 100, exercises/ get 0" in done.stdout


def test_concurrent_runs_get_disjoint_sandbox_slots() -> None:
    one = grading.claim_slots(SLOT + 50, 2)
    try:
        two = grading.claim_slots(SLOT + 50, 2)
        assert not set(one) & set(two)
        for handle in two.values():
            os.close(handle)
    finally:
        for handle in one.values():
            os.close(handle)


def test_feedback_traces_a_failure_back_to_the_earliest_failing_exercise() -> None:
    def report(passed: bool, uses: list[str]) -> dict:
        check = {"points": 0, "max": 1, "passed": passed, "message": ""}
        return {"seconds": 0.0, "score": 0, "max": 1, "uses": uses, "checks": {"x::c": check}}

    exercises = {
        "01_neuron": report(False, []),
        "02_sigmoid": report(True, []),
        "03_feedforward": report(False, ["01_neuron", "02_sigmoid"]),
        "08_training": report(False, ["03_feedforward"]),
    }
    result = {"learner": "x", "total": 0, "notes": [], "exercises": exercises}
    assert grading.failing_dependencies(result, "08_training") == ["01_neuron", "03_feedforward"]
    text = grading.feedback(result, grading.build_plan(rubric.parse(FAST_RUBRIC), seed=0))
    assert "builds on your 01_neuron and 03_feedforward, which fail checks of their own: fix 01_neuron first" in text


def test_feedback_blames_an_earlier_exercise_only_for_what_it_may_have_caused() -> None:
    def report(failing: dict[str, bool], imports: dict[str, list[str] | None], cause: str | None = None) -> dict:
        checks = {
            check_id: {"points": 0, "max": 1, "passed": False, "message": "", "not_started": stub}
            for check_id, stub in failing.items()
        }
        checks["x::passes"] = {"points": 1, "max": 1, "passed": True, "message": ""}
        return {"score": 0, "max": 1, "cause": cause, "uses": list(imports), "imports": imports, "checks": checks}

    exercises = {
        "01_neuron": report({}, {}, grading.NOTHING_FOUND),
        "02_sigmoid": report({"02_sigmoid::sigmoid_matches_torch": False}, {}),
        "03_feedforward": report({"03_feedforward::init_network_is_deterministic": False}, {"02_sigmoid": ["sigmoid"]}),
        "05_backprop": report({"05_backprop::backprop_matches_autograd": False}, {"01_neuron": None}),
        "08_training": report({"08_training::accuracy_matches_torch": False}, {"03_feedforward": ["feedforward"]}),
    }
    result = {"exercises": exercises}
    # feedforward's sigmoid fails; 03's failing check is init_network's, which accuracy does not use.
    assert grading.failing_dependencies(result, "03_feedforward") == ["02_sigmoid"]
    assert grading.failing_dependencies(result, "08_training") == []
    # What was not handed in is said by the import error, not blamed here.
    assert grading.failing_dependencies(result, "05_backprop") == []
    # An exercise that is still its stub is to be written first, whatever it imports.
    exercises["03_feedforward"]["checks"]["03_feedforward::init_network_is_deterministic"]["not_started"] = True
    assert grading.failing_dependencies(result, "03_feedforward") == []


def test_a_sandbox_failure_is_not_kept_as_the_learners_grade(
    tmp_path: Path, plan: grading.Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    _handin(tmp_path / "one", solution_text("01_neuron"))
    submissions = [grading.Submission("one", tmp_path / "one")]

    def broken(*args: object, **kwargs: object) -> None:
        raise OSError("bwrap: no such file")

    with monkeypatch.context() as patch:
        patch.setattr(grading, "run_sandboxed", broken)
        (first,) = grading.grade(submissions, tmp_path / "out", plan, jobs=1, first_slot=SLOT)
    assert first["total"] == 0 and "tell your instructor" in first["exercises"]["01_neuron"]["problem"]
    assert grading.grader_faults([first]) == ["one"]  # so `grade` ends with an error naming them
    (again,) = grading.grade(submissions, tmp_path / "out", plan, jobs=1, first_slot=SLOT)
    assert not again.get("skipped") and again["exercises"]["01_neuron"]["score"] > 0


def test_each_workers_folder_is_removed_before_the_next_exercise_runs(
    tmp_path: Path, plan: grading.Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_handin(tmp_path / "one", solution_texts(FAST[:3]))
    seen: list[list[str]] = []

    def writing_worker(command: list[str], workdir: Path, **kwargs: object) -> None:
        scratch = workdir.parent.parent  # workdir is run-<exercise>/attempt-<n>
        seen.append(sorted(p.name for p in scratch.iterdir() if p.name.startswith("run-")))
        (workdir / "ballast.bin").write_bytes(bytes(1 << 20))
        raise OSError("stopped after writing")

    monkeypatch.setattr(grading, "run_sandboxed", writing_worker)
    grading.grade([grading.Submission("one", tmp_path / "one")], tmp_path / "out", plan, jobs=1, first_slot=SLOT)
    assert seen == [["run-0"], ["run-1"], ["run-2"]]


def test_a_worker_over_the_disk_cap_as_it_exits_is_told_so_in_the_results(
    tmp_path: Path, plan: grading.Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    # It answered and exited 0, but wrote past the cap after the last scan: the final one finds it.
    def over_the_cap_at_exit(command: list[str], workdir: Path, **kwargs: object) -> sandbox.SandboxResult:
        (workdir / "outcomes.npz").write_bytes(b"an answer the grader must not read")
        return sandbox.SandboxResult(0, "", "", 0.5, sandbox.LIMIT_DISK, isolation=sandbox.BUBBLEWRAP)

    monkeypatch.setattr(grading, "run_sandboxed", over_the_cap_at_exit)
    _handin(tmp_path / "one", solution_text("01_neuron"))
    grading.grade([grading.Submission("one", tmp_path / "one")], tmp_path / "out", plan, jobs=1, first_slot=SLOT)
    report = json.loads((tmp_path / "out" / "results.json").read_text())["learners"]["one"]["exercises"]["01_neuron"]
    assert report["score"] == 0 and report["limit_hit"] == "disk"
    assert report["problem"] is not None and "the disk space limit" in report["problem"]


def test_a_worker_over_the_disk_cap_that_exits_without_answering_is_told_the_limit(
    tmp_path: Path, plan: grading.Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The learner's code wrote past the cap and then ended the worker (os._exit(0)) before it answered.
    def over_the_cap_without_an_answer(command: list[str], workdir: Path, **kwargs: object) -> sandbox.SandboxResult:
        return sandbox.SandboxResult(0, "", "", 0.5, sandbox.LIMIT_DISK, isolation=sandbox.BUBBLEWRAP)

    monkeypatch.setattr(grading, "run_sandboxed", over_the_cap_without_an_answer)
    _handin(tmp_path / "one", solution_text("01_neuron"))
    (result,) = grading.grade([grading.Submission("one", tmp_path / "one")], tmp_path / "out", plan, first_slot=SLOT)
    report = result["exercises"]["01_neuron"]
    assert report["score"] == 0 and report["limit_hit"] == "disk"
    assert report["problem"] == grading.stopped_message(sandbox.LIMIT_DISK, sandbox.Limits())


def test_a_worker_tried_again_after_an_unexplained_kill_starts_from_a_fresh_folder(
    tmp_path: Path, plan: grading.Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grader import worker

    folders: list[Path] = []
    seen_by_the_second: dict[str, object] = {}

    def killed_from_outside(command: list[str], workdir: Path, **kwargs: object) -> sandbox.SandboxResult:
        folders.append(workdir)
        if len(folders) == 1:  # stopped in weighted_sum (call 0), having filled the disk and changed the code
            (workdir / worker.RUNNING).write_text("0")
            (workdir / "ballast.bin").write_bytes(bytes(1 << 20))
            (workdir / "handin" / "01_neuron" / "neuron.py").write_text("changed by the first attempt")
        else:
            seen_by_the_second["first folder left"] = folders[0].exists()
            seen_by_the_second["files"] = sorted(p.name for p in workdir.iterdir())
            seen_by_the_second["code"] = (workdir / "handin" / "01_neuron" / "neuron.py").read_text()
        return sandbox.SandboxResult(-9, "", "", 0.5, None, isolation=sandbox.BUBBLEWRAP)

    monkeypatch.setattr(grading, "run_sandboxed", killed_from_outside)
    _handin(tmp_path / "one", solution_text("01_neuron"))
    (result,) = grading.grade([grading.Submission("one", tmp_path / "one")], tmp_path / "out", plan, first_slot=SLOT)
    assert len(folders) == 2 and folders[0] != folders[1]
    assert seen_by_the_second == {
        "first folder left": False,  # its files no longer count against the second attempt's cap
        "files": ["handin", "request.npz"],
        "code": solution_text("01_neuron"),
    }
    problem = result["exercises"]["01_neuron"]["problem"]
    assert "exit status -9" in problem and "weighted_sum" not in problem  # not the first attempt's marker


def test_code_too_deep_for_the_ast_module_is_graded_like_any_other(tmp_path: Path, plan: grading.Plan) -> None:
    # Python runs it, but ast.parse (the grader's look at imports) raises RecursionError.
    deep = "x = " + "+".join(["1"] * 5000) + "\n"
    _handin(tmp_path / "deep", deep + solution_text("01_neuron"))
    (result,) = grading.grade([grading.Submission("deep", tmp_path / "deep")], tmp_path / "out", plan, first_slot=SLOT)
    assert grading.grader_faults([result]) == []
    assert result["exercises"]["01_neuron"]["score"] == result["exercises"]["01_neuron"]["max"]


def test_the_run_fingerprint_covers_the_graders_code(plan: grading.Plan, monkeypatch: pytest.MonkeyPatch) -> None:
    before = plan.key
    monkeypatch.setattr(grading, "grader_digest", lambda: "a fixed check")
    assert plan.key != before


def test_learner_ids_keep_names_readable_and_safe_for_spreadsheets() -> None:
    assert grading.learner_id(Path("José García.zip")) == "José_García"
    # Zipped on macOS, é arrives decomposed: it is still the same learner.
    assert grading.learner_id(Path(unicodedata.normalize("NFD", "José García.zip"))) == "José_García"
    assert grading.learner_id(Path("=HYPERLINK(x).ipynb")) == "HYPERLINK_x"
    assert grading.learner_id(Path("-rf")) == "rf"
    assert grading.learner_id(Path("...")) == "learner"


def test_the_time_left_counts_only_the_handins_actually_graded() -> None:
    assert grading.progress_line(2, 4, 60.0, "bo: 100 points").endswith("1:00, about 1:00 left  bo: 100 points")
    # Two kept unchanged in no time, then one graded in 60 s: the last one takes 60 s too.
    assert "about 1:00 left" in grading.progress_line(3, 4, 60.0, "cy: 90 points", graded=1)
    assert "left" not in grading.progress_line(2, 4, 0.1, "bo: unchanged, kept", graded=0)


PROBLEM_RUBRIC = (
    'total = 100\n[exercises]\n"01_neuron" = 1\n"02_sigmoid" = 1\n"03_feedforward" = 1\n[limits]\nseconds = 3\n'
)


def test_what_else_than_wrong_answers_cost_points_is_named_for_the_instructor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    plan = grading.build_plan(rubric.parse(PROBLEM_RUBRIC), seed=3)
    batch = tmp_path / "batch"
    three = solution_texts(["01_neuron", "02_sigmoid", "03_feedforward"])
    paths = {
        "ada": write_handin(batch / "ada", three),
        "bo": write_handin(batch / "bo", three),  # the grader fails on it
        "emma": batch / "emma",  # handed in nothing
        "lou": write_handin(batch / "lou", {**three, "02_sigmoid": "def sigmoid(z):\n    while True:\n        pass\n"}),
        "sam": write_handin(batch / "sam", {**three, "01_neuron": "def weighted_sum(:\n"}),
        "wes": batch / "wes",  # the right code under a wrong name
    }
    paths["emma"].mkdir(parents=True)
    paths["wes"].mkdir()
    (paths["wes"] / "neuron_v2.py").write_text(solution_text("01_neuron"))
    really_grade = grading.grade_submission

    def failing_on_bo(context: grading.Context, submission: grading.Submission, *args: object) -> dict:
        if submission.learner == "bo":
            raise RuntimeError("a bug in the grader")
        return really_grade(context, submission, *args)

    monkeypatch.setattr(grading, "grade_submission", failing_on_bo)
    lines: list[str] = []
    submissions = [grading.Submission(learner, path) for learner, path in paths.items()]
    results = grading.grade(submissions, tmp_path / "out", plan, jobs=2, progress=lines.append, first_slot=SLOT)
    said = {line.split("  ", 1)[1].split(":", 1)[0]: line.split(": ", 1)[1] for line in lines}
    assert said.pop("lou").endswith(" points (time limit in 02, 03)")  # the calls before it count
    assert said == {
        "ada": "100 points",
        "bo": "0 points (grader fault)",
        "emma": "0 points (nothing found)",
        "sam": "33.33 points (syntax error in 01; could not import 03)",
        "wes": "0 points (nothing found)",
    }
    assert grading.needs_a_look(results) == [
        "needs a look (5, see feedback/<learner>.md):",
        "  bo: grader fault",
        "  emma: nothing found",
        "  lou: time limit in 02, 03",
        "  sam: syntax error in 01; could not import 03",
        "  wes: nothing found",
    ]
    rows = {row["learner"]: row for row in _rows(tmp_path / "out")}
    assert {learner: row["source"] for learner, row in rows.items()} == {k: str(v) for k, v in paths.items()}
    # Handed in nothing, a wrong file name, and tried and failed: told apart.
    assert rows["emma"]["notes"] == (
        "nothing found; no exercise module (neuron.py, sigmoid.py, ...) or notebook was found in the hand-in"
    )
    wrong_name = "neuron_v2.py was not graded: if it is your 01_neuron, rename it neuron.py"
    assert rows["wes"]["notes"] == f"nothing found; {wrong_name}"
    assert rows["sam"]["notes"] == "syntax error in 01; could not import 03" and rows["ada"]["notes"] == ""
    assert rows["bo"]["notes"] == "grader fault; the grader failed on this hand-in: RuntimeError: a bug in the grader"
    # One reason for every check of an exercise is said once, with the checks listed under it.
    emma = (tmp_path / "out" / "feedback" / "emma.md").read_text()
    assert emma.count("was found in your hand-in.") == 3 and "All 6 checks failed for one reason:" in emma
    assert "- `sigmoid_matches_torch`: 0 / 5.56\n" in emma
    sam = (tmp_path / "out" / "feedback" / "sam.md").read_text()
    assert sam.count("Python could not read the file") == 2  # in 01, and in 03 that builds on it
    assert "## 02_sigmoid: 33.33 / 33.33\n" in sam and "- `sigmoid_matches_torch`: 5.56 / 5.56 (passed)" in sam
    assert grading._cell("=HYPERLINK(x)") == "'=HYPERLINK(x)" and grading._cell("a\nb") == "a b"


def test_points_are_whole_cents_that_add_up_exactly_everywhere(graded: tuple, plan: grading.Plan) -> None:
    from decimal import Decimal

    from grader import gradescope

    assert rubric.split_cents(1000, [1, 1, 1]) == [334, 333, 333]
    assert rubric.split_cents(10000, [1] * 7) == [1429] * 4 + [1428] * 3
    out, results, _ = graded
    row = next(row for row in _rows(out) if row["learner"] == "layout")
    ids = [c.id for c in plan.checks]
    assert all(re.fullmatch(r"\d+(\.\d\d?)?", row[i]) for i in [*ids, *FAST]), row
    for exercise in FAST:
        assert sum(Decimal(row[c.id]) for c in plan.checks if c.exercise == exercise) == Decimal(row[exercise])
    assert sum(Decimal(row[i]) for i in ids) == sum(Decimal(row[e]) for e in FAST) == Decimal(row["total"]) == 100
    tests = gradescope.gradescope_results(results["layout"], plan)["tests"]
    assert sum(Decimal(str(t["max_score"])) for t in tests) == sum(Decimal(str(t["score"])) for t in tests) == 100
    assert all(re.fullmatch(r"\d+(\.\d\d?)?", str(t["max_score"])) for t in tests)
    assert grading.table([results["layout"]], plan).splitlines()[1].split()[1:] == ["14.29"] * 4 + ["14.28"] * 3 + [
        "100.00"
    ]
    feedback = (out / "feedback" / "layout.md").read_text()
    assert not re.search(r"\d\.\d{3}", feedback)  # no 3.3333


BONUS_CHECK = "01_neuron::layer_weighted_sums_keeps_float32"
BONUS_RUBRIC = f'total = 100\n[exercises]\n"01_neuron" = 1\n[bonus]\n"{BONUS_CHECK}" = 5\n'


def test_bonus_points_are_shown_as_bonus(tmp_path: Path) -> None:
    from grader import gradescope

    plan = grading.build_plan(rubric.parse(BONUS_RUBRIC), seed=3)
    handin = _handin(tmp_path / "ada", solution_text("01_neuron"))
    (result,) = grading.grade([grading.Submission("ada", handin)], tmp_path / "out", plan, jobs=1, first_slot=SLOT)
    text = (tmp_path / "out" / "feedback" / "ada.md").read_text()
    assert "**Total: 105 / 100 (bonus included: 5 / 5)**" in text
    assert "## 01_neuron: 100 / 100 (+ bonus 5 / 5)" in text
    assert "- `layer_weighted_sums_keeps_float32` (bonus): 5 / 5 (passed)" in text
    assert "- `weighted_sum_matches_torch`: 50 / 50 (passed)" in text
    # Written again from results.json's header (merge), it reads the same.
    layout = grading.Layout.from_header(json.loads((tmp_path / "out" / "results.json").read_text()))
    assert grading.feedback(result, layout) == text
    converted = gradescope.gradescope_results(result, layout)
    names = [t["name"] for t in converted["tests"]]
    assert [name.split(" (")[0] for name in names if "(bonus)" in name] == [
        "01_neuron: layer_weighted_sums_keeps_float32"
    ]
    assert "01_neuron: 100 / 100 (+ bonus 5 / 5)" in converted["output"]


def test_a_result_of_other_settings_is_told_what_differs(tmp_path: Path) -> None:
    one_exercise = grading.build_plan(rubric.parse(ONE_EXERCISE_RUBRIC), seed=3)
    out = tmp_path / "out"
    handin = _handin(tmp_path / "handin", solution_text("01_neuron"))
    grading.grade([grading.Submission("ada", handin)], out, one_exercise, jobs=1, first_slot=SLOT)
    saved = json.loads((out / "results" / "ada.json").read_text())
    saved["settings"]["grader"], saved["fingerprint"] = "an edited grader", "another key"
    (out / "results" / "ada.json").write_text(json.dumps(saved))
    longer = grading.build_plan(rubric.parse(ONE_EXERCISE_RUBRIC + "[limits]\nseconds = 30\n"), seed=3)
    grading.grade([grading.Submission("bo", handin)], out, longer, jobs=1, first_slot=SLOT)
    lines: list[str] = []
    grading.grade([grading.Submission("cy", handin)], out, one_exercise, jobs=1, progress=lines.append, first_slot=SLOT)
    assert any(
        line.endswith(
            "not in this gradebook: ada (another grader version); bo (other limits); grade them again with these "
            "settings, or use a new --out"
        )
        for line in lines
    ), lines
    settings = one_exercise.settings
    assert grading.what_differs(settings, settings) == "another seed"  # nothing else: the key holds the seed
    assert grading.what_differs({**settings, "rubric": "x"}, settings) == "another rubric"
    assert grading.what_differs(None, settings) == "another grader version"  # saved by an older grader
    assert set(saved["settings"]) == {"version", "rubric", "limits", "grader"}  # not the secret seed


def test_only_the_modules_that_decide_scores_are_in_the_grader_digest(tmp_path: Path) -> None:
    copy = tmp_path / "grader"
    shutil.copytree(grading.GRADER_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    before = grading.source_digest(copy)
    for name in grading.NOT_SCORING:
        with (copy / name).open("a") as file:
            file.write("\n# edited\n")
    assert grading.source_digest(copy) == before  # e.g. a fixed typo in the command line's help
    with (copy / "checks" / "neuron.py").open("a") as file:
        file.write("\n# edited\n")
    assert grading.source_digest(copy) != before
    assert not set(grading.RUNTIME_FILES) & set(grading.NOT_SCORING)
    # Grading (the plan, the checks, the intake, the worker) imports none of the modules left out.
    code = (
        "import sys\nfrom grader import grading, handin, rubric, worker\n"
        "grading.build_plan(rubric.load(), 0)\nprint(' '.join(sorted(sys.modules)))"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    assert "grader.checks.training" in loaded
    assert not {f"grader.{name.removesuffix('.py')}" for name in grading.NOT_SCORING} & loaded


def test_show_takes_the_name_as_handed_in_and_is_checked_before_grading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from grader import cli

    rubric_path = tmp_path / "rubric.toml"
    rubric_path.write_text(ONE_EXERCISE_RUBRIC + '[limits.seconds_per_exercise]\n"01_neuron" = 600\n')
    batch = tmp_path / "batch"
    for name in ("Zoë Müller", "bo"):
        _handin(batch / name, solution_text("01_neuron"))
    out = tmp_path / "out"
    command = ["grade", str(batch), "--each", "--out", str(out), "--rubric", str(rubric_path), "-j", "2"]
    command += ["--first-slot", str(SLOT), "--timeout", "20"]
    assert cli.main([*command, "--show", "Zoe Muller"]) == 1
    error = capsys.readouterr().err
    assert error == (
        "error: --show Zoe Muller (learner Zoe_Muller): no such learner in this run (did you mean Zoë_Müller?)\n"
    )
    assert not out.exists()  # refused before anything was graded
    assert cli.main([*command, "--show", unicodedata.normalize("NFD", "Zoë Müller")]) == 0  # typed on a Mac
    printed = capsys.readouterr()
    assert "# Feedback for Zoë_Müller" in printed.out
    assert cli.PUBLIC_SEED in printed.err and "pass --seed-file FILE" in cli.PUBLIC_SEED
    assert "--timeout 20 s replaces every time limit of the rubric, also 01_neuron's 600 s" in printed.err
    with pytest.raises(SystemExit):
        cli.main(["grade", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "also 08_training's 600 s for MNIST" in help_text and "a slice may be empty" in help_text


def test_a_seed_learners_could_find_is_warned_of() -> None:
    from grader import cli

    assert cli.seed_warning(0) == cli.PUBLIC_SEED
    small = cli.seed_warning(20261125)
    assert small is not None and small.startswith("warning: the seed is small (8 digits)")
    assert "secrets.randbits(64)" in small and "--seed-file SEED" in small
    assert cli.seed_warning(2**63 + 12345) is None  # what the suggested command makes, most of the time
    big = 2**64 - 1
    # A seed that large draws cases as any other.
    assert [c.id for c in grading.build_plan(rubric.parse(FAST_RUBRIC), seed=big).checks]


def test_a_threshold_written_as_a_percentage_is_told_how_to_write_it() -> None:
    with pytest.raises(rubric.RubricError, match=r"not 90 \(write 0\.90 for 90%\)$"):
        rubric.parse("[thresholds]\ntraining_accuracy = 90\n")
