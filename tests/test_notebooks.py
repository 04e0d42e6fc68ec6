"""The generated notebooks: read back as learners save them, checked in-process, run in a real kernel."""

from __future__ import annotations

import ast
import contextlib
import copy
import io
import json
import linecache
import os
import re
import shutil
import subprocess
import sys
import types
from pathlib import Path

import nbformat
import pytest

from grader.calling import (
    API,
    NOTEBOOK_METADATA_KEY,
    code_cells,
    find_source,
    handed_out,
    handed_out_hash,
    handed_out_hashes,
    join_cells,
    module_name,
    notebook_code,
    numbered_code_cells,
)
from grader.checks import checks_of, exercises_with_checks
from grader.mnist import find_data_dir
from grader.notebook_support import (
    GRADER_RUNS,
    CheckResult,
    ChecksReport,
    exercises_root,
    run_checks,
    saved_notebook_notes,
    setup_notebook,
)
from grader.notebooks import for_notebook
from grader.pytest_plugin import Runner
from grader.release import released_exercises
from tests.conftest import EXERCISES_DIR, REPO, solution_text

# Released exercises with checks (a missing notebook is the release drift test's business).
CHECKED = [
    e
    for e in released_exercises(REPO)
    if e in exercises_with_checks() and (EXERCISES_DIR / e / f"{module_name(e)}.ipynb").is_file()
]


def notebook_path(root: Path, exercise: str) -> Path:
    return root / exercise / f"{module_name(exercise)}.ipynb"


def copy_exercises(tmp_path: Path) -> Path:
    root = tmp_path / "exercises"
    shutil.copytree(EXERCISES_DIR, root, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def fill_notebook(path: Path, exercise: str) -> None:
    """Put the solution module into the notebook's exercise cell, as a learner's finished work."""
    notebook = nbformat.read(path, as_version=4)
    cell = next(c for c in notebook.cells if c.metadata.get(NOTEBOOK_METADATA_KEY, {}).get("role") == "exercise")
    cell.source = solution_text(exercise)
    nbformat.write(notebook, path)


# ----------------------------------------------------------------------------------------------
# Reading notebooks as JupyterLab saves them


def jupyterlab_notebook(code_cells: list[tuple[str, str | None]]) -> dict:
    """A notebook as an older JupyterLab saves it: nbformat 4.4, no cell ids, outputs, counts."""
    cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# Exercise\n", "Read me."]}]
    for count, (source, role) in enumerate(code_cells, start=1):
        metadata: dict = {"collapsed": False, "jupyter": {"outputs_hidden": False}, "tags": ["x"]}
        if role:
            metadata[NOTEBOOK_METADATA_KEY] = {"role": role}
        cells.append(
            {
                "cell_type": "code",
                "execution_count": count,
                "metadata": metadata,
                "outputs": [
                    {"name": "stdout", "output_type": "stream", "text": ["printed\n"]},
                    {
                        "data": {"text/plain": ["42"]},
                        "execution_count": count,
                        "metadata": {},
                        "output_type": "execute_result",
                    },
                ],
                "source": source.splitlines(keepends=True),
            }
        )
    cells.append({"cell_type": "raw", "metadata": {}, "source": "not python at all"})
    return {
        "cells": cells,
        "metadata": {
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
            "language_info": {
                "codemirror_mode": {"name": "ipython", "version": 3},
                "file_extension": ".py",
                "mimetype": "text/x-python",
                "name": "python",
                "nbconvert_exporter": "python",
                "pygments_lexer": "ipython3",
                "version": "3.11.4",
            },
            "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}, "version_major": 2}},
            "toc-autonumbering": True,
        },
        "nbformat": 4,
        "nbformat_minor": 4,
    }


def test_notebook_code_reads_a_jupyterlab_saved_notebook(tmp_path):
    path = tmp_path / "neuron.ipynb"
    notebook = jupyterlab_notebook(
        [
            ("from grader.notebook_support import setup_notebook\nsetup_notebook('01_neuron')", "setup"),
            ("%load_ext autoreload\n!pip install numpy\n" + solution_text("01_neuron"), "exercise"),
            ("%%timeit\nweighted_sum(1, 2, 3)", None),
            ("print(weighted_sum([1.0], [2.0], 3.0))", None),
            ("run_checks('01_neuron', globals())", "tests"),
        ]
    )
    nbformat.validate(nbformat.reads(json.dumps(notebook), as_version=nbformat.NO_CONVERT))
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    code = notebook_code(path)
    compile(code, str(path), "exec")
    assert "def weighted_sum(" in code and "print(weighted_sum(" in code
    assert "setup_notebook" not in code and "run_checks" not in code and "Read me" not in code
    assert "%%timeit" not in code and "not python at all" not in code
    assert "# (jupyter) %load_ext autoreload" in code and "# (jupyter) !pip install numpy" in code
    namespace: dict = {}
    exec(compile(code, str(path), "exec"), namespace)
    assert namespace["weighted_sum"]([1.0], [2.0], 3.0) == 5.0


def test_notebook_code_hoists_future_imports_of_pasted_modules(tmp_path):
    path = tmp_path / "neuron.ipynb"
    pasted = "from __future__ import annotations\n\n" + solution_text("01_neuron")
    notebook = jupyterlab_notebook([("x = 1", None), (pasted, None), (pasted, None)])
    path.write_text(json.dumps(notebook), encoding="utf-8")
    code = notebook_code(path)
    compile(code, str(path), "exec")
    assert code.startswith("from __future__ import annotations\n")
    assert code.count("from __future__") == 1


def test_an_unreadable_notebook_is_reported(tmp_path):
    path = tmp_path / "neuron.ipynb"
    path.write_text("{ not json", encoding="utf-8")
    with pytest.raises(ValueError, match="not a readable Jupyter notebook"):
        notebook_code(path)


def _edit_exercise_cell(path: Path, edit) -> None:
    notebook = nbformat.read(path, as_version=4)
    index = next(
        i for i, c in enumerate(notebook.cells) if c.metadata.get(NOTEBOOK_METADATA_KEY, {}).get("role") == "exercise"
    )
    edit(notebook, index)
    nbformat.write(notebook, path)


def _paste_into_stub_cell(notebook, index):
    notebook.cells[index].source = solution_text("01_neuron")
    notebook.cells[index].outputs = [nbformat.v4.new_output("stream", text="ok\n")]
    notebook.cells[index].execution_count = 3


def _paste_below_stub_cell(notebook, index):
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(solution_text("01_neuron")))


@pytest.mark.parametrize("edit", [_paste_into_stub_cell, _paste_below_stub_cell], ids=["into-stub-cell", "cell-below"])
def test_a_module_pasted_into_the_notebook_is_used(tmp_path, edit):
    root = copy_exercises(tmp_path)
    _edit_exercise_cell(notebook_path(root, "01_neuron"), edit)
    source = find_source(root, "01_neuron")
    assert source is not None and source.from_notebook
    runner = Runner(root)
    for check in checks_of("01_neuron"):
        runner.run("01_neuron", check.name)


def test_an_edited_py_wins_over_the_notebook(tmp_path):
    root = copy_exercises(tmp_path)
    _edit_exercise_cell(notebook_path(root, "01_neuron"), _paste_into_stub_cell)
    (root / "01_neuron" / "neuron.py").write_text(solution_text("01_neuron") + "\n# mine\n", encoding="utf-8")
    source = find_source(root, "01_neuron")
    assert source is not None and not source.from_notebook


def test_an_untouched_notebook_leaves_the_stub_in_charge():
    for exercise in CHECKED:
        source = find_source(EXERCISES_DIR, exercise)
        assert source is not None and not source.from_notebook, exercise


