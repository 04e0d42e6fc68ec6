"""The example hand-ins of examples/submissions/ grade as examples/README.md says they do.

They are graded once, with the command examples/README.md gives (``grade examples/submissions
--each``, two at a time), and the default rubric when MNIST is on this machine. Without MNIST the
grader cannot run exercise 08's training check, so the rubric is the default one without 08, and
the claims about 08 are skipped; every other claim is stated relative to the rubric's points.
"""

from __future__ import annotations

import ast
import csv
import json
import re
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from grader import handin
from grader.calling import EXERCISES, module_name

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples"
SUBMISSIONS = EXAMPLES / "submissions"
SLOT = 170  # sandbox slots of its own (see test_grading.SLOT and test_hostile_grading.SLOT)
LEARNERS = ["ada_complete", "ben_half_finished", "cy_typical_bugs", "dee_notebook", "eve_flat"]

# cy's planted mistakes: (check, phrase of the message that names it). The phrases are those the
# checks print, the same that tests/mutants/ expect of the mutants with these mistakes.
CY_MISTAKES = {
    "01_neuron::weighted_sum_matches_torch": "leaves out the bias",
    "01_neuron::layer_weighted_sums_matches_torch_linear": "your result equals Wᵀ·a + b",
    "05_backprop::backprop_matches_autograd": "the sum over the mini-batch",
    "06_convolution::convolve2d_matches_torch": "the kernel flipped",
}
# ... the other checks its bugs fail: the same mistakes seen in float32, and 08 calling backprop.
CY_ALSO_FAILED = {
    "01_neuron::layer_weighted_sums_keeps_float32",
    "05_backprop::backprop_keeps_float32",
    "06_convolution::convolve2d_keeps_float32",
    "08_training::sgd_step_matches_torch_sgd",
    "08_training::train_matches_torch_sgd",
    "08_training::train_learns_mnist",
}
EVE_DONE = ["01_neuron", "02_sigmoid", "03_feedforward", "05_backprop", "07_pooling"]
EVE_MODULES = ["backprop", "feedforward", "neuron", "parameters", "pooling", "sigmoid"]


@dataclass
class Graded:
    out: Path
    results: dict[str, dict[str, Any]]
    total: float  # the rubric's total
    with_mnist: bool
    stdout: str

    def checks(self, learner: str) -> dict[str, dict[str, Any]]:
        return {i: c for e in self.results[learner]["exercises"].values() for i, c in e["checks"].items()}

    def max_of(self, learner: str, exercises: list[str]) -> float:
        return sum(self.results[learner]["exercises"][e]["max"] for e in exercises if e in self.exercises)

    @property
    def exercises(self) -> list[str]:
        return list(self.results["ada_complete"]["exercises"])


def mnist_here() -> bool:
    from grader import mnist

    return mnist.find_data_dir() is not None


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> Graded:
    root = tmp_path_factory.mktemp("examples")
    out = root / "out"
    command = [sys.executable, "-m", "grader", "grade", str(SUBMISSIONS), "--each", "--out", str(out)]
    command += ["-j", "2", "--first-slot", str(SLOT)]
    with_mnist = mnist_here()
    if not with_mnist:
        text = (REPO / "grader" / "rubric.toml").read_text(encoding="utf-8")
        without_training = re.sub(r'^"08_training" = .*$', "", text, count=1, flags=re.MULTILINE)
        assert without_training != text
        (root / "rubric.toml").write_text(without_training, encoding="utf-8")
        command += ["--rubric", str(root / "rubric.toml")]
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]
    everything = json.loads((out / "results.json").read_text(encoding="utf-8"))
    return Graded(out, everything["learners"], float(everything["total"]), with_mnist, done.stdout)


def needs_mnist(graded: Graded) -> None:
    if not graded.with_mnist:
        pytest.skip("MNIST is not on this machine: exercise 08 was not graded")


def test_every_example_gets_a_row_a_feedback_file_and_a_line_in_the_table(graded: Graded) -> None:
    with (graded.out / "gradebook.csv").open(encoding="utf-8-sig") as file:
        rows = list(csv.reader(file))
    assert [row[0] for row in rows[1:]] == LEARNERS
    for learner in LEARNERS:
        assert re.search(rf"^{learner} .*\d$", graded.stdout, re.MULTILINE), graded.stdout
        text = (graded.out / "feedback" / f"{learner}.md").read_text(encoding="utf-8")
        assert text.startswith(f"# Feedback for {learner}") and "isolation:" in text
        assert graded.results[learner]["notes"] == []  # every form was read without a complaint


def test_the_complete_folder_and_the_complete_notebook_get_full_marks(graded: Graded) -> None:
    for learner in ("ada_complete", "dee_notebook"):
        failed = {i: c["message"][:300] for i, c in graded.checks(learner).items() if not c["passed"]}
        assert failed == {}, learner
        assert graded.results[learner]["total"] == pytest.approx(graded.total)
    assert set(graded.results["dee_notebook"]["found"].values()) == {"dee_notebook.ipynb"}


def test_the_half_finished_folder_gets_exactly_the_points_of_01_to_04(graded: Graded) -> None:
    done = EXERCISES[:4]
    ben = graded.results["ben_half_finished"]
    assert ben["total"] == pytest.approx(graded.max_of("ben_half_finished", done), abs=0.01)
    for check_id, check in graded.checks("ben_half_finished").items():
        if check_id.split("::")[0] in done:
            assert check["passed"], check["message"]
        else:
            assert check["points"] == 0 and "is not written yet" in check["message"], check_id


