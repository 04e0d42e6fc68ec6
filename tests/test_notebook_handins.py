"""A learner who only ever opens the generated notebooks is graded like everyone else.

The hand-ins below are the committed notebooks of ``exercises/``, worked on the way notebook
learners do: the exercise cell filled in, a module pasted into a new cell under the untouched
stub, or every notebook merged into one and saved by an older JupyterLab. The ``.py`` stubs
beside them are left untouched, so the grader has to find the work in the notebooks.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest

from grader import grading, rubric
from grader.calling import NOTEBOOK_METADATA_KEY
from tests.conftest import solution_text
from tests.test_notebooks import copy_exercises, fill_notebook, notebook_path

# Training takes minutes and is graded from a notebook in tests/test_examples.py.
EXERCISES = ["01_neuron", "02_sigmoid", "03_feedforward", "04_parameters", "05_backprop", "07_pooling"]
RUBRIC = "total = 100\n[exercises]\n" + "".join(f'"{e}" = 1\n' for e in EXERCISES) + "[limits]\nseconds = 30\n"
SLOT = 230  # sandbox slots of its own (see test_grading.SLOT)


def exercise_cell_index(notebook: nbformat.NotebookNode) -> int:
    return next(
        i
        for i, cell in enumerate(notebook.cells)
        if cell.metadata.get(NOTEBOOK_METADATA_KEY, {}).get("role") == "exercise"
    )


def filled_folder(root: Path) -> Path:
    """exercises/ with every notebook's exercise cell holding the solution; the .py untouched."""
    folder = copy_exercises(root)
    for exercise in EXERCISES:
        fill_notebook(notebook_path(folder, exercise), exercise)
    return folder


def pasted_below(root: Path) -> Path:
    """exercises/ where each solution is pasted into a new cell under the untouched stub cell."""
    folder = copy_exercises(root)
    for exercise in EXERCISES:
        path = notebook_path(folder, exercise)
        notebook = nbformat.read(path, as_version=4)
        cell = nbformat.v4.new_code_cell(solution_text(exercise))
        cell.id = f"pasted-{exercise}"
        notebook.cells.insert(exercise_cell_index(notebook) + 1, cell)
        nbformat.write(notebook, path)
    return folder


def all_in_one(root: Path) -> Path:
    """Every filled notebook merged into one, saved as nbformat 4.4 with outputs (no cell ids)."""
    filled = filled_folder(root / "source")
    merged = nbformat.v4.new_notebook()
    for exercise in EXERCISES:
        merged.cells.extend(nbformat.read(notebook_path(filled, exercise), as_version=4).cells)
    for count, cell in enumerate(merged.cells, start=1):
        cell.pop("id", None)
        if cell.cell_type == "code":
            cell.execution_count = count
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="nnkata: all checks pass\n")]
    merged.nbformat_minor = 4
    merged.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    path = root / "kata.ipynb"
    nbformat.write(merged, path, version=nbformat.NO_CONVERT)
    return path


def only_notebooks(root: Path) -> Path:
    """The untouched notebooks alone, without the .py stubs."""
    folder = copy_exercises(root)
    for module in folder.glob("*/*.py"):
        module.unlink()
    return folder


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("notebook-handins")
    handins = {
        "filled": filled_folder(root / "filled"),
        "pasted_below": pasted_below(root / "pasted"),
        "all_in_one": all_in_one(root / "one"),
        "untouched": only_notebooks(root / "untouched"),
    }
    plan = grading.build_plan(rubric.parse(RUBRIC), seed=5)
    submissions = [grading.Submission(name, path) for name, path in handins.items()]
    results = grading.grade(submissions, root / "out", plan, jobs=2, first_slot=SLOT)
    shutil.rmtree(root / "one" / "source")
    return {r["learner"]: r for r in results}


def failures(result: dict) -> list[str]:
    return [c["message"] for e in result["exercises"].values() for c in e["checks"].values() if c["message"]]


@pytest.mark.parametrize("learner", ["filled", "pasted_below", "all_in_one"])
def test_worked_notebooks_get_full_marks(graded: dict[str, dict], learner: str) -> None:
    assert graded[learner]["total"] == pytest.approx(100), failures(graded[learner])[:2]


def test_the_all_in_one_notebook_was_read_as_saved(graded: dict[str, dict]) -> None:
    assert not graded["all_in_one"]["notes"] or all("not a valid" not in n for n in graded["all_in_one"]["notes"])


def test_untouched_notebooks_get_zero_with_the_friendly_message(graded: dict[str, dict]) -> None:
    untouched = graded["untouched"]
    assert untouched["total"] == 0
    assert all("not written yet" in m for m in failures(untouched)), failures(untouched)[:2]
