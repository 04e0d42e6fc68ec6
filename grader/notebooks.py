"""One Jupyter notebook per exercise, generated from the same source as the stub.

Output is deterministic (fixed cell ids, no timestamps) so the notebooks are committed and
reviewed like code. The learner's code cell is the stub said the notebook's way
(``grader.calling.exercise_cell``); the notebook records the stub's SHA-256 so the runners can tell
an untouched ``.py`` from one the learner works in.

The README is written for a learner who edits the ``.py`` and runs ``pytest`` in a terminal; the
notebook's first cell is the same README with those phrases said the notebook's way
(``for_notebook``), so that there is one README to maintain.
"""

from __future__ import annotations

import re
from typing import Any

import nbformat

from grader.calling import NOTEBOOK_METADATA_KEY, exercise_cell, module_name, stub_sha256


def _cell_id(exercise: str, role: str) -> str:
    return f"{exercise.replace('_', '-')}-{role}"


def for_notebook(text: str, exercise: str) -> str:
    """README (or hints) text, written for the ``.py`` and the terminal, as a notebook learner reads it.

    ``What to write (in `neuron.py`)`` becomes ``(in the exercise cell below)``; ``Run the checks:
    `pytest exercises/01_neuron` `` says to run the notebook's last cell (pytest checks a saved
    notebook too, while its ``.py`` is the untouched stub: ``grader.calling.find_source``); the
    README is this notebook's first cell; the hints are ``hints.md``, beside the notebook.
    """
    name = re.escape(module_name(exercise))
    folder = re.escape(exercise)

    def run_the_checks(match: re.Match) -> str:
        return (
            f"{match.group(1)}: run this notebook's last cell (after the cells above). In a terminal, "
            f"`pytest exercises/{exercise}` checks this notebook too, once it is saved, as long as "
            f"`{module_name(exercise)}.py` beside it is left as it came."
        )

    rules: list[tuple[str, Any]] = [
        (rf"\(in `?{name}\.py`?\)", "(in the exercise cell below)"),
        (rf"\bin `?{name}\.py`?", "in the exercise cell below"),
        (rf"(Run the checks)(?: with)?:\s*`?pytest exercises/{folder}/?`?(?=[ \t]*$)", run_the_checks),
        (r"\bREADME\.md in this folder\b", "the instructions at the top of this notebook"),
        (rf"\bin (?:exercises/{folder}/)?README\.md\b", "at the top of this notebook"),
        (rf"(?:\bexercises/{folder}/)?\bREADME\.md\b", "the instructions at the top of this notebook"),
        (r"\bsee the hints\b", "see the hints (hints.md, beside this notebook)"),
    ]
    for pattern, replacement in rules:
        text = re.sub(pattern, replacement, text, flags=re.MULTILINE)
    return text


def exercise_notebook(exercise: str, readme: str, stub: str) -> bytes:
    """The notebook of one exercise: its README, a setup cell, the stub to complete, its tests.

    The README and the stub are written for the ``.py`` and the terminal; both are said the
    notebook's way (``for_notebook``, ``exercise_cell``).
    """
    setup = (
        "# Run this cell first: it lets this notebook import your other exercises\n"
        "# (for example `from sigmoid import sigmoid`), from their notebooks or .py files.\n"
        "# Your lines here run when graded too, except inside the `try:`; write functions in the cells below.\n"
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
        "# Run the cells above first (after every change), then this one: it checks the functions\n"
        f"# of this session against PyTorch, with the checks of `pytest exercises/{exercise}`.\n"
        "# The grader runs your saved notebook's code cells instead, top to bottom in a fresh\n"
        "# process: Kernel → Restart & Run All shows what it gets.\n"
        "from grader.notebook_support import run_checks\n\n"
        f'run_checks("{exercise}", globals());'
    )
    cells = [
        nbformat.v4.new_markdown_cell(for_notebook(readme, exercise).rstrip() + "\n", id=_cell_id(exercise, "readme")),
        nbformat.v4.new_code_cell(
            setup, id=_cell_id(exercise, "setup"), metadata={NOTEBOOK_METADATA_KEY: {"role": "setup"}}
        ),
        nbformat.v4.new_code_cell(
            exercise_cell(stub, exercise),
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
                "stub_sha256": stub_sha256(stub),
            },
        },
    )
    nbformat.validate(notebook)
    return (nbformat.writes(notebook) + "\n").encode("utf-8")