def test_the_feedback_names_each_of_cys_planted_mistakes(graded: Graded) -> None:
    checks = graded.checks("cy_typical_bugs")
    feedback = (graded.out / "feedback" / "cy_typical_bugs.md").read_text(encoding="utf-8")
    for check_id, phrase in CY_MISTAKES.items():
        assert not checks[check_id]["passed"]
        assert phrase in checks[check_id]["message"], (check_id, checks[check_id]["message"])
        assert phrase in feedback
    failed = {i for i, c in checks.items() if not c["passed"]}
    assert failed == (set(CY_MISTAKES) | CY_ALSO_FAILED) & set(checks)
    cy = graded.results["cy_typical_bugs"]["exercises"]
    for exercise in ("02_sigmoid", "03_feedforward", "04_parameters", "07_pooling"):
        assert cy[exercise]["score"] == pytest.approx(cy[exercise]["max"])
    assert cy["01_neuron"]["score"] == 0


def test_cys_training_inherits_the_backprop_bug_and_earns_partial_credit(graded: Graded) -> None:
    needs_mnist(graded)
    learns = graded.checks("cy_typical_bugs")["08_training::train_learns_mnist"]
    assert 0 < learns["points"] < learns["max"]
    assert re.search(r"reads \d\d\.\d\d% of MNIST's test digits", learns["message"])
    for name in ("sgd_step_matches_torch_sgd", "train_matches_torch_sgd"):
        assert "values differ" in graded.checks("cy_typical_bugs")[f"08_training::{name}"]["message"]
    feedback = (graded.out / "feedback" / "cy_typical_bugs.md").read_text()
    training = feedback.split("## 08_training", 1)[1]
    assert "builds on your 05_backprop, which fails checks of its own: fix 05_backprop first" in training
    assert "builds on your" not in feedback.split("## 02_sigmoid", 1)[1].split("## 03", 1)[0]  # 02 is right


def test_the_zip_gets_the_points_of_the_exercises_it_holds(graded: Graded) -> None:
    eve = graded.results["eve_flat"]
    assert eve["total"] == pytest.approx(graded.max_of("eve_flat", EVE_DONE), abs=0.01)
    assert eve["found"] == {e: f"eve_kata/{module_name(e)}.py" for e in EXERCISES if module_name(e) in EVE_MODULES}
    for check_id, check in graded.checks("eve_flat").items():
        exercise = check_id.split("::")[0]
        if exercise in EVE_DONE:
            assert check["passed"], check["message"]
        elif exercise == "04_parameters":
            assert "is not written yet" in check["message"]
        else:
            assert check["message"] == f"nothing for exercise {exercise} was found in your hand-in."


def test_the_scores_in_the_examples_readme_are_the_graded_ones(graded: Graded) -> None:
    needs_mnist(graded)
    assert graded.total == 100  # the README's table is for the default rubric
    text = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `(\w+)` \|[^|]*\| *([\d.]+) *\|", text, re.MULTILINE))
    assert set(table) == set(LEARNERS)
    for learner, score in table.items():
        assert float(score) == pytest.approx(graded.results[learner]["total"], abs=0.005), learner


# ----------------------------------------------------------------------------------------------
# The hand-ins themselves (no grading)


def test_the_zip_is_small_dated_and_safe_to_extract() -> None:
    path = SUBMISSIONS / "eve_flat.zip"
    assert path.stat().st_size < 8 * 1024
    with zipfile.ZipFile(path) as archive:
        assert handin.check_zip(archive) == []
        assert archive.testzip() is None
        members = archive.infolist()
        assert {m.date_time for m in members} == {(2024, 11, 18, 21, 47, 0)}  # the bytes change only with content
        modules = sorted(m.filename for m in members if m.filename.endswith(".py") and "/." not in m.filename)
        assert modules == [f"eve_kata/{name}.py" for name in EVE_MODULES]
        for name in modules:
            tree = ast.parse(archive.read(name).decode("utf-8"), name)
            assert any(isinstance(node, ast.FunctionDef) for node in tree.body), name
        others = {m.filename for m in members} - set(modules)
        assert others == {
            "eve_kata/",
            "eve_kata/.DS_Store",
            "__MACOSX/",
            "__MACOSX/eve_kata/",
            "__MACOSX/eve_kata/._neuron.py",
        }


def test_the_notebook_is_saved_by_jupyter_with_every_check_cell_passing() -> None:
    import nbformat

    notebook = nbformat.read(SUBMISSIONS / "dee_notebook.ipynb", as_version=4)
    nbformat.validate(notebook)
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    assert all(cell.execution_count for cell in code)  # run top to bottom, outputs kept
    roles = [cell.metadata.get("nnkata", {}).get("role") for cell in code]
    assert roles.count("setup") == 1 and roles.count("exercise") == roles.count("tests") == len(EXERCISES)
    tests_outputs = ["".join(o.get("text", "") for o in c.outputs) for c, r in zip(code, roles) if r == "tests"]
    assert all(re.search(r"nnkata: all \d+ checks pass\n$", text) for text in tests_outputs), tests_outputs
    sources = "\n".join(cell.source for cell in code)
    for ipython in ("\n%timeit ", "%%time\n", "!python --version"):  # the grader must strip these
        assert ipython in "\n" + sources


def test_the_folders_are_the_learners_own_code_not_copies_of_the_solutions() -> None:
    for learner in ("ada_complete", "ben_half_finished", "cy_typical_bugs"):
        for exercise in EXERCISES:
            mine = SUBMISSIONS / learner / exercise / f"{module_name(exercise)}.py"
            assert mine.is_file(), mine
            for reference in (REPO / "solutions", REPO / "tests" / "independent"):
                theirs = reference / exercise / f"{module_name(exercise)}.py"
                if theirs.is_file():
                    assert mine.read_bytes() != theirs.read_bytes(), (mine, theirs)