def _as_released_before(path: Path, exercise: str) -> None:
    """The notebook as release wrote it while its exercise cell was the stub itself, word for word."""
    stub = (path.parent / f"{module_name(exercise)}.py").read_text(encoding="utf-8")
    _edit_exercise_cell(path, lambda notebook, index: setattr(notebook.cells[index], "source", stub))


def _with_an_empty_cell_below(path: Path, exercise: str) -> None:
    """As Jupyter leaves a notebook run to its last cell: an empty cell below that one."""
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("", id="below"))
    nbformat.write(notebook, path)


def _with_windows_line_endings(path: Path) -> None:
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))  # git's core.autocrlf


@pytest.mark.parametrize(
    ("notebook_edit", "module_edit", "checked"),
    [
        pytest.param(None, None, "neuron.py", id="both-untouched"),
        pytest.param(_as_released_before, None, "neuron.py", id="notebook-released-before-untouched"),
        pytest.param(_with_an_empty_cell_below, None, "neuron.py", id="notebook-run-untouched"),
        pytest.param(None, _with_windows_line_endings, "neuron.py", id="both-untouched-py-crlf"),
        pytest.param(None, lambda path: path.write_text(solution_text("01_neuron")), "neuron.py", id="py-written"),
        pytest.param(fill_notebook, None, "neuron.ipynb", id="notebook-written"),
        pytest.param(fill_notebook, _with_windows_line_endings, "neuron.ipynb", id="notebook-written-py-crlf"),
    ],
)
def test_the_py_is_checked_unless_only_the_notebook_holds_work(tmp_path, notebook_edit, module_edit, checked):
    # The exercise cell is not the stub (it speaks to notebook learners): as handed out all the same.
    root = copy_exercises(tmp_path)
    if notebook_edit is not None:
        notebook_edit(notebook_path(root, "01_neuron"), "01_neuron")
    if module_edit is not None:
        module_edit(root / "01_neuron" / "neuron.py")
    source = find_source(root, "01_neuron")
    assert source is not None and source.origin.name == checked
    assert source.from_notebook == checked.endswith(".ipynb")


@pytest.mark.parametrize("exercise", CHECKED)
def test_the_untouched_notebook_holds_the_exercise_as_handed_out(exercise):
    """What the runners and the grader's intake read from an untouched notebook is one of the forms
    ``handed_out`` derives from the stub: they tell it from work by that."""
    stub = (EXERCISES_DIR / exercise / f"{module_name(exercise)}.py").read_text(encoding="utf-8")
    code = notebook_code(notebook_path(EXERCISES_DIR, exercise))
    assert code == handed_out(stub, exercise)[1] != stub
    assert handed_out_hash(code) in handed_out_hashes(stub, exercise)


