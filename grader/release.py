"""Generate what learners get from the one marked source in ``solutions/``.

In a solution module the learner's part of each function sits between ``# BEGIN SOLUTION`` and
``# END SOLUTION`` (nbgrader's convention). The stub in ``exercises/`` is the same file with each
marked block replaced by a friendly ``NotImplementedError``; everything else (imports,
signatures, docstrings, helpers) is written once, in the solution.
"""

from __future__ import annotations

import ast
import json
from pathlib import Path

from grader import files
from grader.calling import EXERCISES, module_name, stub_message

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"


class MarkingError(ValueError):
    """A solution module whose markers are missing, unbalanced or outside a function."""


def stub_source(solution: str, exercise: str, filename: str = "<solution>") -> str:
    """The learner's stub for a solution module's text.

    Raises ``MarkingError`` naming the file and line when the markers are not well formed.
    """
    try:
        tree = ast.parse(solution, filename)
    except SyntaxError as error:
        raise MarkingError(f"{filename}:{error.lineno}: {error.msg}") from None
    # (first line, last line, name) of every function, nested ones included.
    functions = [
        (node.lineno, node.end_lineno or node.lineno, node.name)
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    out: list[str] = []
    inside = False
    blocks = 0
    for number, line in enumerate(solution.splitlines(keepends=True), start=1):
        stripped = line.strip()
        if stripped == BEGIN:
            if inside:
                raise MarkingError(f"{filename}:{number}: {BEGIN} inside another marked block")
            # The innermost function whose body the marker sits in (it starts last).
            around = [f for f in functions if f[0] < number < f[1]]
            if not around:
                raise MarkingError(f"{filename}:{number}: {BEGIN} must be inside a function")
            function = max(around)[2]
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
    return _keep_unused_imports("".join(out))


UNUSED_IMPORT_NOTE = "  # noqa: F401 (you will need it)"


def _keep_unused_imports(stub: str) -> str:
    """Mark top-level imports that only the removed solution used, so linters leave them alone.

    The learner needs ``import numpy as np`` even though the stub's bodies no longer use it.
    """
    try:
        tree = ast.parse(stub)
    except SyntaxError:
        return stub
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}
    lines = stub.splitlines(keepends=True)
    for node in tree.body:
        if not isinstance(node, (ast.Import, ast.ImportFrom)) or node.lineno != node.end_lineno:
            continue
        if isinstance(node, ast.ImportFrom) and node.module == "__future__":
            continue
        bound = [(alias.asname or alias.name).split(".")[0] for alias in node.names]
        line = lines[node.lineno - 1]
        if all(name not in used for name in bound) and "#" not in line:
            lines[node.lineno - 1] = line.rstrip("\n") + UNUSED_IMPORT_NOTE + "\n"
    return "".join(lines)


def write_if_changed(path: Path, data: str | bytes) -> bool:
    """Write ``data`` to ``path`` unless it already holds exactly that; True if it changed."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if path.is_file() and path.read_bytes() == raw:
        return False
    files.write_atomically(path, raw)
    return True


def released_exercises(repo_root: Path) -> list[str]:
    """The exercises ready to release: a marked solution and a README in ``exercises/``.

    An exercise still being written (no solution yet, or no README yet) is left alone.
    """
    return [
        exercise
        for exercise in EXERCISES
        if (repo_root / "solutions" / exercise / f"{module_name(exercise)}.py").is_file()
        and (repo_root / "exercises" / exercise / "README.md").is_file()
    ]


def generated_files(repo_root: Path) -> dict[Path, bytes]:
    """Every file ``release`` writes, with its content, computed from ``solutions/``."""
    from grader import notebooks  # nbformat is only needed when notebooks are generated

    generated: dict[Path, bytes] = {}
    for exercise in released_exercises(repo_root):
        name = module_name(exercise)
        solution_path = repo_root / "solutions" / exercise / f"{name}.py"
        shown = solution_path.relative_to(repo_root) if solution_path.is_relative_to(repo_root) else solution_path
        stub = stub_source(solution_path.read_text(encoding="utf-8"), exercise, str(shown))
        generated[repo_root / "exercises" / exercise / f"{name}.py"] = stub.encode("utf-8")
        readme = (repo_root / "exercises" / exercise / "README.md").read_text(encoding="utf-8")
        generated[repo_root / "exercises" / exercise / f"{name}.ipynb"] = notebooks.exercise_notebook(
            exercise, readme, stub
        )
    return generated


class LearnerWorkError(RuntimeError):
    """Release would overwrite a stub or notebook in which someone has written exercises."""


def release(repo_root: Path, *, force: bool = False) -> list[Path]:
    """Regenerate stubs and notebooks; returns the files that changed.

    A file in which functions the stub leaves unwritten have been written (a learner's work in
    a clone) is not overwritten unless ``force``: ``LearnerWorkError`` names them instead.
    """
    generated = generated_files(repo_root)
    if not force:
        worked = [
            f"{path.relative_to(repo_root)} ({', '.join(names)})"
            for path, data in generated.items()
            if (names := written_functions(path, data))
        ]
        if worked:
            raise LearnerWorkError(
                "release would replace work written in "
                + "; ".join(worked)
                + " with the stubs. Release is for maintainers of nnkata: to do the exercises, "
                "run `pytest exercises/` instead. To overwrite them anyway: python -m grader release --force"
            )
    return [path for path, data in generated.items() if write_if_changed(path, data)]


def written_functions(path: Path, generated: bytes) -> list[str]:
    """Functions the generated stub leaves unwritten that the file at ``path`` implements."""
    if not path.is_file() or path.read_bytes() == generated:
        return []
    try:
        current = _learner_code(path, path.read_bytes())
        stub = _learner_code(path, generated)
    except ValueError:
        return ["unreadable"]
    try:
        defined = _functions(current)
    except SyntaxError:
        return ["code that does not parse"]
    unwritten = _unwritten(_functions(stub))
    return sorted((unwritten & set(defined)) - _unwritten(defined))


def _learner_code(path: Path, data: bytes) -> str:
    from grader.calling import code_cells, join_cells

    text = data.decode("utf-8")
    return join_cells(code_cells(json.loads(text)))[0] if path.suffix == ".ipynb" else text


def _functions(source: str) -> dict[str, ast.FunctionDef]:
    return {n.name: n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef)}


def _unwritten(functions: dict[str, ast.FunctionDef]) -> set[str]:
    """The functions whose body raises NotImplementedError: still to be written."""
    return {
        name
        for name, node in functions.items()
        if any(isinstance(s, ast.Raise) and "NotImplementedError" in ast.unparse(s) for s in node.body)
    }


def stale_files(repo_root: Path) -> list[Path]:
    """Generated files whose committed content differs from what ``release`` would write."""
    return [
        path for path, data in generated_files(repo_root).items() if not path.is_file() or path.read_bytes() != data
    ]
