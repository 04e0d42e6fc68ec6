"""Grading inside Gradescope: the results format, `grade --gradescope`, and the autograder zip.

The zip is built with the command line, unpacked into a fake ``/autograder`` tree in a temporary
folder (``$NNKATA_AUTOGRADER_ROOT``), and its ``run_autograder`` grades a real hand-in there, as
Gradescope's harness would, through the grader's sandbox.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from grader import gradescope, grading, rubric
from grader.calling import module_name

REPO = Path(__file__).resolve().parent.parent
# Sandbox slots of its own: test_grading uses 100-101 and 150-151, test_hostile_grading 110-149.
SLOT = 160
EXERCISES = ["01_neuron", "02_sigmoid"]
RUBRIC = "total = 100\n[exercises]\n" + "".join(f'"{e}" = 1\n' for e in EXERCISES) + "[limits]\nseconds = 20\n"
# Distinctive enough to be searched for in what the learner is shown.
SEED = 12_029_384_756_109_283_746  # large, as a secret seed should be (a small one is warned of)


def module_text(tree: str, exercise: str) -> str:
    return (REPO / tree / exercise / f"{module_name(exercise)}.py").read_text()


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def rubric_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("rubric") / "rubric.toml"
    path.write_text(RUBRIC)
    return path


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory, rubric_file: Path) -> Path:
    """The autograder zip, made by `python -m grader gradescope` with the seed in a file."""
    folder = tmp_path_factory.mktemp("bundle")
    (folder / "seed.txt").write_text(f"{SEED}\n")
    done = run_cli(
        "gradescope", "--out", str(folder / "autograder.zip"), "--rubric", str(rubric_file), "--seed-file",
        str(folder / "seed.txt"),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "wrote" in done.stdout and "out of 100 points" in done.stdout
    assert "warning" not in done.stderr  # a secret seed was given
    return folder / "autograder.zip"


def unpack(archive: Path, destination: Path) -> None:
    """Extract like Gradescope does, keeping the members' Unix modes (zipfile alone drops them)."""
    with zipfile.ZipFile(archive) as z:
        for info in z.infolist():
            target = Path(z.extract(info, destination))
            target.chmod(stat.S_IMODE(info.external_attr >> 16))


def test_the_zip_holds_what_gradescope_runs(bundle: Path) -> None:
    import torch

    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
        modes = {i.filename: stat.S_IMODE(i.external_attr >> 16) for i in z.infolist()}
        text = {name: z.read(name).decode() for name in ("setup.sh", "run_autograder", "seed", "constraints.txt")}
        assert z.read("rubric.toml").decode() == RUBRIC
    assert {
        "setup.sh",
        "run_autograder",
        "pyproject.toml",
        "LICENSE",
        "grader/cli.py",
        "grader/checks/__init__.py",
    } <= names
    assert modes["setup.sh"] == modes["run_autograder"] == 0o755 and modes["seed"] == 0o600
    assert text["seed"].strip() == str(SEED)
    assert f"torch=={torch.__version__.split('+')[0]}" in text["constraints.txt"].splitlines()
    assert not any(name.startswith(("solutions/", "tests/", "data/")) for name in names)  # no MNIST for this rubric
    assert stat.S_IMODE(bundle.stat().st_mode) == 0o600  # the zip holds the seed
    for script in ("setup.sh", "run_autograder"):
        assert text[script].startswith("#!/usr/bin/env bash\n")
        syntax = subprocess.run(["bash", "-n"], input=text[script], capture_output=True, text=True, check=False)
        assert syntax.returncode == 0, (script, syntax.stderr)
    assert "--constraint" in text["setup.sh"] and '"$SOURCE"' in text["setup.sh"]
    assert "--seed-file" in text["run_autograder"] and str(SEED) not in text["run_autograder"]
    assert "--gradescope-visibility visible" in text["run_autograder"]