def test_pytest_checks_a_notebook_when_the_py_is_untouched(tmp_path):
    root = copy_exercises(tmp_path)
    fill_notebook(notebook_path(root, "01_neuron"), "01_neuron")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    config = ["-c", str(REPO / "pyproject.toml"), "--rootdir", str(REPO), "-p", "no:cacheprovider"]
    command = [sys.executable, "-m", "pytest", *config, str(root / "01_neuron"), "--impl", str(root)]
    result = subprocess.run(
        command,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "nnkata: 01_neuron is checked from your notebook" in output and "neuron.ipynb" in output
    assert f"{len(checks_of('01_neuron'))} passed" in output


def _experiment_below_stub_cell(notebook, index):
    _paste_into_stub_cell(notebook, index)
    experiment = "from IPython.display import display\nimport matplotlib.pyplot as plt\nz = np.linspace(-5, 5, 3)\n"
    notebook.cells.insert(index + 1, nbformat.v4.new_code_cell(experiment + "display(weighted_sum(z, z, 1.0))\nz"))


def test_cells_that_only_show_something_are_not_checked(tmp_path):
    from grader import handin

    root = copy_exercises(tmp_path)
    _edit_exercise_cell(notebook_path(root, "01_neuron"), _experiment_below_stub_cell)
    source = find_source(root, "01_neuron")
    assert source is not None and "# (not checked) display(weighted_sum(z, z, 1.0))" in source.text
    runner = Runner(root)
    for check in checks_of("01_neuron"):
        runner.run("01_neuron", check.name)  # no "No module named 'IPython'"
    intake = handin.normalise(notebook_path(root, "01_neuron"), tmp_path / "handed_in")
    assert (intake.root / "01_neuron" / "neuron.py").read_text(encoding="utf-8").count("# (not checked)") == 4


@pytest.mark.parametrize("damage", ['{"cells": [', "[1, 2]"], ids=["truncated", "not-a-notebook"])
def test_a_damaged_notebook_fails_its_own_exercise_not_the_run(tmp_path, damage):
    root = copy_exercises(tmp_path)
    (root / "01_neuron" / "neuron.py").unlink()  # the learner works in the notebook only
    notebook_path(root, "01_neuron").write_text(damage, encoding="utf-8")
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    config = ["-c", str(REPO / "pyproject.toml"), "--rootdir", str(REPO), "-p", "no:cacheprovider"]
    command = [sys.executable, "-m", "pytest", *config, str(root / "01_neuron"), "--impl", str(root)]
    result = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 1 and "INTERNALERROR" not in output, output
    assert "neuron.ipynb is not a readable Jupyter notebook" in output
    assert "open it in Jupyter, undo the damage, and save it again" in output


# ----------------------------------------------------------------------------------------------
# The notebook helpers, in this process


def test_exercises_root_is_found_from_the_notebook_folder(tmp_path):
    root = copy_exercises(tmp_path)
    assert exercises_root("02_sigmoid", root / "02_sigmoid") == root.resolve()
    assert exercises_root("02_sigmoid", root) == root.resolve()
    assert exercises_root("02_sigmoid", tmp_path / "elsewhere") == EXERCISES_DIR


def test_run_checks_passes_the_solution_and_reads_like_pytest(tmp_path, make_tree):
    tree = make_tree({})
    for exercise in CHECKED:
        setup_notebook(exercise, tree / exercise)
        namespace: dict = {"__name__": "__main__"}
        exec(compile(solution_text(exercise), f"{exercise}.ipynb", "exec"), namespace)
        out = io.StringIO()
        report = run_checks(exercise, namespace, out=out)
        text = out.getvalue()
        total = len(checks_of(exercise))
        assert report.ok, text
        assert report.total == total == report.passed + (total - report.passed)
        assert f"{exercise}: {report.passed} of {total} checks pass" in text
        assert text.rstrip().endswith(report.final_line)
        if report.passed < total:  # only the MNIST check may be skipped, where there is no MNIST
            assert exercise == "08_training" and find_data_dir() is None
            assert report.final_line == f"nnkata: no check fails ({total - 1} pass, 1 skipped)"
        else:
            assert report.final_line == f"nnkata: all {total} checks pass"


@pytest.mark.parametrize("form", ["module", "notebook"])
def test_run_checks_on_the_stub_says_not_written_yet(tmp_path, form):
    root = copy_exercises(tmp_path)
    setup_notebook("01_neuron", root / "01_neuron")
    namespace: dict = {}
    if form == "module":
        exec((root / "01_neuron" / "neuron.py").read_text(encoding="utf-8"), namespace)
    else:  # the untouched notebook's exercise cell, as run in Jupyter
        exec(_cell(notebook_path(root, "01_neuron"), "exercise").source, namespace)
    out = io.StringIO()
    report = run_checks("01_neuron", namespace, out=out)
    text = out.getvalue()
    total = len(checks_of("01_neuron"))
    assert not report.ok and report.failed == total
    # The README is the notebook's first cell: no file to go and find.
    assert (
        "`weighted_sum` is not written yet" in text
        and "Start with the instructions at the top of this notebook" in text
    )
    assert "README.md" not in text
    assert "01_neuron: 0 of" in text and text.rstrip().endswith(f"nnkata: {total} of {total} checks fail")
    assert "Traceback" not in text


def test_run_checks_explains_a_wrong_result_and_a_missing_function(tmp_path):
    root = copy_exercises(tmp_path)
    setup_notebook("01_neuron", root / "01_neuron")
    namespace: dict = {}
    exec(solution_text("01_neuron"), namespace)
    namespace["layer_weighted_sums"] = lambda W, a, b: W.T @ a + b
    del namespace["weighted_sum"]
    out = io.StringIO()
    report = run_checks("01_neuron", namespace, out=out)
    text = out.getvalue()
    assert not report.ok
    assert "likely mistake" in text and "Traceback" not in text
    # Said once, at the top, not again by each check of `weighted_sum`.
    assert text.startswith("Not defined in this notebook's session: `weighted_sum`.\n")
    assert "was not found" not in text and "has no function" not in text


def test_run_checks_refuses_torch(tmp_path):
    import torch

    root = copy_exercises(tmp_path)
    setup_notebook("01_neuron", root / "01_neuron")
    namespace: dict = {"torch": torch}
    exec(solution_text("01_neuron"), namespace)
    # An exercise function that uses it (an import alone costs nothing: see below).
    exec("def weighted_sum(weights, activations, bias):\n    return float(torch.dot(weights, activations))", namespace)
    out = io.StringIO()
    report = run_checks("01_neuron", namespace, out=out)
    assert not report.ok and "NumPy only" in out.getvalue()


def test_setup_notebook_imports_siblings_from_their_notebooks(tmp_path):
    root = copy_exercises(tmp_path)
    fill_notebook(notebook_path(root, "02_sigmoid"), "02_sigmoid")
    setup_notebook("03_feedforward", root / "03_feedforward")
    try:
        from sigmoid import sigmoid  # served from 02_sigmoid/sigmoid.ipynb

        assert sigmoid(0.0) == 0.5
        assert sys.modules["sigmoid"].__file__.endswith("sigmoid.ipynb")
    finally:
        sys.modules.pop("sigmoid", None)


# ----------------------------------------------------------------------------------------------
# What the notebook's text tells a notebook learner to do


def _cell(path: Path, role: str):
    notebook = nbformat.read(path, as_version=4)
    if role == "readme":
        return notebook.cells[0]
    return next(c for c in notebook.cells if c.metadata.get(NOTEBOOK_METADATA_KEY, {}).get("role") == role)


# Phrases for a learner of the .py and the terminal. `pytest exercises/NN` and `name.py` stay only in
# the sentence saying that pytest checks the saved notebook too, while the .py is left as it came.
_TERMINAL_PHRASES = re.compile(r"README\.md|What to write \(in `|^Run the checks: `pytest|\bsee the hints\.", re.M)


@pytest.mark.parametrize("exercise", CHECKED)
def test_the_readme_cell_says_what_a_notebook_learner_does(exercise):
    name = module_name(exercise)
    readme = (EXERCISES_DIR / exercise / "README.md").read_text(encoding="utf-8")
    cell = _cell(notebook_path(EXERCISES_DIR, exercise), "readme").source
    assert cell == for_notebook(readme, exercise).rstrip() + "\n"  # one README, said the notebook's way
    assert not _TERMINAL_PHRASES.search(cell), cell
    for line in cell.splitlines():
        if f"{name}.py" in line or "pytest" in line:
            assert line.startswith("Run the checks: run this notebook's last cell"), line
            assert f"`pytest exercises/{exercise}` checks this notebook too, once it is saved" in line
            assert f"as long as `{name}.py` beside it is left as it came" in line
    assert "## What to write (in the exercise cell below)" in cell


@pytest.mark.parametrize("exercise", CHECKED)
def test_the_exercise_cell_says_what_a_notebook_learner_does(exercise):
    name = module_name(exercise)
    cell = _cell(notebook_path(EXERCISES_DIR, exercise), "exercise").source
    assert not _TERMINAL_PHRASES.search(cell), cell
    # Nothing in it is about the terminal or the .py: the sentence on pytest is the README cell's.
    assert "pytest" not in cell and f"{name}.py" not in cell and "this folder" not in cell, cell
    docstring = ast.get_docstring(ast.parse(cell)) or ""
    assert docstring.endswith(
        "Read the instructions at the top of this notebook first.\n"
        "Run the checks: run this cell, then this notebook's last cell."
    ), docstring
    namespace: dict = {}
    exec(cell, namespace)
    for function in API[exercise]:
        with pytest.raises(NotImplementedError) as raised:
            namespace[function](*[None] * namespace[function].__code__.co_argcount)
        # Exact wherever it shows: also in another exercise's notebook that imports this one.
        assert str(raised.value) == f"{function} is yours to write: see the instructions at the top of {name}.ipynb"


def test_for_notebook_turns_every_terminal_phrase_of_the_readmes_and_hints():
    # Hints are not in the notebooks (pytest --hints and hints.md show them), but they are read by
    # the same rules if they ever are: no README or hints phrase may be left for the .py learner.
    for exercise in CHECKED:
        for file in ("README.md", "hints.md"):
            text = for_notebook((EXERCISES_DIR / exercise / file).read_text(encoding="utf-8"), exercise)
            assert not _TERMINAL_PHRASES.search(text), (exercise, file)
    assert for_notebook("Read README.md in this folder first.", "01_neuron") == (
        "Read the instructions at the top of this notebook first."
    )
    assert for_notebook("the worked example in README.md gives", "05_backprop") == (
        "the worked example at the top of this notebook gives"
    )
    assert for_notebook("Run the checks with:  pytest exercises/02_sigmoid", "02_sigmoid").startswith(
        "Run the checks: run this notebook's last cell"
    )


def test_pytest_checks_the_saved_notebook_as_the_readme_cell_says(tmp_path):
    # "`pytest exercises/NN` checks this notebook too, once it is saved, as long as name.py is left as
    # it came": true of the stub as released (see test_pytest_checks_a_notebook_when_the_py_is_untouched),
    # not of an edited .py, which the check cell then points out.
    root = copy_exercises(tmp_path)
    fill_notebook(notebook_path(root, "01_neuron"), "01_neuron")
    assert find_source(root, "01_neuron").from_notebook
    (root / "01_neuron" / "neuron.py").write_text(solution_text("01_neuron") + "# mine\n", encoding="utf-8")
    assert not find_source(root, "01_neuron").from_notebook


@pytest.mark.parametrize("exercise", CHECKED)
def test_the_setup_and_tests_cells_claim_no_more_than_they_do(exercise):
    path = notebook_path(EXERCISES_DIR, exercise)
    tests = _cell(path, "tests").source
    assert "exactly like" not in tests
    assert "of this session" in tests and "saved notebook's code cells" in tests and "Restart & Run All" in tests
    setup = _cell(path, "setup").source
    assert "Your lines here run when graded too, except inside the `try:`" in setup
    assert "Keep your own code out" not in setup


def test_the_setup_cell_says_what_the_runners_keep_of_it():
    """Its comment says what ``numbered_code_cells`` does: a line of the learner's at its end is run
    when graded, one inside nnkata's ``try:`` is not."""
    notebook = nbformat.read(notebook_path(EXERCISES_DIR, "02_sigmoid"), as_version=4)
    setup = next(c for c in notebook.cells if c.metadata.get(NOTEBOOK_METADATA_KEY, {}).get("role") == "setup")
    assert "except inside the `try:`" in setup.source
    setup.source = setup.source.replace("    import grader\n", "    import grader\n    INSIDE = 1\n") + "\nBELOW = 2\n"
    left_out: list = []
    kept = "\n".join(text for _, text in numbered_code_cells(notebook, left_out))
    assert "BELOW = 2" in kept and "INSIDE" not in kept
    assert left_out == [(1, "setup", [6])]


# ----------------------------------------------------------------------------------------------
# The check cell: a function missing from the session


def _missing_run(exercise: str, tmp_path: Path, code: str, history: list[str] | None) -> str:
    root = copy_exercises(tmp_path)
    setup_notebook(exercise, root / exercise)
    namespace: dict = {"__name__": "__main__"}
    with contextlib.suppress(SyntaxError):  # as in Jupyter: nothing of a cell that does not parse is defined
        exec(compile(code, "<cell>", "exec"), namespace)
    if history is not None:
        namespace["In"] = ["", *history, 'run_checks("x", globals())']  # IPython's inputs, this cell last
    out = io.StringIO()
    run_checks(exercise, namespace, out=out)
    return out.getvalue()


def test_a_cell_that_failed_is_said_once_before_anything_else(tmp_path):
    broken = solution_text("02_sigmoid").replace("def sigmoid(z):", "def sigmoid(z)")
    text = _missing_run("02_sigmoid", tmp_path, broken, [broken])
    lines = text.splitlines()
    assert lines[0] == "Not defined in this notebook's session: `sigmoid`, `sigmoid_prime`."
    assert lines[1].startswith("The cell that defines them ran but stopped with an error (Python cannot read its line ")
    assert "scroll up to that error, fix it, and run the cell again" in lines[1]
    # One message, not one per check.
    assert "has no function" not in text and "was not found" not in text and "check the" not in text
    assert text.count("FAIL") == len(checks_of("02_sigmoid")) and text.count("\n      ") == 0
    assert "First define what the lines at the top say is missing" in text


def test_a_missing_function_suggests_a_failed_cell_before_the_spelling(tmp_path):
    code = solution_text("01_neuron").replace("def weighted_sum(", "def _unrelated(")
    for history, expected in [
        (None, "Did the cell that defines it show an error? Scroll up to it"),
        ([code], "No cell run in this session defines it: run the cell that does"),
    ]:
        text = _missing_run("01_neuron", tmp_path / str(bool(history)), code, history)
        advice = text.splitlines()[1]
        assert advice.startswith(expected), text
        if history is None:
            assert advice.index("show an error") < advice.index("Run All Above") < advice.index("spelling")


def test_a_missing_function_after_a_line_on_another_is_named_not_it(tmp_path):
    code = (
        solution_text("01_neuron")
        .replace("def weighted_sum(", "def _one(")
        .replace("def layer_weighted_sums(", "def _two(")
    )
    broken = "def weighted_sum(weights, activations, bias)\n    return 0.0\n"
    lines = _missing_run("01_neuron", tmp_path, code, [code, broken]).splitlines()
    assert lines[1].startswith("The cell that defines `weighted_sum` ran but stopped with an error")
    assert lines[2] == (
        "No cell run in this session defines `layer_weighted_sums`: run the cell that does (after a kernel "
        "restart: Run All Above), or check the name."
    )


def test_a_renamed_function_gets_the_rename_suggestion_of_pytest(tmp_path):
    renamed = solution_text("03_feedforward").replace("def feedforward(", "def feed_forward(")
    renamed = renamed.replace("feedforward(weights", "feed_forward(weights")
    text = _missing_run("03_feedforward", tmp_path, renamed, [renamed])
    assert text.splitlines()[:2] == [
        "Not defined in this notebook's session: `feedforward`.",
        "The session has no function `feedforward`, but defines `feed_forward`: if that is it, rename it "
        "`feedforward`.",
    ], text


def _session_run(exercise: str, tmp_path: Path, cells: list[str]) -> str:
    """The check cell's output after ``cells`` ran in that order, in a copy of exercises/."""
    root = copy_exercises(tmp_path)
    setup_notebook(exercise, root / exercise)
    namespace: dict = {"__name__": "__main__", "In": ["", *cells, f"run_checks({exercise!r}, globals())"]}
    for cell in cells:
        exec(compile(cell, "<cell>", "exec"), namespace)
    out = io.StringIO()
    run_checks(exercise, namespace, out=out)
    return out.getvalue()


def test_an_import_that_replaces_the_notebooks_own_function_is_said_first(tmp_path):
    # Every exercise pasted into one notebook keeps feedforward's `from sigmoid import sigmoid`,
    # which loads the untouched sigmoid.py over the sigmoid written above it.
    own_sigmoid, feedforward = solution_text("02_sigmoid"), solution_text("03_feedforward")
    own_neuron = solution_text("01_neuron")  # run after feedforward's `from neuron import ...`: in use
    text = _session_run("03_feedforward", tmp_path / "after", [own_sigmoid, feedforward, own_neuron])
    assert text.splitlines()[0] == (
        "Careful: `sigmoid` here is not the one this notebook defines. `from sigmoid import sigmoid` replaced it "
        "with 02_sigmoid's, from sigmoid.py: delete that line, then Kernel → Restart & Run All."
    ), text
    assert "`feedforward` calls `sigmoid`, which is not written yet" in text
    # The notebook's own definition ran last: it is the one in use, and nothing is said.
    text = _session_run("03_feedforward", tmp_path / "before", [feedforward, own_sigmoid, own_neuron])
    assert "Careful" not in text and text.splitlines()[-1] == "nnkata: all 7 checks pass", text


# ----------------------------------------------------------------------------------------------
# The check cell: the session passes, the saved notebook is what is graded


def _saved_run(tmp_path: Path, edit_saved=None, session_extra: str = "", namespace_extra: dict | None = None):
    """The session runs the solution of 01_neuron (plus ``session_extra``); the notebook saved on disk
    is the filled notebook, then ``edit_saved(notebook, index of the exercise cell)``."""
    root = copy_exercises(tmp_path)
    path = notebook_path(root, "01_neuron")
    fill_notebook(path, "01_neuron")
    if edit_saved is not None:
        _edit_exercise_cell(path, edit_saved)
    setup_notebook("01_neuron", root / "01_neuron")
    code = solution_text("01_neuron") + session_extra
    filename = str(tmp_path / "ipykernel_1" / "cell.py")  # as IPython keeps a cell's text for inspect
    linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
    namespace: dict = {"__name__": "__main__", "__vsc_ipynb_file__": str(path), **(namespace_extra or {})}
    exec(compile(code, filename, "exec"), namespace)
    out = io.StringIO()
    report = run_checks("01_neuron", namespace, out=out)
    assert report.ok, out.getvalue()  # every check passes in the session
    return report, out.getvalue(), path


def test_a_saved_notebook_like_the_session_gets_one_line_on_what_the_grader_runs(tmp_path):
    report, text, _ = _saved_run(tmp_path)
    assert not report.saved_notes
    assert (
        "Your saved neuron.ipynb defines the same functions. The grader runs its code cells top to bottom "
        "in a fresh process: Kernel → Restart & Run All to be sure." in text
    )
    assert text.rstrip().endswith("nnkata: all 3 checks pass")


def test_without_the_saved_notebook_the_line_on_what_the_grader_runs_remains(tmp_path):
    setup_notebook("01_neuron", tmp_path / "nowhere")
    namespace: dict = {"__name__": "__main__"}
    exec(solution_text("01_neuron"), namespace)
    out = io.StringIO()
    run_checks("01_neuron", namespace, out=out)
    assert GRADER_RUNS in out.getvalue()


def _with_cell(source: str, outputs: list | None = None, offset: int = 1):
    def edit(notebook, index):
        cell = nbformat.v4.new_code_cell(source)
        cell.outputs = outputs or []
        notebook.cells.insert(index + offset, cell)

    return edit


def _uses_double(notebook, index):
    notebook.cells[index].source = notebook.cells[index].source.replace(
        "return float(np.dot(weights, activations) + bias)",
        "return double(float(np.dot(weights, activations) + bias)) / 2",
    )


_DOUBLE = "\n\ndef double(x):\n    return 2 * x\n"


@pytest.mark.parametrize(
    ("edit_saved", "session_extra", "namespace_extra", "expected"),
    [
        pytest.param(  # the helper's cell was deleted after it had run
            _uses_double,
            _DOUBLE,
            None,
            "Code cell 2, line 25 uses `double`, which the saved code never defines or imports (this session has "
            "it from a cell since deleted or changed): define or import it in a cell again.",
            id="deleted-helper",
        ),
        pytest.param(  # Markdown imported in the setup cell, or in a cell since deleted
            _with_cell("note = Markdown('**done**')\nnote"),
            "",
            {"Markdown": type("Markdown", (), {"__module__": "IPython.core.display"})},
            "Code cell 3, line 1 uses `Markdown`, which this session has from IPython: the grader leaves out "
            "imports of IPython and matplotlib, so use `Markdown` only in lines that just show something (a call "
            "on a line of its own).",
            id="display-import",
        ),
        pytest.param(  # an experiment that raised, ignored
            _with_cell("x = np.zeros(3)\ny = x[7]", [nbformat.v4.new_output("error", ename="IndexError", evalue="7")]),
            "",
            None,
            "Code cell 3 raised IndexError when it last ran, and the grader runs it: run the cell again, and if "
            "it still fails, fix it or delete it (an error there costs the whole exercise).",
            id="raised-experiment",
        ),
        pytest.param(  # edited after its cell ran, or not saved since
            lambda notebook, index: _uses_double(notebook, index) or _with_cell(_DOUBLE)(notebook, index),
            "",
            None,
            "Its `weighted_sum` is not the one this session ran (changed since its cell ran, or not saved yet).",
            id="stale",
        ),
        pytest.param(
            lambda notebook, index: setattr(notebook.cells[index], "source", "def weighted_sum(a, b, c)\n    pass"),
            "",
            None,
            "Python cannot read code cell 2, line 1 (expected ':'): none of that cell counts, so `weighted_sum` "
            "is not defined.",
            id="syntax-error",
        ),
    ],
)
def test_what_passes_in_the_session_but_not_in_the_saved_notebook_is_said(
    tmp_path, edit_saved, session_extra, namespace_extra, expected
):
    report, text, _ = _saved_run(tmp_path, edit_saved, session_extra, namespace_extra)
    assert expected in text, text
    assert "But the saved neuron.ipynb is what is graded, and:" in text
    assert "Fix that, save the notebook (Ctrl+S), then Kernel → Restart & Run All." in text
    assert "Well done" not in text
    assert text.rstrip().endswith(
        "nnkata: all 3 checks pass in this session; your saved notebook needs a look first (see above)"
    )
    assert report.ok and report.saved_notes


def test_the_saved_notebook_is_read_not_run(tmp_path):
    marker = tmp_path / "ran"
    _, text, _ = _saved_run(tmp_path, _with_cell(f"open({str(marker)!r}, 'w').close()\nraise SystemExit(1)"))
    assert not marker.exists() and "defines the same functions" in text


def test_a_helper_in_the_tests_cell_is_said_when_the_grader_leaves_it_out(tmp_path):
    def helper_in_tests_cell(notebook, index):
        _uses_double(notebook, index)
        tests = next(c for c in notebook.cells if c.metadata.get(NOTEBOOK_METADATA_KEY, {}).get("role") == "tests")
        tests.source = _DOUBLE.lstrip() + "\n" + tests.source

    _, text, path = _saved_run(tmp_path, helper_in_tests_cell, _DOUBLE)
    graded = join_cells(code_cells(nbformat.read(path, as_version=4)))[0]
    note = "(nnkata's tests cell)"
    # Whatever the runners take from nnkata's cells, the check cell says what they leave out.
    assert (note in text) == ("def double" not in graded), text


def test_an_edited_py_beside_the_notebook_is_said(tmp_path):
    def edit_py(notebook, index):
        (tmp_path / "exercises" / "01_neuron" / "neuron.py").write_text("# mine\n", encoding="utf-8")

    _, text, _ = _saved_run(tmp_path, edit_py)
    assert "neuron.py beside it has been edited, so `pytest exercises/01_neuron` checks neuron.py" in text


# ----------------------------------------------------------------------------------------------
# The saved notebook's notes, read from small notebooks on disk (no session, no kernel)


def _notes(tmp_path: Path, edit=None, namespace: dict | None = None) -> list[str]:
    """``saved_notebook_notes`` of 02_sigmoid's released notebook with the solution in its exercise
    cell, then ``edit(notebook)``: code cells 1 (setup), 2 (exercise), then the learner's, then tests."""
    notebook = nbformat.read(notebook_path(EXERCISES_DIR, "02_sigmoid"), as_version=4)
    _role_cell(notebook, "exercise").source = solution_text("02_sigmoid")
    if edit is not None:
        edit(notebook)
    path = tmp_path / "sigmoid.ipynb"
    nbformat.write(notebook, path)
    return saved_notebook_notes("02_sigmoid", {"__name__": "__main__", **(namespace or {})}, path)


def _role_cell(notebook, role: str):
    return next(c for c in notebook.cells if c.metadata.get(NOTEBOOK_METADATA_KEY, {}).get("role") == role)


def _add_cell(source: str, outputs: list | None = None):
    """An edit: a code cell of the learner's just above the tests cell (code cell 3)."""

    def edit(notebook):
        cell = nbformat.v4.new_code_cell(source)
        cell.outputs = outputs or []
        notebook.cells.insert(len(notebook.cells) - 1, cell)

    return edit


def _error(ename: str, *traceback: str) -> list:
    return [nbformat.v4.new_output("error", ename=ename, evalue="", traceback=list(traceback))]


# How IPython 9 and IPython 7 show the line of the cell that raised (with their colours).
_IPYTHON_9 = (
    "\x1b[36mCell\x1b[39m\x1b[36m \x1b[39m\x1b[32mIn[4]\x1b[39m\x1b[32m, line {}\x1b[39m\n\x1b[32m----> \x1b[39m {}"
)
_IPYTHON_7 = "<ipython-input-4-5c3c5e1c7a0e> in <module>\n      1 z = np.zeros(3)\n\x1b[0;32m----> {}\x1b[0m {}"


def test_the_solution_as_saved_gets_no_note(tmp_path):
    assert _notes(tmp_path) == []


@pytest.mark.parametrize(
    ("source", "outputs"),
    [
        pytest.param(  # stopped by the learner
            "for i in range(10**9):\n    y = sigmoid(i)", _error("KeyboardInterrupt"), id="interrupted"
        ),
        pytest.param(  # run while sigmoid was the stub; the grader does not run that line
            "z = np.zeros(3)\nsigmoid(z)",
            _error("NotImplementedError", "---", _IPYTHON_9.format(2, "sigmoid(z)")),
            id="stripped-line-ipython-9",
        ),
        pytest.param(
            "z = np.zeros(3)\nsigmoid(z)",
            _error("NotImplementedError", "---", _IPYTHON_7.format(2, "sigmoid(z)")),
            id="stripped-line-ipython-7",
        ),
        pytest.param("sigmoid(np.zeros(3))", _error("NotImplementedError"), id="nothing-run"),
        pytest.param("y = sigmoid(np.zeros(3))", _error("SyntaxError"), id="syntax-error-since-fixed"),
    ],
)
def test_an_error_the_grader_cannot_meet_again_is_not_said(tmp_path, source, outputs):
    assert _notes(tmp_path, _add_cell(source, outputs)) == []


@pytest.mark.parametrize(
    ("traceback", "where", "what"),
    [
        ((_IPYTHON_9.format(2, "y = z[7]"),), "Code cell 3, line 2", "that line"),
        ((_IPYTHON_7.format(2, "y = z[7]"),), "Code cell 3, line 2", "that line"),
        ((), "Code cell 3", "it"),  # no line said: the cell runs something all the same
    ],
)
def test_an_error_of_a_line_the_grader_runs_is_said_once_with_its_line(tmp_path, traceback, where, what):
    notes = _notes(tmp_path, _add_cell("z = np.zeros(3)\ny = z[7]", _error("IndexError", "---", *traceback)))
    assert notes == [
        f"{where} raised IndexError when it last ran, and the grader runs {what}: run the cell again, and if it "
        "still fails, fix it or delete it (an error there costs the whole exercise)."
    ]


def test_a_cell_magic_is_named_as_what_leaves_out_the_functions(tmp_path):
    def time_the_exercise_cell(notebook):
        cell = _role_cell(notebook, "exercise")
        cell.source = "%%time\n" + cell.source

    assert _notes(tmp_path, time_the_exercise_cell) == [
        "Code cell 2 starts with the cell magic `%%time`, so the grader leaves out that whole cell, and with it "
        "`sigmoid` and `sigmoid_prime`: delete that first line."
    ]


def test_a_line_magic_is_named_as_what_leaves_out_its_line(tmp_path):
    notes = _notes(tmp_path, _add_cell("%time scale = 2.0\nhalf = scale / 2"))
    assert notes == [
        "Code cell 3, line 1 starts with the magic `%time`, so the grader leaves out that line, and with it "
        "`scale`: write it without `%time`."
    ]


@pytest.mark.parametrize(
    ("source", "namespace", "use"),
    [  # imported in the saved code; imported in the session only (a module, an object)
        ("import matplotlib.pyplot as plt\nfig, ax = plt.subplots()", {}, "Code cell 3, line 2 uses `plt`"),
        ("fig, ax = plt.subplots()", {"plt": types.ModuleType("matplotlib.pyplot")}, "Code cell 3, line 1 uses `plt`"),
        (
            "from IPython.display import display\ndef show(z):\n    display(sigmoid(z))",
            {},
            "Code cell 3, line 3 uses `display`",
        ),
        ("def show(z):\n    display(sigmoid(z))", {}, "Code cell 3, line 2 uses `display`"),
    ],
)
def test_a_display_import_is_said_as_the_cause_from_the_saved_code_or_the_session(tmp_path, source, namespace, use):
    notes = _notes(tmp_path, _add_cell(source), namespace)
    assert len(notes) == 1 and notes[0].startswith(use), notes
    name = use.rsplit("`", 2)[1]
    assert notes[0].endswith(
        f"the grader leaves out imports of IPython and matplotlib, so use `{name}` only in lines that just show "
        "something (a call on a line of its own)."
    )
    assert "since deleted" not in notes[0] and f"{name}({name}(" not in notes[0]
    if "import" in source:
        assert "imported from " in notes[0] and "in code cell 3, line 1" in notes[0]


def test_a_line_inside_nnkatas_try_is_said_as_left_out_with_where_to_move_it(tmp_path):
    def import_numpy_in_the_try(notebook):
        setup = _role_cell(notebook, "setup")
        setup.source = setup.source.replace("    import grader\n", "    import grader\n    import numpy as np\n")
        exercise = _role_cell(notebook, "exercise")
        exercise.source = exercise.source.replace("import numpy as np\n", "")

    notes = _notes(tmp_path, import_numpy_in_the_try)
    assert notes == [
        "Code cell 1 (nnkata's setup cell), line 6, is inside nnkata's `try:`, so the grader leaves it out, and "
        "with it `np`: move it below nnkata's lines or into a cell of its own."
    ]
    assert "cell above" not in notes[0] and "never defines or imports" not in notes[0]


def test_a_line_left_out_beside_nnkatas_code_says_why(tmp_path):
    def on_nnkatas_line(notebook):
        setup = _role_cell(notebook, "setup")
        setup.source = setup.source.replace("setup_notebook(", "import numpy as np; setup_notebook(")
        exercise = _role_cell(notebook, "exercise")
        exercise.source = exercise.source.replace("import numpy as np\n", "")

    assert _notes(tmp_path, on_nnkatas_line) == [
        "Code cell 1 (nnkata's setup cell), line 13, shares its line with code the grader leaves out, so it is "
        "left out too, and with it `np`: put it on a line of its own."
    ]

    def with_the_report(notebook):  # `passed` is set from what only nnkata's line sets
        tests = _role_cell(notebook, "tests")
        tests.source = tests.source.replace("run_checks(", "report = run_checks(") + "\npassed = report.passed\n"
        notebook.cells.append(nbformat.v4.new_code_cell("fraction = passed / 6"))

    assert _notes(tmp_path, with_the_report) == [
        "Code cell 3 (nnkata's tests cell), line 8, uses what only nnkata's code sets, so the grader leaves it "
        "out, and with it `passed`: define it in your own code another way."
    ]


def test_lines_of_the_learners_in_nnkatas_cells_are_no_note(tmp_path):
    def own_lines(notebook):
        _role_cell(notebook, "setup").source += "\nSCALE = 2.0\n"
        _role_cell(notebook, "tests").source += "\n\ndef doubled(z):\n    return SCALE * sigmoid(z)\n"

    assert _notes(tmp_path, own_lines) == []


def test_a_name_only_nnkatas_own_line_sets_is_said_where_it_is_used(tmp_path):
    def use_the_report(notebook):
        tests = _role_cell(notebook, "tests")
        tests.source = tests.source.replace(
            'run_checks("02_sigmoid", globals());', 'report = run_checks("02_sigmoid", globals())'
        )
        cell = nbformat.v4.new_code_cell("passed = report.passed")
        notebook.cells.append(cell)

    assert _notes(tmp_path, use_the_report) == [
        "Code cell 4, line 1 uses `report`, which only nnkata's own code sets (code cell 3, line 7), and the "
        "grader leaves that out: define or import `report` in your own code, or do without it."
    ]


def test_the_saved_notebook_is_read_as_json_and_bounded(tmp_path, monkeypatch):
    def not_nbformat(*args, **kwargs):
        raise AssertionError("nbformat validates, which takes a second on a notebook full of plots")

    plot = [nbformat.v4.new_output("display_data", data={"image/png": "A" * 1024**2})]
    _notes(tmp_path, _add_cell("x = 1", plot))
    monkeypatch.setattr(nbformat, "read", not_nbformat)
    monkeypatch.setattr(nbformat, "reads", not_nbformat)
    assert saved_notebook_notes("02_sigmoid", {}, tmp_path / "sigmoid.ipynb") == []  # read as JSON
    monkeypatch.setattr("grader.notebook_support.MAX_NOTEBOOK_BYTES", 1024**2)  # as the grader's intake
    assert saved_notebook_notes("02_sigmoid", {}, tmp_path / "sigmoid.ipynb") == [
        "sigmoid.ipynb takes more than the 1 MiB the grader reads, outputs included: clear them "
        "(Edit > Clear Outputs of All Cells) and save it."
    ]


# ----------------------------------------------------------------------------------------------
# In a real Jupyter kernel


def execute(path: Path, session: nbformat.NotebookNode | None = None) -> str:
    """Run a notebook top to bottom in a fresh kernel in its folder; the tests cell's text output.

    ``session``, when given, is what is run instead of the notebook saved at ``path`` (a learner's
    session that the saved file no longer matches); its cells may raise, as a learner's do.
    """
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(path, as_version=4) if session is None else session
    client = nbclient.NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        allow_errors=session is not None,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError if any cell raises (unless a session's)
    tests = next(c for c in notebook.cells if c.metadata.get(NOTEBOOK_METADATA_KEY, {}).get("role") == "tests")
    return "".join(o.get("text", "") for o in tests.outputs if o.output_type == "stream")


@pytest.fixture
def kernel_env(monkeypatch):
    # The temporary tree is outside the repository, so the kernel finds `grader` on PYTHONPATH.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))


@pytest.mark.slow
@pytest.mark.parametrize("exercise", CHECKED)
def test_notebook_runs_in_a_kernel(tmp_path, kernel_env, exercise):
    checks = checks_of(exercise)
    total = runnable = len(checks)
    if find_data_dir() is None:  # checks on MNIST skip: they neither fail nor pass
        runnable = len([c for c in checks if not any(case.needs_mnist for case in c.cases())])
    stubs = copy_exercises(tmp_path / "stubs")
    text = execute(notebook_path(stubs, exercise))
    assert "is not written yet" in text, text
    assert text.rstrip().endswith(f"nnkata: {runnable} of {total} checks fail"), text
    assert "Traceback" not in text

    filled = copy_exercises(tmp_path / "filled")
    for other in CHECKED:  # earlier exercises are imported from their (filled) notebooks
        fill_notebook(notebook_path(filled, other), other)
    text = execute(notebook_path(filled, exercise))
    assert f"{exercise}: {runnable} of {total} checks pass" in text, text
    assert text.rstrip().splitlines()[-1].startswith(f"nnkata: all {total} checks pass"), text


@pytest.mark.slow
def test_the_check_cell_in_a_kernel_names_a_failed_cell_a_rename_and_a_deleted_helper(tmp_path, kernel_env):
    root = copy_exercises(tmp_path)
    for exercise in ("01_neuron", "02_sigmoid"):  # imported by 03_feedforward
        fill_notebook(notebook_path(root, exercise), exercise)

    path = notebook_path(root, "02_sigmoid")  # a syntax error in the exercise cell
    _edit_exercise_cell(path, lambda nb, i: setattr(nb.cells[i], "source", nb.cells[i].source.replace("(z):", "(z)")))
    text = execute(path, nbformat.read(path, as_version=4))
    assert text.startswith(
        "Not defined in this notebook's session: `sigmoid`, `sigmoid_prime`.\n"
        "The cell that defines them ran but stopped with an error (Python cannot read its line "
    ), text
    assert "has no function" not in text and "was not found" not in text
    fill_notebook(path, "02_sigmoid")

    path = notebook_path(root, "03_feedforward")  # a function renamed: the session's are __main__'s
    fill_notebook(path, "03_feedforward")
    renamed = solution_text("03_feedforward").replace("def feedforward(", "def feed_forward(")
    _edit_exercise_cell(path, lambda nb, i: setattr(nb.cells[i], "source", renamed))
    text = execute(path, nbformat.read(path, as_version=4))
    assert "The session has no function `feedforward`, but defines `feed_forward`: if that is it, rename it" in text

    path = notebook_path(root, "01_neuron")  # a helper's cell deleted after it ran
    _edit_exercise_cell(path, _uses_double)
    session = nbformat.read(path, as_version=4)
    _with_cell(_DOUBLE, offset=0)(session, 2)
    text = execute(path, session)
    assert "Code cell 2, line 25 uses `double`, which the saved code never defines or imports" in text, text
    assert text.rstrip().endswith("your saved notebook needs a look first (see above)")


def test_filled_notebooks_stay_valid(tmp_path):
    root = copy_exercises(tmp_path)
    for exercise in CHECKED:
        path = notebook_path(root, exercise)
        before = copy.deepcopy(nbformat.read(path, as_version=4))
        fill_notebook(path, exercise)
        after = nbformat.read(path, as_version=4)
        nbformat.validate(after)
        assert [c.id for c in after.cells] == [c.id for c in before.cells]


def test_the_final_line_counts_passes_failures_and_skips():
    results = [CheckResult("a", "A", "pass"), CheckResult("b", "B", "skipped", "MNIST is not on this machine")]
    assert ChecksReport("08_training", results).final_line == "nnkata: no check fails (1 pass, 1 skipped)"
    assert ChecksReport("08_training", results[:1]).final_line == "nnkata: the check passes"
    failing = [*results, CheckResult("c", "C", "not started", "not written yet")]
    assert ChecksReport("08_training", failing).final_line == "nnkata: 1 of 3 checks fail"
    assert not ChecksReport("08_training", failing).ok


def test_errors_in_a_notebook_name_the_code_cell_and_its_line(tmp_path):
    from grader.calling import where

    path = tmp_path / "neuron.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# 01"),
        nbformat.v4.new_code_cell("import numpy as np"),
        nbformat.v4.new_code_cell("x = 1\nfrom __future__ import annotations\ny = 2\nraise ValueError('here')"),
    ]
    nbformat.write(notebook, path)
    code = notebook_code(path)
    line = code.splitlines().index("raise ValueError('here')") + 1
    assert where(str(path), line) == "code cell 2, line 4 of neuron.ipynb"
    assert where("/tmp/ipykernel_42/1563357744.py", 46) == "line 46 of its notebook cell"
    assert where("/x/neuron.py", 3) == "line 3 of neuron.py"


