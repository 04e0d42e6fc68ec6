"""One Jupyter notebook per exercise, generated from the same source as the stub.

Output is deterministic (fixed cell ids, no timestamps) so the notebooks are committed and
reviewed like code. The learner's code cell is the stub itself; the notebook records the stub's
SHA-256 so the runners can tell an untouched ``.py`` from one the learner works in.
"""

from __future__ import annotations

import hashlib

import nbformat

from grader.calling import NOTEBOOK_METADATA_KEY, module_name


def _cell_id(exercise: str, role: str) -> str:
    return f"{exercise.replace('_', '-')}-{role}"


def exercise_notebook(exercise: str, readme: str, stub: str) -> bytes:
    """The notebook of one exercise: its README, a setup cell, the stub to complete, its tests."""
    name = module_name(exercise)
    setup = (
        "# Run this cell first: it lets this notebook import your other exercises\n"
        "# (for example `from sigmoid import sigmoid`), from their notebooks or .py files.\n"
        "try:\n"
        "    import grader\n"
        "except ImportError:  # nnkata is not installed: use the repository this notebook is in\n"
        "    import sys\n"
        "    from pathlib import Path\n\n"
        "    sys.path.insert(0, str(Path.cwd().resolve().parents[1]))\n"
        "from grader.notebook_support import setup_notebook\n\n"
        f'setup_notebook("{exercise}");'  # the ; keeps Jupyter from printing what it returns
    )
    tests = (
        f"# Checks {name} against PyTorch, exactly like `pytest exercises/{exercise}`.\n"
        "# Run the cells above first (after every change), then this one.\n"
        "from grader.notebook_support import run_checks\n\n"
        f'run_checks("{exercise}", globals());'
    )
    cells = [
        nbformat.v4.new_markdown_cell(readme.rstrip() + "\n", id=_cell_id(exercise, "readme")),
        nbformat.v4.new_code_cell(
            setup, id=_cell_id(exercise, "setup"), metadata={NOTEBOOK_METADATA_KEY: {"role": "setup"}}
        ),
        nbformat.v4.new_code_cell(
            stub.rstrip() + "\n",
            id=_cell_id(exercise, "exercise"),
            metadata={NOTEBOOK_METADATA_KEY: {"role": "exercise"}},
        ),
        nbformat.v4.new_code_cell(
            tests, id=_cell_id(exercise, "tests"), metadata={NOTEBOOK_METADATA_KEY: {"role": "tests"}}
        ),
    ]
    notebook = nbformat.v4.new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
            "language_info": {"name": "python"},
            NOTEBOOK_METADATA_KEY: {
                "exercise": exercise,
                "stub_sha256": hashlib.sha256(stub.encode("utf-8")).hexdigest(),
            },
        },
    )
    nbformat.validate(notebook)
    return (nbformat.writes(notebook) + "\n").encode("utf-8")