def test_the_zip_is_the_same_bytes_every_time_and_written_atomically(bundle: Path, tmp_path: Path) -> None:
    again = gradescope.build_autograder(tmp_path / "again.zip", rubric.parse(RUBRIC), SEED)
    assert again.path.read_bytes() == bundle.read_bytes()
    assert again.checks == len(grading.build_plan(rubric.parse(RUBRIC), SEED).checks) and again.total == 100
    # A write that fails half-way leaves the previous zip as it was, and no temporary file.
    before = again.path.read_bytes()
    with pytest.raises(TypeError):
        gradescope.write_zip(again.path, {"a.txt": (b"fine", 0o644), "b.txt": (None, 0o644)})  # type: ignore[dict-item]
    assert again.path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["again.zip"]
    hidden = gradescope.build_autograder(tmp_path / "hidden.zip", rubric.parse(RUBRIC), SEED, visibility="hidden")
    with zipfile.ZipFile(hidden.path) as z:
        assert "--gradescope-visibility hidden" in z.read("run_autograder").decode()
    hidden.path.unlink()
    with pytest.raises(gradescope.GradescopeError, match="grades no check"):
        gradescope.build_autograder(tmp_path / "none.zip", rubric.Rubric(exercises={"no_such": 1.0}), SEED)
    assert not (tmp_path / "none.zip").exists()


def test_a_rubric_that_trains_on_mnist_carries_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from grader import mnist

    training = rubric.parse('[exercises]\n"08_training" = 1\n')
    if mnist.find_data_dir() is None:
        pytest.skip("MNIST is not on this machine")
    built = gradescope.build_autograder(tmp_path / "mnist.zip", training, SEED)
    assert built.needs_mnist
    # Gradescope's timeout must cover training up to its limit, or it ends with no result at all.
    assert built.worst_seconds == training.seconds_for("08_training")
    bundled = {name.removesuffix(".gz").rsplit("/", 1)[1] for name in built.members if name.startswith("data/")}
    assert bundled == {*mnist.FILES["train"], *mnist.FILES["test"]}
    # Without MNIST here, the zip is refused with what to do, rather than built without it.
    monkeypatch.setattr(mnist, "find_data_dir", lambda split=None: None)
    with pytest.raises(gradescope.GradescopeError, match="download-mnist"):
        gradescope.build_autograder(tmp_path / "without.zip", training, SEED)
    assert not (tmp_path / "without.zip").exists()


def test_a_rubric_of_a_later_exercise_carries_the_reference_solutions_it_may_import(tmp_path: Path) -> None:
    week = rubric.parse('total = 20\n[exercises]\n"03_feedforward" = 1\n')
    with zipfile.ZipFile(gradescope.build_autograder(tmp_path / "week.zip", week, SEED).path) as z:
        carried = sorted(name for name in z.namelist() if name.startswith("solutions/"))
    assert carried == ["solutions/01_neuron/neuron.py", "solutions/02_sigmoid/sigmoid.py"]


