"""A learner who only ever opens the generated notebooks is graded like everyone else.

The hand-ins below are the committed notebooks of ``exercises/``, worked on the way notebook
learners do: the exercise cell filled in, a module pasted into a new cell under the untouched
stub, or every notebook merged into one and saved by an older JupyterLab. The ``.py`` stubs
beside them are left untouched, so the grader has to find the work in the notebooks.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import nbformat
import pytest

from grader import grading, rubric
from grader.calling import NOTEBOOK_METADATA_KEY
from tests.conftest import EXERCISES_DIR, solution_text
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


# ----------------------------------------------------------------------------------------------
# Notebook hand-ins as instructors found them: feedback names the notebook, its cell and line; a
# notebook the grader cannot read is said to be so (not graded as the stub beside it) and flagged;
# plots saved in a notebook are fine; the learner's own code in the setup and tests cells counts.

PROBLEMS_RUBRIC = (
    "total = 100\n[exercises]\n"
    + "".join(f'"{e}" = 1\n' for e in ("01_neuron", "02_sigmoid", "03_feedforward", "04_parameters", "07_pooling"))
    + "[limits]\nseconds = 30\n"
)


def cell_of(notebook: nbformat.NotebookNode, role: str) -> nbformat.NotebookNode:
    return next(c for c in notebook.cells if c.metadata.get(NOTEBOOK_METADATA_KEY, {}).get("role") == role)


def filled(exercise: str, source: str | None = None) -> nbformat.NotebookNode:
    notebook = nbformat.read(notebook_path(EXERCISES_DIR, exercise), as_version=4)
    cell_of(notebook, "exercise").source = solution_text(exercise) if source is None else source
    return notebook


def problem_handins(root: Path) -> dict[str, Path]:
    handins = {}
    # hana: a cell of her own below the exercise uses Markdown without importing it.
    notebook = filled("04_parameters")
    broken = nbformat.v4.new_code_cell("x = 1\ny = 2\nmd = Markdown('hello')\n")
    notebook.cells.insert(notebook.cells.index(cell_of(notebook, "exercise")) + 1, broken)
    (root / "hana").mkdir()
    nbformat.write(notebook, root / "hana" / "parameters.ipynb")
    handins["hana"] = root / "hana"
    # zed: a zip of flat notebooks, layer_weighted_sums renamed in neuron.ipynb.
    renamed = solution_text("01_neuron").replace("def layer_weighted_sums", "def layer_weighted_sum")
    with zipfile.ZipFile(root / "zed.zip", "w") as archive:
        for exercise in ("01_neuron", "02_sigmoid", "03_feedforward"):
            notebook = filled(exercise, renamed if exercise == "01_neuron" else None)
            archive.writestr(notebook_path(Path(), exercise).name, nbformat.writes(notebook))
    handins["zed"] = root / "zed.zip"
    # kim: one notebook with three exercises; sigmoid's cell runs a name never defined.
    merged = nbformat.v4.new_notebook()
    for exercise in ("01_neuron", "02_sigmoid", "03_feedforward"):
        extra = "\n\nboom = undefined_name + 1\n" if exercise == "02_sigmoid" else ""
        merged.cells.extend(filled(exercise, solution_text(exercise) + extra).cells)
    (root / "kim").mkdir()
    nbformat.write(merged, root / "kim" / "kata.ipynb")
    handins["kim"] = root / "kim"
    # ola: 2.4 MB of plots saved in her pooling notebook (the limit of a module is 2 MiB).
    notebook = filled("07_pooling")
    for number in range(30):
        plot = nbformat.v4.new_code_cell("plt.imshow(x)")
        png = (bytes(range(256)) * 235 + bytes([number])).hex()[:80_000]
        plot.outputs = [nbformat.v4.new_output("display_data", data={"image/png": png})]
        notebook.cells.append(plot)
    (root / "ola").mkdir()
    nbformat.write(notebook, root / "ola" / "pooling.ipynb")
    # pia: her pooling notebook was cut short in the upload, beside the untouched stub.
    (root / "pia").mkdir()
    text = nbformat.writes(filled("07_pooling"))
    (root / "pia" / "pooling.ipynb").write_text(text[: len(text) // 2])
    shutil.copy(EXERCISES_DIR / "07_pooling" / "pooling.py", root / "pia" / "pooling.py")
    handins["ola"], handins["pia"] = root / "ola", root / "pia"
    # ron: numpy imported in the setup cell, a helper in the tests cell.
    work = solution_text("02_sigmoid").replace("import numpy as np\n", "")
    assert "return s * (1 - s)" in work
    notebook = filled("02_sigmoid", work.replace("return s * (1 - s)", "return helper(s)"))
    cell_of(notebook, "setup").source = "import numpy as np\n" + cell_of(notebook, "setup").source
    cell_of(notebook, "tests").source = "def helper(s):\n    return s * (1 - s)\n\n" + cell_of(notebook, "tests").source
    (root / "ron").mkdir()
    nbformat.write(notebook, root / "ron" / "sigmoid.ipynb")
    handins["ron"] = root / "ron"
    # tia: the session's report kept in the tests cell and asserted on; the setup's result used.
    notebook = filled("02_sigmoid")
    setup, tests = cell_of(notebook, "setup"), cell_of(notebook, "tests")
    setup.source = setup.source.replace(
        'setup_notebook("02_sigmoid");', 'modules = setup_notebook("02_sigmoid")\nroot = modules.impl_root'
    )
    tests.source = tests.source.replace(
        'run_checks("02_sigmoid", globals());', 'report = run_checks("02_sigmoid", globals())\nassert report.ok'
    )
    (root / "tia").mkdir()
    nbformat.write(notebook, root / "tia" / "sigmoid.ipynb")
    handins["tia"] = root / "tia"
    return handins


@pytest.fixture(scope="module")
def problems_graded(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, dict], list[str], Path]:
    root = tmp_path_factory.mktemp("notebook-problems")
    plan = grading.build_plan(rubric.parse(PROBLEMS_RUBRIC), seed=5)
    submissions = [grading.Submission(name, path) for name, path in problem_handins(root).items()]
    results = grading.grade(submissions, root / "out", plan, jobs=2, first_slot=SLOT)
    return {r["learner"]: r for r in results}, grading.needs_a_look(results), root / "out"


def messages(result: dict, exercise: str) -> set[str]:
    return {check["message"] for check in result["exercises"][exercise]["checks"].values()}


def problem(result: dict, exercise: str) -> str:
    """Why every check of ``exercise`` failed, which each of its checks' messages says too."""
    report = result["exercises"][exercise]
    assert all(report["problem"] in message for message in messages(result, exercise))
    return report["problem"]


