"""What ``python -m grader release`` writes: committed as generated, deterministic, well formed."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from grader.calling import NOTEBOOK_METADATA_KEY, exercise_cell, module_name
from grader.release import (
    LearnerWorkError,
    MarkingError,
    generated_files,
    release,
    released_exercises,
    stale_files,
    stub_source,
)
from tests.conftest import REPO

RELEASED = released_exercises(REPO)
NOTEBOOKS = [REPO / "exercises" / e / f"{module_name(e)}.ipynb" for e in RELEASED]


def test_committed_stubs_and_notebooks_are_what_release_generates():
    stale = [str(path.relative_to(REPO)) for path in stale_files(REPO)]
    assert not stale, (
        "These files differ from what the solutions generate: "
        + ", ".join(stale)
        + ". Maintainers: run `python -m grader release` and commit the result (never edit stubs or notebooks by hand)."
    )


def test_every_exercise_of_the_course_is_released_and_checked():
    from grader.calling import EXERCISES
    from grader.checks import exercises_with_checks

    assert list(EXERCISES) == RELEASED
    assert exercises_with_checks() == list(EXERCISES)


def _copy_sources(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    shutil.copytree(REPO / "solutions", root / "solutions")
    for exercise in RELEASED:
        (root / "exercises" / exercise).mkdir(parents=True)
        shutil.copy(REPO / "exercises" / exercise / "README.md", root / "exercises" / exercise)
    return root


def test_release_is_deterministic_and_idempotent(tmp_path):
    root = _copy_sources(tmp_path)
    first = release(root)
    assert sorted(first) == sorted(generated_files(root))
    written = {path: path.read_bytes() for path in first}
    assert release(root) == []  # nothing changes the second time
    assert {path: path.read_bytes() for path in first} == written
    again = generated_files(root)
    assert again == written
    # The repository's own files are byte-identical to a release made elsewhere.
    for path, data in written.items():
        assert (REPO / path.relative_to(root)).read_bytes() == data, path.relative_to(root)


def test_unreleased_exercises_are_left_alone(tmp_path):
    root = _copy_sources(tmp_path)
    (root / "exercises" / "01_neuron" / "README.md").unlink()
    assert "01_neuron" not in released_exercises(root)
    assert not any("01_neuron" in str(path) for path in generated_files(root))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.parent.name)
def test_notebook_is_valid_and_fixed(path):
    notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    nbformat.validate(notebook)  # raises when invalid against the current schema
    assert (notebook.nbformat, notebook.nbformat_minor) == (4, nbformat.v4.nbformat_minor)
    exercise = path.parent.name
    ids = [cell.id for cell in notebook.cells]
    assert ids == [f"{exercise.replace('_', '-')}-{role}" for role in ("readme", "setup", "exercise", "tests")]
    roles = [cell.metadata.get(NOTEBOOK_METADATA_KEY, {}).get("role") for cell in notebook.cells]
    assert roles == [None, "setup", "exercise", "tests"]
    stub = (path.parent / f"{module_name(exercise)}.py").read_text(encoding="utf-8")
    assert notebook.cells[2].source == exercise_cell(stub, exercise)  # the stub, said to a notebook learner
    assert f'setup_notebook("{exercise}")' in notebook.cells[1].source
    assert f'run_checks("{exercise}", globals())' in notebook.cells[3].source
    assert all(cell.get("outputs", []) == [] and cell.get("execution_count") is None for cell in notebook.cells[1:])
    raw = json.loads(path.read_text(encoding="utf-8"))
    assert raw["metadata"][NOTEBOOK_METADATA_KEY]["exercise"] == exercise


SOLUTION = '''"""A module."""

import numpy as np


def double(x):
    """Twice x."""
    # BEGIN SOLUTION
    return 2 * np.asarray(x)
    # END SOLUTION
'''


def test_stub_replaces_the_marked_block_and_keeps_the_needed_import():
    stub = stub_source(SOLUTION, "01_neuron")
    assert "return 2" not in stub
    assert 'raise NotImplementedError("double is yours to write: see exercises/01_neuron/README.md")' in stub
    assert "import numpy as np  # noqa: F401" in stub
    assert '"""Twice x."""' in stub


@pytest.mark.parametrize(
    ("text", "line", "what"),
    [
        (SOLUTION.replace("    # END SOLUTION\n", ""), None, "never closed"),
        (SOLUTION.replace("    # BEGIN SOLUTION\n", ""), 9, "without # BEGIN SOLUTION"),
        (SOLUTION.replace("    # END SOLUTION\n", "    # BEGIN SOLUTION\n    # END SOLUTION\n"), 10, "inside another"),
        ("# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", 1, "inside a function"),
        ("def f():\n    return 1\n", None, "no # BEGIN SOLUTION"),
        ("def f():\n    return 1\n\n\n# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", 5, "inside a function"),
        ("def f(:\n    return 1\n", 1, "invalid syntax"),
    ],
    ids=["unclosed", "end-without-begin", "nested", "outside-function", "no-markers", "after-a-function", "syntax"],
)
def test_marking_errors_name_the_file_and_line(text, line, what):
    with pytest.raises(MarkingError) as error:
        stub_source(text, "01_neuron", "solutions/01_neuron/neuron.py")
    message = str(error.value)
    assert what in message
    where = "solutions/01_neuron/neuron.py" + (f":{line}:" if line else ":")
    assert message.startswith(where), message


def test_release_reports_a_marking_error_with_the_solution_path(tmp_path):
    root = _copy_sources(tmp_path)
    solution = root / "solutions" / "01_neuron" / "neuron.py"
    solution.write_text(solution.read_text(encoding="utf-8").replace("# END SOLUTION", "", 1), encoding="utf-8")
    with pytest.raises(MarkingError, match=r"solutions/01_neuron/neuron\.py"):
        release(root)
    assert not (root / "exercises" / "01_neuron" / "neuron.py").exists()  # nothing half-written


def test_release_never_erases_a_learners_work(tmp_path):
    root = _copy_sources(tmp_path)
    release(root)
    stub = root / "exercises" / "01_neuron" / "neuron.py"
    stub.write_text(
        stub.read_text().replace(
            'raise NotImplementedError("weighted_sum', 'return float(weights @ activations + bias)  # ("weighted_sum', 1
        )
    )
    notebook = root / "exercises" / "02_sigmoid" / "sigmoid.ipynb"
    worked = stub.read_bytes()
    notebook.write_text(
        notebook.read_text().replace("raise NotImplementedError(", "return 1 / (1 + np.exp(-z))  #(", 1)
    )
    with pytest.raises(LearnerWorkError) as refused:
        release(root)
    message = str(refused.value)
    assert "exercises/01_neuron/neuron.py (weighted_sum)" in message
    assert "exercises/02_sigmoid/sigmoid.ipynb (sigmoid)" in message
    assert "pytest exercises/" in message and "--force" in message
    assert stub.read_bytes() == worked
    assert stub in release(root, force=True)


def test_release_still_updates_untouched_stubs_after_a_solution_changes(tmp_path):
    root = _copy_sources(tmp_path)
    release(root)
    solution = root / "solutions" / "01_neuron" / "neuron.py"
    solution.write_text(solution.read_text().replace('"""The input of one neuron', '"""The net input of one neuron'))
    assert root / "exercises" / "01_neuron" / "neuron.py" in release(root)