def test_an_error_in_a_notebook_shows_the_line_of_its_cell(tmp_path):
    from grader.calling import Call, LearnerModules, perform

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell("import numpy as np"),
        nbformat.v4.new_code_cell(
            "def weighted_sum(weights, activations, bias):\n    return weights @ activation + bias"
        ),
    ]
    (tmp_path / "01_neuron").mkdir()
    nbformat.write(notebook, tmp_path / "01_neuron" / "neuron.ipynb")
    module = LearnerModules(tmp_path).load("01_neuron")
    outcome = perform(module, Call("weighted_sum", ([1.0, 2.0], [3.0, 4.0], 0.5)))
    assert outcome.message == (
        "NameError: name 'activation' is not defined "
        "(code cell 2, line 2 of neuron.ipynb, in weighted_sum: `return weights @ activation + bias`)"
    )


# ----------------------------------------------------------------------------------------------
# Colab's setup lines, comparisons with PyTorch, nnkata's cells without their metadata: pytest,
# the check cell and the grader agree


def _colab_and_torch_around_stub_cell(notebook, index, work=None):
    notebook.cells[index].source = work or solution_text("01_neuron")
    notebook.cells.insert(0, nbformat.v4.new_code_cell("from google.colab import drive\ndrive.mount('/content/drive')"))
    comparison = (
        "import torch\n"
        "W, a, b = np.ones((3, 4)), np.ones(4), np.ones(3)\n"
        "expected = torch.nn.functional.linear(torch.tensor(a), torch.tensor(W), torch.tensor(b)).numpy()\n"
        "def as_numpy(t):\n    return torch.as_tensor(t).numpy()\n"
        "print(np.allclose(layer_weighted_sums(W, a, b), expected))"
    )
    notebook.cells.insert(index + 2, nbformat.v4.new_code_cell(comparison))


