"""Shared helpers of the project's own suite."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable
from pathlib import Path

import pytest

from grader.calling import EXERCISES, module_name

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
EXERCISES_DIR = REPO / "exercises"


def solution_text(exercise: str) -> str:
    """The reference solution's module for ``exercise``, as text (to plant a mistake in it)."""
    return (SOLUTIONS / exercise / f"{module_name(exercise)}.py").read_text(encoding="utf-8")


def solution_texts(exercises: Iterable[str]) -> dict[str, str]:
    """The reference solutions' modules, as text, by exercise: what ``write_handin`` takes."""
    return {exercise: solution_text(exercise) for exercise in exercises}


def write_handin(root: Path, modules: dict[str, str], *, flat: bool = False) -> Path:
    """A learner's hand-in folder holding ``modules`` (exercise -> source text); returns ``root``.

    Laid out like exercises/ (``01_neuron/neuron.py``), or with every module at the top (``flat``).
    """
    for exercise, text in modules.items():
        folder = root if flat else root / exercise
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{module_name(exercise)}.py").write_text(text, encoding="utf-8")
    return root


def notebook_json(cells: list[str]) -> str:
    """A Jupyter notebook file's text: a code cell per string, then a markdown cell, which is never code."""
    code = [{"cell_type": "code", "metadata": {}, "source": cell, "outputs": []} for cell in cells]
    markdown = {"cell_type": "markdown", "metadata": {}, "source": "# notes"}
    return json.dumps({"cells": [*code, markdown], "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


# No test downloads anything: the command line's first-use MNIST download is off in every
# process the tests start (tests/test_mnist.py turns it on against a server on 127.0.0.1).
os.environ["NNKATA_OFFLINE"] = "1"
# The commands a run suggests read `pytest ...` here however the suite was started (./run sets it).
os.environ.pop("NNKATA_RUN", None)


def tree_with(tmp_path: Path, replacements: dict[str, str]) -> Path:
    """A copy of the solutions tree where some exercises' modules hold other source text."""
    root = tmp_path / "impl"
    for exercise in EXERCISES:
        (root / exercise).mkdir(parents=True)
        if not (SOLUTIONS / exercise).is_dir():
            continue  # an exercise not written yet
        shutil.copy(SOLUTIONS / exercise / f"{module_name(exercise)}.py", root / exercise)
    for exercise, text in replacements.items():
        (root / exercise / f"{module_name(exercise)}.py").write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def make_tree(tmp_path: Path):
    return lambda replacements: tree_with(tmp_path, replacements)
