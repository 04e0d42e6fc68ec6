"""Generate what learners get from the one marked source in ``solutions/``.

In a solution module the learner's part of each function sits between ``# BEGIN SOLUTION`` and
``# END SOLUTION`` (nbgrader's convention). The stub in ``exercises/`` is the same file with each
marked block replaced by a friendly ``NotImplementedError``; everything else (imports,
signatures, docstrings, helpers) is written once, in the solution.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

from grader.calling import EXERCISES, module_name

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
_DEF = re.compile(r"^\s*def\s+(\w+)\s*\(")


class MarkingError(ValueError):
    """A solution module whose markers are missing, unbalanced or outside a function."""


def stub_message(exercise: str, function: str) -> str:
    return f"{function} is yours to write: see exercises/{exercise}/README.md"


def stub_source(solution: str, exercise: str, filename: str = "<solution>") -> str:
    """The learner's stub for a solution module's text.

    Raises ``MarkingError`` naming the file and line when the markers are not well formed.
    """
    lines = solution.splitlines(keepends=True)
    out: list[str] = []
    function = None
    inside = False
    blocks = 0
    for number, line in enumerate(lines, start=1):
        stripped = line.strip()
        if not inside:
            match = _DEF.match(line)
            if match:
                function = match.group(1)
        if stripped == BEGIN:
            if inside:
                raise MarkingError(f"{filename}:{number}: {BEGIN} inside another marked block")
            if function is None:
                raise MarkingError(f"{filename}:{number}: {BEGIN} must be inside a function")
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f'{indent}raise NotImplementedError("{stub_message(exercise, function)}")\n')
            inside = True
            blocks += 1
        elif stripped == END:
            if not inside:
                raise MarkingError(f"{filename}:{number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise MarkingError(f"{filename}: {BEGIN} is never closed")
    if blocks == 0:
        raise MarkingError(f"{filename}: no {BEGIN} / {END} block: mark the learner's part")
    return "".join(out)


def write_atomically(path: Path, data: str | bytes) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly that; True if it changed."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if path.is_file() and path.read_bytes() == raw:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(raw)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return True


def generated_files(repo_root: Path) -> dict[Path, bytes]:
    """Every file ``release`` writes, with its content, computed from ``solutions/``."""
    from grader import notebooks  # nbformat is only needed when notebooks are generated

    files: dict[Path, bytes] = {}
    for exercise in EXERCISES:
        name = module_name(exercise)
        solution_path = repo_root / "solutions" / exercise / f"{name}.py"
        stub = stub_source(solution_path.read_text(encoding="utf-8"), exercise, str(solution_path))
        files[repo_root / "exercises" / exercise / f"{name}.py"] = stub.encode("utf-8")
        readme = (repo_root / "exercises" / exercise / "README.md").read_text(encoding="utf-8")
        files[repo_root / "exercises" / exercise / f"{name}.ipynb"] = notebooks.exercise_notebook(
            exercise, readme, stub
        )
    return files


def release(repo_root: Path) -> list[Path]:
    """Regenerate stubs and notebooks; returns the files that changed."""
    return [path for path, data in generated_files(repo_root).items() if write_atomically(path, data)]


def stale_files(repo_root: Path) -> list[Path]:
    """Generated files whose committed content differs from what ``release`` would write."""
    return [
        path for path, data in generated_files(repo_root).items() if not path.is_file() or path.read_bytes() != data
    ]
