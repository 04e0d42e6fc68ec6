"""Intake: turn whatever a learner handed in into a fresh tree laid out like ``exercises/``.

Accepted: a directory laid out like ``exercises/`` (``02_sigmoid/sigmoid.py``), the modules
flattened into one folder (``sigmoid.py``), either of those one folder deeper, a ``.zip`` of
any of those, and Jupyter notebooks (``sigmoid.ipynb`` per exercise, or one notebook holding
every exercise, whose code cells are split by the exercise functions they define).

Nothing is imported or executed here: files are read as bytes/text, notebooks as JSON, code
with ``ast.parse`` only. Symlinks are never followed. Zip archives are inspected before
anything is extracted; a dangerous one is reported and not extracted. Every problem becomes a
note for the learner's feedback, never an exception that stops the grading of others.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from grader.calling import EXERCISES, code_cells, join_cells, module_name

MAX_FILE_BYTES = 2 * 1024**2  # a module or notebook larger than this is not a hand-in
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_BYTES = 64 * 1024**2
MAX_SCAN_FILES = 5000


class HandinError(Exception):
    """The hand-in cannot be read at all (the message goes into the learner's feedback)."""


@dataclass
class Intake:
    """A normalised hand-in: what was found, and what the learner should be told."""

    root: Path
    found: dict[str, str] = field(default_factory=dict)  # exercise -> where it came from
    notes: list[str] = field(default_factory=list)
    content_hash: str = ""


def _functions_by_exercise() -> dict[str, set[str]]:
    """The top-level functions each exercise defines: from its checks and its stub."""
    from grader.checks import all_checks

    names: dict[str, set[str]] = {e: set() for e in EXERCISES}
    for check in all_checks():
        names[check.exercise].add(check.function)
    repo = Path(__file__).resolve().parent.parent
    for exercise in EXERCISES:
        for tree_root in (repo / "exercises", repo / "solutions"):
            stub = tree_root / exercise / f"{module_name(exercise)}.py"
            if stub.is_file():
                try:
                    tree = ast.parse(stub.read_text(encoding="utf-8"))
                except (SyntaxError, ValueError, OSError):
                    continue
                names[exercise] |= {
                    n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")
                }
    return names


def _read_regular(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, refusing symlinks and anything too large."""
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise HandinError(f"{path.name} is not a regular file (symlinks are not accepted)")
    if info.st_size > limit:
        raise HandinError(f"{path.name} is {info.st_size} bytes, more than the {limit} accepted")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as file:
        return file.read(limit + 1)[:limit]


def _walk(root: Path, depth: int = 3) -> list[Path]:
    """Regular files under ``root`` down to ``depth`` levels, never following symlinks."""
    found: list[Path] = []
    layer = [root]
    for _ in range(depth):
        next_layer = []
        for directory in layer:
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                if entry.name.startswith(".") or entry.name in ("__pycache__", "__MACOSX"):
                    continue
                if entry.is_dir(follow_symlinks=False):
                    next_layer.append(Path(entry.path))
                elif entry.is_file(follow_symlinks=False):
                    found.append(Path(entry.path))
                if len(found) > MAX_SCAN_FILES:
                    raise HandinError(f"more than {MAX_SCAN_FILES} files: this does not look like a hand-in")
        layer = next_layer
    return found


def check_zip(archive: zipfile.ZipFile) -> list[str]:
    """Why the archive must not be extracted (empty when it is safe)."""
    problems = []
    members = archive.infolist()
    if len(members) > MAX_ZIP_MEMBERS:
        return [f"it has {len(members)} members (at most {MAX_ZIP_MEMBERS} are accepted)"]
    total = 0
    for info in members:
        name = info.filename
        path = PurePosixPath(name.replace("\\", "/"))
        if name.startswith(("/", "\\")) or path.is_absolute() or (len(name) > 1 and name[1] == ":"):
            problems.append(f"member {name!r} has an absolute path")
        elif ".." in path.parts:
            problems.append(f"member {name!r} points outside the archive")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            problems.append(f"member {name!r} is a symbolic link")
        total += info.file_size
        if info.file_size > MAX_FILE_BYTES and not info.is_dir():
            problems.append(f"member {name!r} would be {info.file_size} bytes uncompressed")
    if total > MAX_ZIP_BYTES:
        problems.append(f"it would take {total} bytes uncompressed (at most {MAX_ZIP_BYTES} are accepted)")
    return problems


def _extract(source: Path, target: Path) -> None:
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise HandinError(f"{source.name} is not a readable zip archive ({error})") from None
    with archive:
        problems = check_zip(archive)
        if problems:
            raise HandinError(f"{source.name} was not extracted: " + "; ".join(problems[:5]))
        budget = MAX_ZIP_BYTES
        for info in archive.infolist():
            if info.is_dir():
                continue
            name = PurePosixPath(info.filename.replace("\\", "/"))
            destination = target.joinpath(*name.parts)
            try:
                with archive.open(info) as member:
                    # Never trust the declared size: read at most what the budget allows.
                    data = member.read(min(budget, MAX_FILE_BYTES) + 1)
            except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError) as error:
                raise HandinError(f"{source.name}: member {info.filename!r} is unreadable ({error})") from None
            if len(data) > min(budget, MAX_FILE_BYTES):
                raise HandinError(f"{source.name} was not extracted: member {info.filename!r} is larger than declared")
            budget -= len(data)
            try:
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(data)
            except OSError:  # e.g. members "x" and "x/y", or one named "."
                raise HandinError(
                    f"{source.name} was not extracted: member {info.filename!r} clashes with another one"
                ) from None


def split_notebook(code_cells: Iterable[str], functions: dict[str, set[str]]) -> dict[str, str]:
    """Share a notebook's code cells between the exercises whose functions they define.

    Cells before the first exercise cell (imports, helpers) go to every exercise; a cell that
    defines no exercise function goes with the exercise of the cell before it. A later exercise
    gets ``from <earlier> import *`` for every earlier exercise, so cells may use functions
    defined above them, as they could in the notebook.
    """
    owner_of: dict[str, str] = {}
    for exercise in EXERCISES:  # a name defined by two exercises belongs to the first
        for name in sorted(functions.get(exercise, ())):
            owner_of.setdefault(name, exercise)
    preamble: list[str] = []
    parts: dict[str, list[str]] = {}
    current: str | None = None
    for text in code_cells:
        try:
            tree = ast.parse(text)
            defined = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        except (SyntaxError, ValueError):
            defined = []
        owners = [owner_of[n] for n in defined if n in owner_of]
        if owners:
            current = owners[0]
        if current is None:
            preamble.append(text)
        else:
            parts.setdefault(current, []).append(text)
    modules = {}
    ordered = [e for e in EXERCISES if e in parts]
    for exercise in ordered:
        earlier = [module_name(e) for e in ordered[: ordered.index(exercise)]]
        imports = [f"from {name} import *  # noqa (from the notebook)" for name in earlier]
        modules[exercise] = join_cells([*imports, *preamble, *parts[exercise]])[0]
    return modules


def _cells(path: Path, data: bytes) -> list[str]:
    """The learner's code cells of a notebook (raises ``HandinError`` for an invalid one)."""
    try:
        return code_cells(json.loads(data.decode("utf-8")))
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise HandinError(f"{path.name} is not a valid Jupyter notebook ({str(error)[:200]})") from None


@functools.cache
def _stub_hashes() -> frozenset[str]:
    """SHA-256 of the untouched stubs in ``exercises/``: a module equal to one holds no work."""
    repo = Path(__file__).resolve().parent.parent
    return frozenset(
        hashlib.sha256(path.read_bytes()).hexdigest()
        for exercise in EXERCISES
        if (path := repo / "exercises" / exercise / f"{module_name(exercise)}.py").is_file()
    )


def is_untouched_stub(code: str) -> bool:
    return hashlib.sha256(code.encode("utf-8")).hexdigest() in _stub_hashes()


def normalise(source: Path, dest: Path) -> Intake:
    """Lay the hand-in at ``source`` out like ``exercises/`` in the empty directory ``dest``."""
    source = Path(source)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    intake = Intake(dest)
    with tempfile.TemporaryDirectory(prefix="nnkata-intake-") as scratch:
        try:
            if source.is_symlink():
                raise HandinError(f"{source.name} is a symbolic link: hand in the files themselves")
            if source.is_dir():
                files = _walk(source)
                base = source
            elif source.is_file() and source.suffix.lower() == ".zip":
                _extract(source, Path(scratch))
                base = Path(scratch)
                files = _walk(base, depth=4)
            elif source.is_file() and source.suffix.lower() in (".py", ".ipynb"):
                files, base = [source], source.parent
            else:
                raise HandinError(f"{source.name}: expected a folder, a .zip, a .py or an .ipynb")
            _collect(files, base, intake)
        except HandinError as error:
            intake.notes.append(str(error))
    if not intake.found and not intake.notes:
        intake.notes.append("no exercise module (neuron.py, sigmoid.py, ...) or notebook was found in the hand-in")
    intake.content_hash = tree_hash(dest, intake.notes)
    return intake


def _collect(files: list[Path], base: Path, intake: Intake) -> None:
    by_name = {f"{module_name(e)}.py": e for e in EXERCISES}
    by_notebook = {f"{module_name(e)}.ipynb": e for e in EXERCISES}

    def rank(path: Path) -> tuple[int, int]:
        relative = path.relative_to(base)
        exercise = by_name.get(path.name) or by_notebook.get(path.name)
        in_folder = len(relative.parts) >= 2 and relative.parts[-2] == exercise
        return (len(relative.parts) - (1 if in_folder else 0), 0 if path.suffix == ".py" else 1)

    modules: dict[str, tuple[str, str]] = {}  # exercise -> (code, origin)
    for path in sorted(files, key=rank):
        exercise = by_name.get(path.name)
        relative = str(path.relative_to(base))
        if exercise is not None and exercise not in modules:
            try:
                text = _read_regular(path).decode("utf-8", errors="replace")
            except (HandinError, OSError) as error:
                intake.notes.append(f"{relative}: {error}")
                continue
            modules[exercise] = (text, relative)
    functions = None
    for path in sorted(files, key=rank):
        if path.suffix.lower() != ".ipynb":
            continue
        relative = str(path.relative_to(base))
        try:
            cells = _cells(path, _read_regular(path))
        except (HandinError, OSError) as error:
            intake.notes.append(f"{relative}: {error}")
            continue
        exercise = by_notebook.get(path.name)
        if exercise is not None:
            split = {exercise: join_cells(cells)[0]}
        else:
            functions = functions or _functions_by_exercise()
            split = split_notebook(cells, functions)
            if not split:
                intake.notes.append(f"{relative}: no code cell defines an exercise function")
        for exercise, code in split.items():
            # A learner who works in the notebook leaves the .py stub beside it untouched.
            if exercise not in modules or is_untouched_stub(modules[exercise][0]):
                modules[exercise] = (code, relative)
    for exercise, (code, origin) in modules.items():
        folder = intake.root / exercise
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{module_name(exercise)}.py").write_text(code, encoding="utf-8")
        intake.found[exercise] = origin


def imported_exercises(code: str) -> list[str]:
    """The earlier exercises a module imports (``from backprop import backprop`` -> 05_backprop)."""
    try:
        tree = ast.parse(code)
    except (SyntaxError, ValueError):
        return []
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return [e for e in EXERCISES if module_name(e) in names]


def tree_hash(root: Path, notes: list[str] = ()) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes() + b"\0")
    for note in notes:
        digest.update(note.encode() + b"\0")
    return digest.hexdigest()


def copy_tree(source: Path, dest: Path) -> None:
    shutil.copytree(source, dest, symlinks=True, dirs_exist_ok=True)