def test_feedback_names_the_notebook_its_code_cell_and_line(problems_graded: tuple) -> None:
    results, _, out = problems_graded
    hana = problem(results["hana"], "04_parameters")
    assert hana.startswith("parameters.ipynb could not be imported: importing parameters raised NameError: name ")
    assert "(code cell 3, line 3 of parameters.ipynb, in <module>: `md = Markdown('hello')`)" in hana
    assert "parameters.py" not in (out / "feedback" / "hana.md").read_text()
    assert problem(results["zed"], "03_feedforward") == (
        "feedforward.ipynb could not be imported: it builds on exercise 01_neuron, which fails first: "
        "neuron.ipynb has no function layer_weighted_sums, which feedforward imports from it: check its name there"
    )
    assert any("neuron.ipynb has no function `layer_weighted_sums`" in m for m in messages(results["zed"], "01_neuron"))
    sigmoid = solution_text("02_sigmoid") + "\n\nboom = undefined_name + 1\n"
    line = sigmoid.split("\n").index("boom = undefined_name + 1") + 1
    kim = problem(results["kim"], "02_sigmoid")
    assert f"(code cell 5, line {line} of kata.ipynb, in <module>: `boom = undefined_name + 1`)" in kim
    assert kim.startswith("kata.ipynb could not be imported")
    assert problem(results["kim"], "03_feedforward").startswith("kata.ipynb could not be imported: it builds on")


def test_a_notebook_with_plots_is_graded_and_one_cut_short_is_flagged(problems_graded: tuple) -> None:
    results, look, _ = problems_graded
    assert results["ola"]["exercises"]["07_pooling"]["score"] == 20 and results["ola"]["notes"] == []
    pia = problem(results["pia"], "07_pooling")
    assert pia.startswith(
        "pooling.ipynb could not be read by the grader, so none of its code was graded: "
        "it is not a valid Jupyter notebook ("
    )
    assert not any("not written yet" in m for m in messages(results["pia"], "07_pooling"))
    assert results["pia"]["exercises"]["07_pooling"]["cause"] == "could not read"
    assert "  pia: nothing found for 01, 02, 03, 04; could not read 07 (pooling.ipynb)" in look


def test_code_in_the_setup_and_tests_cells_is_the_learners_too(problems_graded: tuple) -> None:
    results, _, _ = problems_graded
    ron = results["ron"]["exercises"]["02_sigmoid"]
    assert ron["score"] == 20, [c["message"] for c in ron["checks"].values() if c["message"]][:2]
    # A line of hers that needs one of nnkata's (left out, so not run) is left out too, and named.
    tia = results["tia"]["exercises"]["02_sigmoid"]
    assert tia["score"] == 20, [c["message"] for c in tia["checks"].values() if c["message"]][:2]
    assert [note.split(": your ")[0] for note in results["tia"]["notes"]] == [
        "code cell 1 of sigmoid.ipynb, nnkata's setup cell",
        "code cell 3 of sigmoid.ipynb, nnkata's tests cell",
    ]
    assert "as it uses `report`, which only code the grader leaves out there defines" in results["tia"]["notes"][1]