def test_colab_setup_and_torch_comparisons_cost_nothing_in_pytest_as_in_the_grader(tmp_path):
    from grader import handin

    root = copy_exercises(tmp_path)
    _edit_exercise_cell(notebook_path(root, "01_neuron"), _colab_and_torch_around_stub_cell)
    source = find_source(root, "01_neuron")
    assert source is not None and source.from_notebook
    lines = source.text.split("\n")
    colab = ["# (not checked) from google.colab import drive", "# (not checked) drive.mount('/content/drive')"]
    assert lines[:2] == colab
    assert "# (not checked: torch) import torch" in lines and "# (not checked: torch) def as_numpy(t):" in lines
    assert "W, a, b = np.ones((3, 4)), np.ones(4), np.ones(3)" in lines
    runner = Runner(root)
    for check in checks_of("01_neuron"):
        runner.run("01_neuron", check.name)  # no "No module named 'google'", no "imports torch"
    intake = handin.normalise(notebook_path(root, "01_neuron"), tmp_path / "handed_in")
    assert intake.notes == [] and (intake.root / "01_neuron" / "neuron.py").read_text() == source.text


def test_an_exercise_function_that_uses_torch_through_a_helper_fails_in_pytest_as_in_the_grader(tmp_path):
    from grader.pytest_plugin import CheckFailed

    work = solution_text("01_neuron").replace(
        "return activations @ weights.T + biases", "return as_numpy(activations @ weights.T + biases)"
    )
    assert work != solution_text("01_neuron")
    root = copy_exercises(tmp_path)
    path = notebook_path(root, "01_neuron")
    _edit_exercise_cell(path, lambda notebook, index: _colab_and_torch_around_stub_cell(notebook, index, work))
    source = find_source(root, "01_neuron")
    assert source is not None and "import torch" in source.text.split("\n")  # nothing left out
    line = work.split("\n").index("def layer_weighted_sums(weights, activations, biases):") + 1
    with pytest.raises(CheckFailed) as failed:
        Runner(root).run("01_neuron", checks_of("01_neuron")[0].name)
    assert str(failed.value.msg).endswith(
        f"neuron.ipynb imports torch, and `layer_weighted_sums` uses it through `as_numpy` (code cell 3, line {line} "
        "of neuron.ipynb): write the exercises with NumPy only (the grader runs your code where no other library "
        "can be imported)."
    )