def test_run_autograder_grades_the_submission_in_a_fake_autograder_tree(bundle: Path, tmp_path: Path) -> None:
    root = tmp_path / "autograder"
    unpack(bundle, root / "source")
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")  # what Gradescope's image build does
    secrets = [str(root / "source" / "seed"), str(root / "source" / "rubric.toml")]
    # A learner who finished 01 (and whose code gives a wrong answer if it can read the seed or
    # the rubric) and left 02 as the stub.
    probe = (
        "\n\nimport os as _os\n\n"
        f"if any(_os.access(_path, _os.R_OK) for _path in {secrets!r}):\n\n"
        "    def weighted_sum(weights, activations, bias):  # the secret was readable: answer wrongly\n"
        "        return 0.0\n"
    )
    (root / "submission" / "01_neuron").mkdir(parents=True)
    (root / "submission" / "01_neuron" / "neuron.py").write_text(module_text("solutions", "01_neuron") + probe)
    (root / "submission" / "sigmoid.py").write_text(module_text("exercises", "02_sigmoid"))
    env = {**os.environ, "NNKATA_AUTOGRADER_ROOT": str(root), "NNKATA_PYTHON": sys.executable}
    env["NNKATA_FIRST_SLOT"] = str(SLOT)
    done = subprocess.run(
        [str(root / "run_autograder")], cwd=root, env=env, capture_output=True, text=True, timeout=180, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr

    text = (root / "results" / "results.json").read_text()
    results = json.loads(text)
    assert results["score"] == 50
    assert {"score", "execution_time", "output", "visibility", "stdout_visibility", "tests"} <= set(results)
    assert results["visibility"] == "visible" and results["stdout_visibility"] == "hidden"
    assert "Total: 50 / 100" in results["output"] and "isolation:" in results["output"]
    checks = grading.build_plan(rubric.parse(RUBRIC), SEED).checks
    assert len(results["tests"]) == len(checks)
    for test, check in zip(results["tests"], checks):
        assert {"name", "number", "score", "max_score", "status", "output", "visibility"} <= set(test)
        assert test["name"].startswith(f"{check.exercise}: {check.name}")
        if check.exercise == "01_neuron":
            assert test["status"] == "passed" and test["score"] == test["max_score"] > 0, test
        else:
            assert test["status"] == "failed" and test["score"] == 0 and "not written yet" in test["output"]
    assert sum(t["max_score"] for t in results["tests"]) == pytest.approx(100, abs=0.01)
    assert [t["number"] for t in results["tests"]][:2] == ["1.1", "1.2"]
    # The secret seed reaches neither the learner nor Gradescope's instructor log.
    assert str(SEED) not in text and str(SEED) not in done.stdout + done.stderr
    assert stat.S_IMODE((root / "source").stat().st_mode) == 0o700
    assert stat.S_IMODE((root / "source" / "seed").stat().st_mode) == 0o600
    # The instructor's own outputs are there too, out of the results folder Gradescope uploads.
    assert (root / "nnkata-out" / "gradebook.csv").is_file() and (root / "nnkata-out" / "feedback").is_dir()
    assert sorted(p.name for p in (root / "results").iterdir()) == ["results.json"]


def test_the_gradescope_format_of_a_result() -> None:
    plan = grading.build_plan(rubric.parse(RUBRIC), SEED)
    failed = grading.failed_result(grading.Submission("x", Path("x")), plan, "the grader could not read it")
    failed["notes"].append("notebook.ipynb is not a valid Jupyter notebook")
    converted = gradescope.gradescope_results(failed, plan, visibility="after_due_date")
    assert converted["score"] == 0 and converted["visibility"] == "after_due_date"
    assert "- notebook.ipynb is not a valid Jupyter notebook" in converted["output"]
    assert all(t["output"] == "the grader could not read it" for t in converted["tests"])
    assert all(t["visibility"] == "after_due_date" and t["status"] == "failed" for t in converted["tests"])
    assert json.loads(json.dumps(converted)) == converted  # plain JSON
    with pytest.raises(gradescope.GradescopeError, match="visibility must be one of"):
        gradescope.gradescope_results(failed, plan, visibility="public")


def test_grade_writes_one_gradescope_file_per_learner_or_refuses(tmp_path: Path, rubric_file: Path) -> None:
    batch = tmp_path / "batch"
    for learner in ("ada", "bo"):
        (batch / learner).mkdir(parents=True)
        (batch / learner / "neuron.py").write_text(module_text("solutions", "01_neuron"))
    # One file for two learners: refused before anything is graded.
    refused = run_cli(
        "grade", str(batch), "--each", "--out", str(tmp_path / "out"), "--rubric", str(rubric_file),
        "--gradescope", str(tmp_path / "results.json"), "--first-slot", str(SLOT),
    )  # fmt: skip
    assert refused.returncode == 1 and "Gradescope grades one submission per container" in refused.stderr
    assert not (tmp_path / "out").exists()
    # A folder: one file each.
    done = run_cli(
        "grade", str(batch), "--each", "--out", str(tmp_path / "out"), "--rubric", str(rubric_file),
        "--seed", "3", "--gradescope", f"{tmp_path / 'gradescope'}/", "-j", "2", "--first-slot", str(SLOT),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    checks = grading.build_plan(rubric.parse(RUBRIC), 0).checks
    for learner in ("ada", "bo"):
        results = json.loads((tmp_path / "gradescope" / f"{learner}.json").read_text())
        assert results["score"] == 50 and len(results["tests"]) == len(checks)


def test_the_public_seed_is_warned_of_as_grade_does(tmp_path: Path, rubric_file: Path) -> None:
    from grader import cli

    done = run_cli("gradescope", "--out", str(tmp_path / "autograder.zip"), "--rubric", str(rubric_file))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [cli.PUBLIC_SEED]  # recommends --seed-file, as `grade` does