# ----------------------------------------------------------------------------------------------
# Notebooks as they come back from Colab: its setup lines at the top, comparisons with PyTorch in
# cells of the learner's own, cell metadata gone (cells pasted into a new notebook).

COLAB_RUBRIC = 'total = 100\n[exercises]\n"01_neuron" = 1\n"02_sigmoid" = 1\n[limits]\nseconds = 30\n'
COLAB_SETUP = "from google.colab import drive\ndrive.mount('/content/drive')"
COMPARISON = (
    "import torch\n"
    "z = np.linspace(-5, 5, 7)\n"
    "expected = torch.sigmoid(torch.tensor(z)).numpy()\n"
    "def close(mine):\n    return np.allclose(mine, expected)\n"
    "print(close(sigmoid(z)))"
)


def colab_handins(root: Path) -> dict[str, Path]:
    handins = {}
    # wes: Colab's lines at the top, torch in a cell of his own; xia: the same, but her sigmoid_prime calls close.
    for name, work in (
        ("wes", solution_text("02_sigmoid")),
        ("xia", solution_text("02_sigmoid").replace("    return s * (1 - s)", "    close(s)\n    return s * (1 - s)")),
    ):
        (root / name).mkdir()
        for exercise in ("01_neuron", "02_sigmoid"):
            notebook = filled(exercise, work if exercise == "02_sigmoid" else None)
            notebook.cells.insert(0, nbformat.v4.new_code_cell(COLAB_SETUP))
            if exercise == "02_sigmoid":
                notebook.cells.insert(notebook.cells.index(cell_of(notebook, "exercise")) + 1, new_cell(COMPARISON))
            nbformat.write(notebook, root / name / notebook_path(Path(), exercise).name)
        handins[name] = root / name
    assert "close(s)" in (root / "xia" / "sigmoid.ipynb").read_text()
    # pia: the generated notebooks, filled, with every cell's metadata gone; no .py beside them.
    (root / "pia").mkdir()
    for exercise in ("01_neuron", "02_sigmoid"):
        notebook = filled(exercise)
        for cell in notebook.cells:
            cell.metadata = {}
        notebook.metadata = nbformat.from_dict({"colab": {"provenance": []}})
        nbformat.write(notebook, root / "pia" / notebook_path(Path(), exercise).name)
    handins["pia"] = root / "pia"
    # fay: the setup and check cells copied into a new notebook, her work pasted between them.
    (root / "fay").mkdir()
    for exercise in ("01_neuron", "02_sigmoid"):
        generated = filled(exercise)
        fresh = nbformat.v4.new_notebook()
        fresh.cells = [
            new_cell(cell_of(generated, "setup").source),
            new_cell(solution_text(exercise)),
            new_cell(cell_of(generated, "tests").source),
        ]
        nbformat.write(fresh, root / "fay" / notebook_path(Path(), exercise).name)
    handins["fay"] = root / "fay"
    return handins


def new_cell(source: str) -> nbformat.NotebookNode:
    return nbformat.v4.new_code_cell(source)


@pytest.fixture(scope="module")
def colab_graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict]:
    root = tmp_path_factory.mktemp("colab")
    plan = grading.build_plan(rubric.parse(COLAB_RUBRIC), seed=5)
    submissions = [grading.Submission(name, path) for name, path in colab_handins(root).items()]
    return {r["learner"]: r for r in grading.grade(submissions, root / "out", plan, jobs=2, first_slot=SLOT)}


@pytest.mark.parametrize("learner", ["wes", "pia", "fay"])
def test_colabs_setup_torch_comparisons_and_lost_metadata_cost_nothing(colab_graded: dict, learner: str) -> None:
    result = colab_graded[learner]
    assert result["total"] == pytest.approx(100), failures(result)[:2]
    assert result["notes"] == []


def test_an_exercise_function_that_uses_torch_through_a_helper_gets_no_marks(colab_graded: dict) -> None:
    xia = colab_graded["xia"]
    assert xia["exercises"]["01_neuron"]["score"] == pytest.approx(50)
    assert xia["exercises"]["02_sigmoid"]["score"] == 0
    line = solution_text("02_sigmoid").split("\n").index("def sigmoid_prime(z):") + 1
    assert problem(xia, "02_sigmoid") == (
        f"sigmoid.ipynb imports torch, and `sigmoid_prime` uses it through `close` (code cell 3, line {line} of "
        "sigmoid.ipynb): write the exercises with NumPy only (the grader runs your code where no other library "
        "can be imported)."
    )