def test_run_checks_leaves_torch_to_the_learners_own_comparisons(tmp_path):
    import torch

    root = copy_exercises(tmp_path)
    setup_notebook("01_neuron", root / "01_neuron")
    namespace: dict = {"__name__": "__main__", "torch": torch}
    exec(solution_text("01_neuron"), namespace)
    comparison = "expected = torch.ones(3)\ndef compare(x):\n    return torch.allclose(torch.as_tensor(x), expected)"
    exec(comparison, namespace)
    report = run_checks("01_neuron", namespace, out=io.StringIO())
    assert report.ok, [r.message for r in report.results]
    # An exercise function that calls that helper uses torch: refused, as the grader refuses it.
    exec(
        "def layer_weighted_sums(weights, activations, biases):\n"
        "    assert compare(activations @ weights.T + biases) or True\n"
        "    return activations @ weights.T + biases",
        namespace,
    )
    out = io.StringIO()
    report = run_checks("01_neuron", namespace, out=out)
    assert not report.ok and report.failed == report.total
    assert (
        "`layer_weighted_sums` in this notebook uses torch (through `compare`): write the exercises with NumPy only"
    ) in out.getvalue()


def test_the_check_cell_says_when_the_saved_notebook_uses_torch_where_the_session_does_not(tmp_path):
    work = solution_text("01_neuron").replace("return float(", "return SHIFT + float(", 1)
    assert work != solution_text("01_neuron")
    path = tmp_path / "neuron.ipynb"
    cells = [("import numpy as np\nimport torch\nSHIFT = float(torch.zeros(1))", None), (work, "exercise")]
    path.write_text(json.dumps(jupyterlab_notebook(cells)))
    namespace: dict = {"__name__": "__main__", "SHIFT": 0.0}  # a float: the session uses no torch
    exec(solution_text("01_neuron"), namespace)
    line = work.split("\n").index("def weighted_sum(weights, activations, bias):") + 1
    assert (
        f"Code cell 2, line {line} defines `weighted_sum`, which uses torch through `SHIFT`, so the grader gives this "
        "exercise no marks: write it with NumPy only (comparisons with torch may stay in code outside your functions)."
    ) in saved_notebook_notes("01_neuron", namespace, path)
    # One line imports NumPy and torch, and the exercise cell does not import NumPy again.
    cells = [("import numpy as np, torch", None), (solution_text("01_neuron").replace("\nimport numpy", "\n#"), None)]
    path.write_text(json.dumps(jupyterlab_notebook(cells)))
    assert saved_notebook_notes("01_neuron", namespace, path) == [
        "Code cell 1, line 1 imports torch on a line that also binds `np`, which `weighted_sum` uses, so the grader "
        "gives this exercise no marks: import torch on a line of its own."
    ]


