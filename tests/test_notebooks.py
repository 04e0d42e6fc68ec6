"""The generated notebooks: read back as learners save them, checked in-process, run in a real kernel."""

from __future__ import annotations

import copy
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from grader.calling import NOTEBOOK_METADATA_KEY, find_source, module_name, notebook_code
from grader.checks import checks_of, exercises_with_checks
from grader.mnist import find_data_dir
from grader.notebook_support import CheckResult, ChecksReport, exercises_root, run_checks, setup_notebook
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


def test_run_checks_on_the_stub_says_not_written_yet(tmp_path):
    root = copy_exercises(tmp_path)
    setup_notebook("01_neuron", root / "01_neuron")
    namespace: dict = {}
    exec((root / "01_neuron" / "neuron.py").read_text(encoding="utf-8"), namespace)
    out = io.StringIO()
    report = run_checks("01_neuron", namespace, out=out)
    text = out.getvalue()
    total = len(checks_of("01_neuron"))
    assert not report.ok and report.failed == total
    assert "`weighted_sum` is not written yet" in text and "exercises/01_neuron/README.md" in text
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
    assert "likely mistake" in text and "has no function `weighted_sum`" in text
    assert "your notebook neuron.ipynb" in text and "Traceback" not in text
    # The usual cause in a notebook comes first: its cell was not run.
    assert text.startswith("Not defined in this notebook's session: `weighted_sum`. Run the cell that defines it")


def test_run_checks_refuses_torch(tmp_path):
    import torch

    root = copy_exercises(tmp_path)
    setup_notebook("01_neuron", root / "01_neuron")
    namespace: dict = {"torch": torch}
    exec(solution_text("01_neuron"), namespace)
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
# In a real Jupyter kernel


def execute(path: Path) -> str:
    """Run a notebook top to bottom in a fresh kernel in its folder; the tests cell's text output."""
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    client.execute()  # raises CellExecutionError if any cell raises
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
    assert ChecksReport("08_training", results[:1]).final_line == "nnkata: all 1 checks pass"
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
