"""Shared helpers of the project's own suite."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from grader.calling import EXERCISES, module_name

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"


def solution_text(exercise: str) -> str:
    """The reference solution's module for ``exercise``, as text (to plant a mistake in it)."""
    return (SOLUTIONS / exercise / f"{module_name(exercise)}.py").read_text(encoding="utf-8")


EXERCISES_DIR = REPO / "exercises"

# No test downloads anything: the command line's first-use MNIST download is off in every
# process the tests start (tests/test_mnist.py turns it on against a server on 127.0.0.1).
os.environ["NNKATA_OFFLINE"] = "1"


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