def _without_cell_metadata(path: Path, exercise: str) -> None:
    """The notebook's cells pasted into a new notebook: its metadata and its cells' gone."""
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        cell.metadata = {}
    notebook.metadata = nbformat.from_dict({"colab": {"provenance": []}})
    nbformat.write(notebook, path)


def _into_a_fresh_notebook(path: Path, exercise: str) -> None:
    """The setup and check cells copied into a new notebook, the learner's work pasted between them."""
    cells = {c.metadata[NOTEBOOK_METADATA_KEY]["role"]: c.source for c in _generated_cells(path)}
    fresh = nbformat.v4.new_notebook()
    fresh.cells = [
        nbformat.v4.new_code_cell("import numpy as np\n" + cells["setup"] + "\nprint('ready')"),
        nbformat.v4.new_markdown_cell("My work"),
        nbformat.v4.new_code_cell(solution_text(exercise)),
        nbformat.v4.new_code_cell(cells["tests"].replace("run_checks(", "report = run_checks(")),
    ]
    nbformat.write(fresh, path)


def _generated_cells(path: Path) -> list:
    notebook = nbformat.read(path, as_version=4)
    return [c for c in notebook.cells if NOTEBOOK_METADATA_KEY in c.metadata]


@pytest.mark.parametrize("lose", [_without_cell_metadata, _into_a_fresh_notebook], ids=["metadata-gone", "fresh"])
def test_nnkatas_cells_are_told_by_their_text_when_their_metadata_is_gone(tmp_path, lose):
    from grader import handin

    root = copy_exercises(tmp_path)
    path = notebook_path(root, "02_sigmoid")
    fill_notebook(path, "02_sigmoid")
    lose(path, "02_sigmoid")
    (root / "02_sigmoid" / "sigmoid.py").unlink()  # worked in the notebook only, as handed in
    source = find_source(root, "02_sigmoid")
    assert source is not None and source.from_notebook
    assert "grader" not in source.text and "setup_notebook" not in source.text and "run_checks" not in source.text
    runner = Runner(root)
    for check in checks_of("02_sigmoid"):
        runner.run("02_sigmoid", check.name)  # no "No module named 'grader.notebook_support'"
    intake = handin.normalise(path, tmp_path / "handed_in")
    assert intake.notes == [] and (intake.root / "02_sigmoid" / "sigmoid.py").read_text() == source.text
    # The check cell reads the saved notebook as the grader does: nothing to say.
    namespace: dict = {"__name__": "__main__"}
    exec(solution_text("02_sigmoid"), namespace)
    assert saved_notebook_notes("02_sigmoid", namespace, path) == []


def test_the_check_cell_names_colabs_setup_lines_the_grader_leaves_out(tmp_path):
    path = tmp_path / "neuron.ipynb"
    cells = [("from google.colab import drive\nmounted = drive.mount('/content/drive')", None)]
    path.write_text(json.dumps(jupyterlab_notebook([*cells, (solution_text("01_neuron"), "exercise")])))
    namespace: dict = {"__name__": "__main__", "mounted": None}
    exec(solution_text("01_neuron"), namespace)
    assert saved_notebook_notes("01_neuron", namespace, path) == [
        "Code cell 1, line 2 uses `drive`, imported from google.colab in code cell 1, line 1: the grader leaves out "
        "imports of google.colab (it only exists in Colab), so use `drive` only in lines that just show something "
        "(a call on a line of its own)."
    ]
