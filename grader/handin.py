"""Intake: turn whatever a learner handed in into a fresh tree laid out like ``exercises/``.

Accepted: a directory laid out like ``exercises/`` (``02_sigmoid/sigmoid.py``), the modules
flattened into one folder (``sigmoid.py``), either of those a few folders deeper (a clone of
nnkata inside a download folder), a ``.zip`` of any of those (also inside a folder or zip that
holds nothing else: a course site's ``submission.zip``), and Jupyter notebooks
(``sigmoid.ipynb`` per exercise, or one notebook holding every exercise, whose code cells are
split by the exercise functions they define). Names may differ in case (``Sigmoid.py``) or be a
browser's copy of a re-download (``sigmoid (1).py``); the exact name wins.

Nothing is imported or executed here: files are read as bytes/text, notebooks as JSON, code
with ``ast.parse`` only. Symlinks are never followed. Zip archives are inspected before
anything is extracted; a dangerous one is reported and not extracted. Every problem becomes a
note for the learner's feedback, never an exception that stops the grading of others.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import hashlib
import itertools
import json
import lzma
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath, PurePosixPath
from typing import IO, TypeVar

from grader.calling import (
    EXERCISES,
    MAX_ORIGIN_CELLS,
    NOT_READ_BY_GRADER,
    NOTEBOOK_ORIGIN,
    UNREADABLE_CELLS,
    ImportOfOwnFunction,
    Joined,
    LearnerSource,
    cell_source,
    handed_out_hash,
    handed_out_hashes,
    imported_modules,
    imports_of_own_functions,
    join_numbered,
    listed,
    module_name,
    module_text,
    nothing_written,
    numbered_code_cells,
    own_code,
    parse_learner_code,
    strip_magics,
)

MAX_FILE_BYTES = 2 * 1024**2  # a module larger than this is not a hand-in, nor the code of a notebook
# Nor is a notebook with more code cells than this (JupyterLab itself crawls long before).
MAX_CODE_CELLS = MAX_ORIGIN_CELLS
# A notebook larger than this is not a hand-in. Its outputs count (a notebook saved with its plots
# is normal: 30 of them take a few MB), so it is generous; parsing that much JSON takes a second.
MAX_NOTEBOOK_BYTES = 32 * 1024**2
MAX_ZIP_MEMBERS = 2000
MAX_ZIP_BYTES = 64 * 1024**2
MAX_SCAN_FILES = 5000
# Telling a class from one learner reads at most this much in all (a file that would take more is
# skipped), and parses as Python no module, nor the code of a notebook, longer than that.
MAX_SCAN_BYTES = 16 * 1024**2
MAX_PARSED_CHARS = 256 * 1024
# A zip inside a hand-in (a course site's submission.zip) is opened, one level only, when it is
# no larger than this; its members then meet the limits above. Also the most copied out of a
# zip of hand-ins to look into the zips it holds (folder_of_handins).
MAX_NESTED_ZIP_BYTES = 64 * 1024**2
# How deep a module or notebook may sit in a hand-in, the same for a folder and a zip: deep enough
# for ivy/Submission attachment(s)/ivy-nnkata-main/exercises/01_neuron/neuron.py.
SCAN_DEPTH = 6
HANDIN_SUFFIXES = (".py", ".ipynb")  # any other file cannot hold an exercise
# Folders that never hold a learner's work (hidden ones, .git, .venv, .ipynb_checkpoints, are
# skipped too): environments, caches, macOS resource forks and MNIST.
SKIPPED_FOLDERS = frozenset({"__pycache__", "__MACOSX", "venv", "data"})
# In a clone of nnkata the learner's work is in exercises/; these folders beside it hold modules
# named like the exercises (reference solutions, the grader's checks, worked example hand-ins)
# that must not be graded as the learner's.
REPOSITORY_FOLDERS = frozenset({"solutions", "examples", "tests", "grader", "benchmarks", "build"})

_EXERCISE_OF_MODULE = {module_name(e): e for e in EXERCISES}
# A browser's name for a file downloaded again: "sigmoid (1)" (Chrome, Edge), "sigmoid(1)" (Firefox).
_DOWNLOAD_COPY_NAME = re.compile(r"(?P<stem>.+?) ?\((?P<number>\d+)\)")


class HandinError(Exception):
    """The hand-in cannot be read at all (the message goes into the learner's feedback)."""


@dataclass
class Intake:
    """A normalised hand-in: what was found, and what the learner should be told."""

    root: Path
    found: dict[str, str] = field(default_factory=dict)  # exercise -> where it came from
    notes: list[str] = field(default_factory=list)
    content_hash: str = ""
    # The exercises written out as refused (``_write_refused``): what was handed in for them could
    # not be read at all. Their checks say why; the grader flags them by this, not by that text.
    refused: set[str] = field(default_factory=set)


def _shown(path: PurePath | str) -> str:
    """A path as a note can show it: bytes of a name that are not UTF-8 (a file named on another
    system) become ``\\xe9`` escapes, not surrogates that no feedback file can be written with."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


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
                    tree = parse_learner_code(stub.read_text(encoding="utf-8"))
                except (OSError, UnicodeDecodeError):
                    continue
                if tree is None:
                    continue
                names[exercise] |= {
                    n.name for n in tree.body if isinstance(n, ast.FunctionDef) and not n.name.startswith("_")
                }
    return names


def _limit(name: str) -> int:
    """The most bytes a module or notebook named ``name`` may take (see ``MAX_NOTEBOOK_BYTES``)."""
    return MAX_NOTEBOOK_BYTES if name.lower().endswith(".ipynb") else MAX_FILE_BYTES


def _read_regular(path: Path, limit: int | None = None) -> bytes:
    """A regular file's bytes, refusing symlinks and anything too large (by default, more than
    ``_limit`` of its name)."""
    limit = _limit(path.name) if limit is None else limit
    info = os.lstat(path)
    if not stat.S_ISREG(info.st_mode):
        raise HandinError(f"{_shown(path.name)} is not a regular file (symlinks are not accepted)")
    if info.st_size > limit:
        raise HandinError(f"{_shown(path.name)} is {info.st_size} bytes, more than the {limit} accepted")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(path, flags)
    with os.fdopen(fd, "rb") as file:
        return file.read(limit + 1)[:limit]


def _is_skipped(name: str) -> bool:
    return name.startswith(".") or name in SKIPPED_FOLDERS


def _may_hold_work(parts: tuple[str, ...]) -> bool:
    """Whether the file at ``parts`` (relative to the hand-in) is looked at, in a folder or a zip.

    Only what fails this is left out without a note: it cannot be an exercise's module or notebook.
    """
    return (
        0 < len(parts) <= SCAN_DEPTH
        and parts[-1].lower().endswith(HANDIN_SUFFIXES)
        and not any(_is_skipped(part) for part in parts)
    )


AnyPath = TypeVar("AnyPath", bound=PurePath)


def _outside_repository_folders(paths: Sequence[AnyPath]) -> list[AnyPath]:
    """``paths`` (relative to the hand-in) minus those in the repository's own folders of a clone.

    A clone is recognised by its ``exercises/`` folder: its siblings named in
    ``REPOSITORY_FOLDERS`` are left out. Without this, ``solutions/01_neuron/neuron.py`` would
    compete with the learner's module, and the worked ``examples/`` notebook would replace
    every exercise the learner left untouched.
    """
    clone_roots = {path.parts[:i] for path in paths for i, part in enumerate(path.parts[:-1]) if part == "exercises"}
    return [
        path
        for path in paths
        if not any(
            part in REPOSITORY_FOLDERS and path.parts[:i] in clone_roots for i, part in enumerate(path.parts[:-1])
        )
    ]


def _walk(root: Path, others: list[Path] | None = None) -> list[Path]:
    """The files under ``root`` that may hold work (``_may_hold_work``), never following symlinks.

    ``others``, when given, receives the paths (relative to ``root``) of the other files as deep
    and outside the skipped folders, such as ``backprop.py.txt``: never read, only named in notes.
    """
    found: list[Path] = []
    rest: list[Path] = []
    layer: list[tuple[Path, tuple[str, ...]]] = [(root, ())]
    while layer:
        next_layer = []
        for directory, parts in layer:
            try:
                entries = sorted(os.scandir(directory), key=lambda e: e.name)
            except OSError:
                continue
            for entry in entries:
                entry_parts = (*parts, entry.name)
                if entry.is_dir(follow_symlinks=False):
                    if len(entry_parts) < SCAN_DEPTH and not _is_skipped(entry.name):
                        next_layer.append((Path(entry.path), entry_parts))
                elif entry.is_file(follow_symlinks=False) and _may_hold_work(entry_parts):
                    found.append(Path(entry.path))
                    if len(found) > MAX_SCAN_FILES:
                        raise HandinError(
                            f"more than {MAX_SCAN_FILES} modules and notebooks: this does not look like a hand-in"
                        )
                elif others is not None and len(rest) < MAX_SCAN_FILES and not _is_skipped(entry.name):
                    rest.append(Path(*entry_parts))
        layer = next_layer
    relative = [path.relative_to(root) for path in found]
    if others is not None:
        kept = set(_outside_repository_folders(relative + rest))
        others += [path for path in rest if path in kept]
    return [root / path for path in _outside_repository_folders(relative)]


def _member_path(info: zipfile.ZipInfo) -> PurePosixPath:
    return PurePosixPath(info.filename.replace("\\", "/"))


def _handin_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The members that may hold work: the only ones counted, size-checked and extracted.

    A zip of a whole clone holds ``.git/``, a virtual environment or MNIST: those must neither be
    extracted nor get the archive refused.
    """
    files = [info for info in archive.infolist() if not info.is_dir()]
    candidates = [path for path in map(_member_path, files) if _may_hold_work(path.parts)]
    kept = set(_outside_repository_folders(candidates))
    return [info for info in files if _member_path(info) in kept]


def check_zip(archive: zipfile.ZipFile) -> list[str]:
    """Why the archive must not be extracted (empty when it is safe).

    Members too large to be a hand-in are not a reason: ``_extract`` skips them with a note.
    """
    problems = []
    for info in archive.infolist():  # a member that would land outside discredits every other one
        name = info.filename
        path = _member_path(info)
        if name.startswith(("/", "\\")) or path.is_absolute() or (len(name) > 1 and name[1] == ":"):
            problems.append(f"member {name!r} has an absolute path")
        elif ".." in path.parts:
            problems.append(f"member {name!r} points outside the archive")
    members = _handin_members(archive)
    if len(members) > MAX_ZIP_MEMBERS:
        return [f"it has {len(members)} modules and notebooks (at most {MAX_ZIP_MEMBERS} are accepted)"]
    total = 0
    for info in members:
        if stat.S_ISLNK(info.external_attr >> 16):
            problems.append(f"member {info.filename!r} is a symbolic link")
        if info.file_size <= _limit(info.filename):
            total += info.file_size
    if total > MAX_ZIP_BYTES:
        problems.append(f"it would take {total} bytes uncompressed (at most {MAX_ZIP_BYTES} are accepted)")
    return problems


def _extract(source: Path, target: Path, skipped: dict[PurePosixPath, str] | None = None) -> list[str]:
    """Extract the members of ``source`` that may hold work into ``target``; return the notes.

    ``skipped``, when given, receives each member skipped as too large (its path in the archive)
    with why, as ``_collect`` tells the learner of a file it could not read.
    Raises ``HandinError`` (and extracts nothing, or stops) when the archive is not safe.
    """
    try:
        archive = zipfile.ZipFile(source)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise HandinError(f"{_shown(source.name)} is not a readable zip archive ({error})") from None
    notes = []
    with archive:
        problems = check_zip(archive)
        if problems:
            raise HandinError(f"{_shown(source.name)} was not extracted: " + "; ".join(problems[:5]))
        budget = MAX_ZIP_BYTES
        for info in _handin_members(archive):
            limit = _limit(info.filename)
            if info.file_size > limit:
                why = f"would be {info.file_size} bytes uncompressed, more than the {limit} accepted"
                notes.append(f"{_shown(source.name)}: member {info.filename!r} {why}: it was skipped")
                if skipped is not None:
                    skipped[_member_path(info)] = f"it {why}"
                continue
            destination = target.joinpath(*_member_path(info).parts)
            try:
                with archive.open(info) as member:
                    # Never trust the declared size: read at most what the budget allows.
                    data = member.read(min(budget, limit) + 1)
            except (*_UNREADABLE_MEMBER, NotImplementedError, RuntimeError) as error:
                raise HandinError(f"{_shown(source.name)}: member {info.filename!r} is unreadable ({error})") from None
            if len(data) > min(budget, limit):
                raise HandinError(
                    f"{_shown(source.name)} was not extracted: member {info.filename!r} is larger than declared"
                )
            budget -= len(data)
            try:
                destination.parent.mkdir(parents=True, exist_ok=True)
                destination.write_bytes(data)
            except OSError:  # e.g. members "x.py" and "x.py/y.py"
                raise HandinError(
                    f"{_shown(source.name)} was not extracted: member {info.filename!r} clashes with another one"
                ) from None
    return notes


# What reading a damaged zip member raises: corrupt deflate, bzip2 or lzma data is no OSError.
_UNREADABLE_MEMBER = (zipfile.BadZipFile, OSError, ValueError, EOFError, zlib.error, lzma.LZMAError)


def _zip_others(source: Path) -> list[Path]:
    """The paths of the members of ``source`` that ``_extract`` leaves out as holding no module or
    notebook (``backprop.py.txt``), as ``_walk``'s ``others``: their names only, never read."""
    try:
        with zipfile.ZipFile(source) as archive:
            files = [_member_path(info) for info in archive.infolist() if not info.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError):
        return []
    seen = [
        Path(*path.parts)
        for path in files[:MAX_SCAN_FILES]
        if 0 < len(path.parts) <= SCAN_DEPTH and not any(_is_skipped(part) for part in path.parts)
    ]
    return [path for path in _outside_repository_folders(seen) if not _may_hold_work(path.parts)]


def _copy_bounded(source: IO[bytes], target: Path, limit: int) -> int | None:
    """Copy ``source`` to ``target`` a chunk at a time: the bytes copied, or None (and a partial
    copy) when it holds more than ``limit``. A declared size is never trusted."""
    copied = 0
    with open(target, "wb") as out:
        while chunk := source.read(min(1024**2, limit + 1 - copied)):
            copied += len(chunk)
            if copied > limit:
                return None
            out.write(chunk)
    return copied


def _open_nested_zip(
    source: Path, inner: PurePosixPath, scratch: Path, skipped: dict[PurePosixPath, str] | None = None
) -> tuple[list[Path], Path, list[Path], list[str]]:
    """Extract the zip ``inner`` that the hand-in ``source`` (a folder or a zip) holds instead of
    modules or notebooks: ``(files, base, others, notes)`` as for any hand-in, with the paths
    under ``inner`` (``submission.zip/neuron.py``), and in ``skipped`` those too large to extract
    (see ``_extract``). One level only, and within the limits of a zip handed in. Raises
    ``HandinError`` when it cannot be opened.
    """
    copy = scratch / "copy" / inner.name
    copy.parent.mkdir()
    try:
        with contextlib.ExitStack() as stack:
            if source.is_dir():
                path = source.joinpath(*inner.parts)
                if not stat.S_ISREG(os.lstat(path).st_mode):
                    raise HandinError(f"{_shown(inner)} was not opened: it is not a regular file")
                stream = stack.enter_context(open(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb"))
            else:
                archive = stack.enter_context(zipfile.ZipFile(source))
                info = next(info for info in archive.infolist() if _member_path(info) == inner)
                stream = stack.enter_context(archive.open(info))
            copied = _copy_bounded(stream, copy, MAX_NESTED_ZIP_BYTES)
    except (*_UNREADABLE_MEMBER, NotImplementedError, RuntimeError, StopIteration) as error:
        raise HandinError(f"{_shown(inner)} was not opened: it is unreadable ({error})") from None
    if copied is None:
        raise HandinError(
            f"{_shown(inner)} was not opened: a zip inside a hand-in may be {MAX_NESTED_ZIP_BYTES} bytes at most; "
            "extract it and hand in what it holds"
        )
    base = scratch / "nested"
    members: dict[PurePosixPath, str] = {}
    notes = _extract(copy, base.joinpath(*inner.parts), members)
    if skipped is not None:
        skipped.update({inner.joinpath(*path.parts): why for path, why in members.items()})
    others = [Path(*inner.parts, *path.parts) for path in _zip_others(copy)]
    return _walk(base.joinpath(*inner.parts)), base, others, notes


def split_notebook(code_cells: Iterable[str], functions: dict[str, set[str]]) -> dict[str, str]:
    """Share a notebook's code cells between the exercises whose functions they define.

    Cells before the first exercise cell (imports, helpers) go to every exercise; a cell that
    defines no exercise function goes with the exercise of the cell before it. A later exercise
    gets ``from <earlier> import *`` for every earlier exercise, so cells may use functions
    defined above them, as they could in the notebook.
    """
    split = split_numbered(list(enumerate(code_cells, start=1)), functions)
    return {exercise: code for exercise, (code, _) in split.items()}


def split_numbered(cells: Sequence[tuple[int, str]], functions: dict[str, set[str]]) -> dict[str, Joined]:
    """``split_notebook`` of numbered cells (``(number, text)``): each module with where its cells
    start in it (the ``from <earlier> import *`` lines are no cell's)."""
    owner_of: dict[str, str] = {}
    for exercise in EXERCISES:  # a name defined by two exercises belongs to the first
        for name in sorted(functions.get(exercise, ())):
            owner_of.setdefault(name, exercise)
    preamble: list[tuple[int, str]] = []
    parts: dict[str, list[tuple[int, str]]] = {}
    current: str | None = None
    for number, text in cells:
        tree = parse_learner_code(text)
        body = tree.body if tree is not None else []
        defined = [n.name for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        owners = [owner_of[n] for n in defined if n in owner_of]
        if owners:
            current = owners[0]
        if current is None:
            preamble.append((number, text))
        else:
            parts.setdefault(current, []).append((number, text))
    modules = {}
    ordered = [e for e in EXERCISES if e in parts]
    for exercise in ordered:
        earlier = [module_name(e) for e in ordered[: ordered.index(exercise)]]
        imports = [f"from {name} import *  # noqa (from the notebook)" for name in earlier]
        modules[exercise] = join_numbered([*preamble, *parts[exercise]], imports)
    return modules


def _notebook_cells(
    data: bytes, where: str, notes: list[str], unreadable: dict[str, str] | None = None, most: int | None = None
) -> list[tuple[int, str]]:
    """The learner's code cells of a notebook, numbered, minus those that do not parse (each one noted).

    The cells become modules, and a module that does not parse fails every check: one scratch
    cell with a typo must not cost every exercise. ``unreadable``, when given, receives the
    functions such a cell defines (``def conv2d(`` at the start of a line), each with the cell,
    for the check that misses it (see ``_with_unreadable``). Of nnkata's setup and tests cells,
    the learner's own code is kept (``numbered_code_cells``); what of it cannot be is noted.
    Raises ``HandinError`` for an invalid notebook, or one whose code cells, joined, would take
    more than ``most`` characters (``MAX_FILE_BYTES`` by default; measured as saved, before
    anything is parsed, and again with the lines commented out) or are more than ``MAX_CODE_CELLS``.
    """
    most = MAX_FILE_BYTES if most is None else most
    left_out: list[tuple[int, str, list[int]]] = []
    try:
        notebook = json.loads(data.decode("utf-8-sig"))
        code = _code_cells_of(notebook)
        _refuse_large_code([cell_source(cell) for cell in code], where, most)  # bounded work from here on
        numbered = numbered_code_cells(notebook, left_out)
    except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
        raise HandinError(f"{where} is not a valid Jupyter notebook ({str(error)[:200]})") from None
    _refuse_large_code([text for _, text in numbered], where, most, "make a module of")  # lines commented out
    for number, role, lines in left_out:
        notes += _left_out_notes(code[number - 1], number, role, lines, where)
    cells = []
    for number, text in numbered:
        problem = _why_unparsable(text)
        if problem is None:
            cells.append((number, text))
        else:
            notes.append(f"code cell {number} of {where} does not parse ({problem}): it was left out")
            if unreadable is not None:
                for name in _DEFINED_AT_TOP.findall(text):
                    unreadable[name] = f"code cell {number} of {where}, which Python cannot read ({problem})"
    return cells


def _code_cells_of(notebook: object) -> list[dict]:
    """A notebook's code cells, as ``numbered_code_cells`` numbers them."""
    cells = notebook.get("cells") if isinstance(notebook, dict) else None
    if not isinstance(cells, list):
        return []
    return [cell for cell in cells if isinstance(cell, dict) and cell.get("cell_type") == "code"]


def _refuse_large_code(texts: Sequence[str], where: str, most: int, verb: str = "hold") -> None:
    """Raise ``HandinError`` when the code cells ``texts`` are more than ``MAX_CODE_CELLS``, or would
    make a module of more than ``most`` characters (``join_cells`` puts an empty line between two)."""
    if len(texts) > MAX_CODE_CELLS:
        raise HandinError(f"{where} has {len(texts)} code cells, more than the {MAX_CODE_CELLS} accepted")
    size = sum(map(len, texts)) + 2 * max(len(texts) - 1, 0)
    if size > most:
        raise HandinError(f"{where}'s code cells {verb} {size} characters, more than the {most} accepted")


def _left_out_notes(cell: dict, number: int, role: str, lines: list[int], where: str) -> list[str]:
    """What the learner is told of their code in nnkata's setup or tests cell ``cell`` that the
    checks leave out (see ``calling.own_code``): the cell, the lines, why, and what to do."""
    text = cell_source(cell)
    problem = _why_unparsable(strip_magics(text))
    if problem is not None:
        return [
            f"code cell {number} of {where}, nnkata's {role} cell, does not parse ({problem}): it was left out, "
            "with the code of yours it holds; fix it, or move your code into a cell of its own"
        ]
    uses: dict[int, list[str]] = {}
    own_code(text, uses)
    notes = []
    inside = [line for line in lines if line not in uses]
    if inside:
        notes.append(
            f"code cell {number} of {where}, nnkata's {role} cell: your {_lines(inside)} left out, being inside "
            "nnkata's own code there (or on one of its lines); move your code below nnkata's lines or into a cell "
            "of its own"
        )
    if uses:
        names = sorted({name for used in uses.values() for name in used})
        shown = ", ".join(f"`{name}`" for name in names[:5]) + (", …" if len(names) > 5 else "")
        notes.append(
            f"code cell {number} of {where}, nnkata's {role} cell: your {_lines(sorted(uses))} left out, as "
            f"{'it uses' if len(uses) == 1 else 'they use'} {shown}, which only code the grader leaves out there "
            "defines (nnkata's, or yours inside it); define what your functions need in a cell of your own"
        )
    return notes


def _lines(lines: list[int]) -> str:
    """``line 3 was`` or ``lines 3, 5 were``: at most five numbers."""
    shown = ", ".join(map(str, lines[:5])) + (", …" if len(lines) > 5 else "")
    return f"line {shown} was" if len(lines) == 1 else f"lines {shown} were"


_DEFINED_AT_TOP = re.compile(r"^(?:async[ \t]+)?def[ \t]+([^\W\d]\w*)", re.MULTILINE)


def _with_unreadable(
    split: dict[str, str], unreadable: dict[str, str], exercise_of: dict[str, str] | str
) -> dict[str, str]:
    """``split`` with, at the end of each module, the functions of its cells that were left out as
    unreadable (``_notebook_cells``), as ``UNREADABLE_CELLS``, for ``missing_message`` to name the
    cell instead of saying the function is not there. ``exercise_of`` maps a function to its
    exercise, or is the exercise a notebook named after it holds.
    """
    by_exercise: dict[str, dict[str, str]] = {}
    for name, cell in unreadable.items():
        exercise = exercise_of if isinstance(exercise_of, str) else exercise_of.get(name)
        if exercise is not None:
            by_exercise.setdefault(exercise, {})[name] = cell
    modules = dict(split)
    for exercise, cells in by_exercise.items():
        code = modules.get(exercise, "")  # not stripped at the start: its lines keep their numbers
        modules[exercise] = f"{code.rstrip()}\n\n{UNREADABLE_CELLS} = {cells!r}\n"
    return modules


def _why_unparsable(code: str) -> str | None:
    try:
        ast.parse(code)
    except SyntaxError as error:
        return f"{error.msg}, line {error.lineno}"
    except (ValueError, RecursionError, MemoryError) as error:  # e.g. nested too deeply for the parser
        return str(error) or type(error).__name__
    return None


@functools.cache
def _stub_hashes() -> frozenset[str]:
    """``calling.handed_out_hashes`` of every exercise: of its stub in the grader's own ``exercises/``,
    and of its notebook's code as generated from that stub. Never from what a hand-in holds (a
    notebook's recorded hash, say): a hand-in could then pass its work off as untouched."""
    repo = Path(__file__).resolve().parent.parent
    stubs = {exercise: repo / "exercises" / exercise / f"{module_name(exercise)}.py" for exercise in EXERCISES}
    return frozenset(
        digest
        for exercise, path in stubs.items()
        if path.is_file()
        for digest in handed_out_hashes(module_text(path.read_bytes()), exercise)
    )


def is_untouched_stub(code: str) -> bool:
    """Whether ``code`` is an exercise as handed out: one of the stubs, or the code the intake reads
    from one of the untouched notebooks (``calling.handed_out``), whatever its line endings and the
    blank lines around it."""
    return handed_out_hash(code) in _stub_hashes()


def normalise(source: Path, dest: Path) -> Intake:
    """Lay the hand-in at ``source`` out like ``exercises/`` in the empty directory ``dest``."""
    source = Path(source)
    dest = Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    intake = Intake(dest)
    with tempfile.TemporaryDirectory(prefix="nnkata-intake-") as scratch:
        try:
            if source.is_symlink():
                raise HandinError(f"{_shown(source.name)} is a symbolic link: hand in the files themselves")
            others: list[Path] = []  # the files that cannot hold work, for the notes on near-miss names
            skipped: dict[PurePosixPath, str] = {}  # members of a zip too large to extract, with why
            if source.is_dir():
                files, base = _walk(source, others), source
            elif source.is_file() and source.suffix.lower() == ".zip":
                base = Path(scratch) / "zip"
                intake.notes += _extract(source, base, skipped)
                files = _walk(base)
                others = _zip_others(source)
            elif source.is_file() and source.suffix.lower() in HANDIN_SUFFIXES:
                files, base = [source], source.parent
            else:
                raise HandinError(f"{_shown(source.name)}: expected a folder, a .zip, a .py or an .ipynb")
            zips = [PurePosixPath(*path.parts) for path in others if path.suffix.lower() == ".zip"]
            if not files and len(zips) == 1:  # how course sites download: a folder holding submission.zip
                files, base, others, notes = _open_nested_zip(source, zips[0], Path(scratch), skipped)
                intake.notes += notes
                deeper = [path for path in others if path.suffix.lower() == ".zip"]
                if not files and deeper:
                    raise HandinError(
                        f"{_shown(deeper[0])} was not opened: only one zip inside a hand-in is; "
                        "hand in the files themselves"
                    )
            elif not files and zips:
                listed = ", ".join(_shown(path) for path in zips[:3]) + (", …" if len(zips) > 3 else "")
                raise HandinError(
                    f"the hand-in holds no module or notebook, only zips ({listed}): none was opened; "
                    "hand in one zip, or the files themselves"
                )
            _collect(files, base, intake, others, skipped)
        except HandinError as error:
            intake.notes.append(str(error))
    if not intake.found and not intake.notes:
        intake.notes.append("no exercise module (neuron.py, sigmoid.py, ...) or notebook was found in the hand-in")
    intake.content_hash = tree_hash(dest, intake.notes)
    return intake


def folder_of_handins(source: Path) -> str | None:
    """The line to stop with when ``source``, given as one hand-in, holds several learners' hand-ins.

    Without ``--each``, ``grade CLASS`` would grade a whole class as one learner, from whichever
    files rank first. ``source`` (a folder or a zip) is taken for a folder of hand-ins when, below
    any folders that only wrap the rest, two of its children (folders, zips beside them, notebooks)
    look like two learners' work (``_two_learners``). Exercise modules or notebooks lying loose
    beside the children (``neuron.py``) make it one learner's hand-in. None when it looks like one
    hand-in, or cannot be read (``normalise`` then says why in the feedback).
    """
    source = Path(source)
    with contextlib.ExitStack() as stack:
        try:
            if source.is_symlink():
                return None
            if source.is_dir():
                others: list[Path] = []
                entries = [(PurePosixPath(*p.relative_to(source).parts), p) for p in _walk(source, others)]
                for path in others:  # zips beside the folders: hand-ins too, which normalise would not open
                    if len(path.parts) <= 3 and path.suffix.lower() == ".zip":
                        entries += _zip_entries(source / path, PurePosixPath(*path.parts), stack)
            elif source.is_file() and source.suffix.lower() == ".zip":
                entries = _zip_entries(source, PurePosixPath(), stack) + _nested_zip_entries(source, stack)
            else:
                return None
        except HandinError:
            return None
        while len({path.parts[0] for path, _ in entries}) == 1 and all(len(path.parts) > 1 for path, _ in entries):
            entries = [(PurePosixPath(*path.parts[1:]), where) for path, where in entries]
        if any(len(path.parts) == 1 and _exercise_named(path.name) for path, _ in entries):
            return None
        work = _work_by_child(entries[:MAX_SCAN_FILES])
    children = sorted(work)
    if not any(_two_learners(work[one], work[other]) for one, other in itertools.combinations(children, 2)):
        return None
    shown = [_shown(child) + ("" if child.lower().endswith((".zip", *HANDIN_SUFFIXES)) else "/") for child in children]
    listed = ", ".join(shown[:3]) + (", …" if len(shown) > 3 else "")
    if source.is_dir():
        return (
            f"{_shown(source)} looks like a folder of hand-ins ({listed}): grade each with --each "
            "(if it is one learner's, give the folder that holds their exercises)"
        )
    return f"{_shown(source)} looks like a zip of hand-ins ({listed}): extract it and grade the folder with --each"


def several_in_one_child(child: Path, folder: Path) -> str | None:
    """Under ``grade --each``: the line refusing ``child`` of ``folder`` when it holds several
    learners' hand-ins (``folder_of_handins``), rather than grading them as one learner; None when
    it looks like one hand-in."""
    several = folder_of_handins(child)
    if several is None:
        return None
    listed = re.match(r" looks like a \w+ of hand-ins (\(.*\)): ", several[len(_shown(child)) :])
    held = f"{_shown(child)} holds several learners' hand-ins{f' {listed[1]}' if listed else ''}: not graded."
    if child.is_dir():
        return (
            f"{held} To grade each of them, add it to the command (grade {_shown(folder)} {_shown(child)} --each); "
            "if it is one learner's, leave in it only the work to grade"
        )
    return f"{held} Extract it to a folder outside {_shown(folder)} and add that folder to the command (with --each)"


def exercise_children(folder: Path) -> list[str]:
    """The children of ``folder`` that make it one learner's hand-in rather than a folder of them:
    exercise folders (``01_neuron/``), exercise modules or notebooks (``neuron.py``) and a clone's
    ``exercises/``, shown as in a message. ``grade --each`` would grade each as a learner.
    """
    found = []
    try:
        children = sorted(os.scandir(folder), key=lambda entry: entry.name)
    except OSError:
        return []
    for child in children:
        if child.is_dir(follow_symlinks=False):
            if child.name in EXERCISES or (
                child.name == "exercises" and any(Path(child.path, e).is_dir() for e in EXERCISES)
            ):
                found.append(_shown(child.name) + "/")
        elif _exercise_named(child.name) is not None:
            found.append(_shown(child.name))
    return found


_Where = Path | tuple[zipfile.ZipFile, zipfile.ZipInfo]  # a file of a folder, or a member of a zip


def _zip_entries(
    archive_path: Path, prefix: PurePosixPath, stack: contextlib.ExitStack
) -> list[tuple[PurePosixPath, _Where]]:
    """The members of a zip that ``_extract`` would extract, as ``prefix/member``; none if it would not."""
    try:
        archive = stack.enter_context(zipfile.ZipFile(archive_path))
        if check_zip(archive):
            return []
        members = _handin_members(archive)
    except (zipfile.BadZipFile, OSError, ValueError):
        return []
    return [
        (prefix / _member_path(info), (archive, info)) for info in members if info.file_size <= _limit(info.filename)
    ]


def _nested_zip_entries(source: Path, stack: contextlib.ExitStack) -> list[tuple[PurePosixPath, _Where]]:
    """``_zip_entries`` of the zips that the zip ``source`` holds as deep as a folder's are looked
    into (``class/eve.zip``), as ``class/eve.zip/member``. They are copied out to be opened, up to
    ``MAX_NESTED_ZIP_BYTES`` in all: enough to tell two learners apart, and bounded work.
    """
    try:
        archive = stack.enter_context(zipfile.ZipFile(source))
        if check_zip(archive):
            return []
        files = [info for info in archive.infolist() if not info.is_dir()][:MAX_SCAN_FILES]
    except (zipfile.BadZipFile, OSError, ValueError):
        return []
    kept = set(_outside_repository_folders([_member_path(info) for info in files]))
    scratch = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nnkata-zips-")))
    budget, entries = MAX_NESTED_ZIP_BYTES, []
    for number, info in enumerate(files):
        path = _member_path(info)
        if path not in kept or path.suffix.lower() != ".zip" or len(path.parts) > 3 or info.file_size > budget:
            continue
        if any(_is_skipped(part) for part in path.parts):
            continue
        copy = scratch / f"{number}.zip"
        try:
            with archive.open(info) as member:
                copied = _copy_bounded(member, copy, budget)
        except (*_UNREADABLE_MEMBER, NotImplementedError, RuntimeError):
            continue
        if copied is None:
            break
        budget -= copied
        entries += _zip_entries(copy, path, stack)
    return entries


def _read_where(where: _Where, most: int) -> bytes:
    """The bytes of a file or zip member, at most ``most`` (and its ``_limit``): ``HandinError`` when
    it holds more."""
    if isinstance(where, Path):
        return _read_regular(where, min(most, _limit(where.name)))
    archive, info = where
    limit = min(most, _limit(info.filename))
    with archive.open(info) as member:
        data = member.read(limit + 1)
    if len(data) > limit:
        raise HandinError(f"{info.filename!r} holds more than {limit} bytes")
    return data


def _work_by_child(entries: Sequence[tuple[PurePosixPath, _Where]]) -> dict[str, dict[str, set[str]]]:
    """For each child (the first part of the paths), the code it holds per exercise, as hashes of
    the exercise's function definitions (comments, blank lines and cells around them do not count).

    Untouched stubs are left out, and so is a child that holds nothing else.
    """
    work: dict[str, dict[str, set[str]]] = {}
    functions = _functions_by_exercise()
    budget = MAX_SCAN_BYTES
    for path, where in entries:
        match = _exercise_named(path.name)
        if path.suffix.lower() == ".py" and match is None:
            continue
        if budget <= 0:  # bounded work in the grader's own process, however many zips a zip holds
            break
        try:
            data = _read_where(where, budget)  # a file larger than what is left of the budget is skipped
            budget -= len(data)
            if path.suffix.lower() == ".py":
                codes = {match.exercise: module_text(data)}
            else:  # no notebook with more code than is worth parsing (MAX_PARSED_CHARS) is parsed
                cells = _notebook_cells(data, _shown(path), [], most=MAX_PARSED_CHARS)
                texts = [text for _, text in cells]
                codes = {match.exercise: join_numbered(cells)[0]} if match else split_notebook(texts, functions)
        except (HandinError, *_UNREADABLE_MEMBER, NotImplementedError, RuntimeError):
            continue
        for exercise, code in codes.items():
            if not is_untouched_stub(code):
                digest = _definitions_hash(code, functions[exercise])
                work.setdefault(path.parts[0], {}).setdefault(exercise, set()).add(digest)
    return work


def _definitions_hash(code: str, names: set[str]) -> str:
    """A hash of the definitions of ``names`` in ``code`` (of the whole text if it has none or does not
    parse, or is too long to be worth parsing: no exercise takes ``MAX_PARSED_CHARS``)."""
    tree = parse_learner_code(code) if len(code) <= MAX_PARSED_CHARS else None
    try:
        body = tree.body if tree is not None else []
        text = "\n".join(ast.dump(node) for node in body if getattr(node, "name", None) in names)
    except RecursionError:  # ast.dump recurses as deep as the code nests
        text = ""
    return hashlib.sha256((text or code.strip()).encode("utf-8", "surrogateescape")).hexdigest()


def _two_learners(one: dict[str, set[str]], other: dict[str, set[str]]) -> bool:
    """Whether two children's work (see ``_work_by_child``) is two learners': they hold work for
    the same exercises, and not a line of it in common. One learner's two versions, or a folder and
    a notebook of the same work, share the exercises that did not change.
    """
    shared = one.keys() & other.keys()
    return bool(shared) and all(one[exercise].isdisjoint(other[exercise]) for exercise in shared)


# How well a file name matches an exercise's, best first (see _exercise_named).
EXACT_NAME, OTHER_CASE, DOWNLOAD_COPY = 0, 1, 2
# A notebook named after no exercise (kata.ipynb), its cells shared out by the functions they
# define: ranked after every file named after the exercise, however loosely.
NOT_NAMED = 3


@dataclass(frozen=True)
class _NameMatch:
    exercise: str
    kind: int  # EXACT_NAME, OTHER_CASE or DOWNLOAD_COPY
    copy_number: int = 0  # the n of "sigmoid (n).py"

    def preference(self) -> tuple[int, int]:
        """Lower is better; the latest download (highest number) is the one the learner meant."""
        return (self.kind, -self.copy_number)


def _exercise_named(filename: str) -> _NameMatch | None:
    """The exercise a module or notebook is named after, if any, and how well the name matches.

    The exact name (``sigmoid.py``) matches best, then the name in other case (``Sigmoid.py``),
    then a browser's copy of a re-download (``sigmoid (1).py``). Ties are broken by the file's
    place in the hand-in (see ``_collect``).
    """
    stem, suffix = os.path.splitext(filename)
    if suffix in HANDIN_SUFFIXES and stem in _EXERCISE_OF_MODULE:
        return _NameMatch(_EXERCISE_OF_MODULE[stem], EXACT_NAME)
    stem, suffix = stem.lower(), suffix.lower()
    if suffix not in HANDIN_SUFFIXES:
        return None
    if stem in _EXERCISE_OF_MODULE:
        return _NameMatch(_EXERCISE_OF_MODULE[stem], OTHER_CASE)
    copy = _DOWNLOAD_COPY_NAME.fullmatch(stem)
    if copy and copy["stem"] in _EXERCISE_OF_MODULE:
        return _NameMatch(_EXERCISE_OF_MODULE[copy["stem"]], DOWNLOAD_COPY, int(copy["number"]))
    return None


@dataclass(frozen=True)
class _Module:
    """The code a file holds for an exercise, and the file."""

    code: str
    path: Path
    origin: str  # the file as the learner named it, relative to the hand-in
    rank: tuple[tuple[int, int], int]  # how well named and how deep (see _collect): equal ranks tie
    cells: tuple[tuple[int, int], ...] | None = None  # joined from a notebook: where its cells start (calling.Joined)
    borrowed: bool = False  # a notebook named after another exercise, whose cells define this one's functions


def _collect(
    files: list[Path],
    base: Path,
    intake: Intake,
    others: Sequence[Path] = (),
    skipped: dict[PurePosixPath, str] | None = None,
) -> None:
    """Choose each exercise's code among ``files`` and write it out; note what the learner should know.

    Every module and notebook holding code for an exercise is a candidate: modules before
    notebooks, each kind best name first (``_exercise_named``; a notebook named after no exercise
    last), then the shallowest, then by name. The first candidate that is not an untouched stub
    is graded (the first of all when every one is), and the others are named in notes (see
    ``_choose``). ``others`` are the files (relative to ``base``) that cannot hold work: with
    ``files``, what ``_other_files_notes`` names. ``skipped`` are the files (relative to ``base``)
    too large to be extracted from a zip, with why.

    A notebook named after one exercise is that exercise's code, whole. When its cells also define
    another exercise's functions (every exercise pasted into ``neuron.ipynb``, or a ``sigmoid``
    written again in ``backprop.ipynb``), those cells are a candidate for that exercise too, shared
    out as from a notebook named after no exercise, ranked after all others: graded only when no
    file of the exercise's own holds work. Never for an exercise the notebook imports: its module
    would import itself (``_imports_of_own_functions_notes`` says how to have them graded).

    A file that could not be read (too large, not a notebook) is not graded as nothing, nor is the
    untouched stub beside it: when no written candidate is left for its exercise, the exercise is
    written out as refused (``_write_refused``), and every check says why. A notebook named after no
    exercise stands for the exercises that only have untouched stubs, or for all of them when the
    hand-in holds no other work.
    """

    def rank(path: Path) -> tuple[tuple[int, int], int, tuple[str, ...]]:
        """Best name first, then the shallowest (``01_neuron/neuron.py`` counts as one level)."""
        relative = path.relative_to(base)
        match = _exercise_named(path.name)
        in_folder = match is not None and len(relative.parts) >= 2 and relative.parts[-2] == match.exercise
        preference = match.preference() if match else (NOT_NAMED, 0)
        return (preference, len(relative.parts) - (1 if in_folder else 0), relative.parts)

    refused: dict[str, str] = {}  # exercise -> why the file named after it could not be read
    refused_unnamed: list[str] = []  # the same for notebooks named after no exercise

    def refuse(relative: PurePath, why: str) -> None:
        text = _refusal(_shown(relative), why)
        match = _exercise_named(relative.name)
        if match is not None:
            refused.setdefault(match.exercise, text)
        elif relative.suffix.lower() == ".ipynb":
            refused_unnamed.append(text)

    for relative, why in (skipped or {}).items():
        refuse(relative, why)
    ranked = sorted(files, key=rank)
    candidates: dict[str, list[_Module]] = {}
    for path in ranked:
        match = _exercise_named(path.name)
        if path.suffix.lower() != ".py" or match is None:
            continue
        origin = _shown(path.relative_to(base))
        try:
            code = module_text(_read_regular(path))
        except (HandinError, OSError) as error:
            intake.notes.append(f"{origin}: {error}")
            refuse(path.relative_to(base), str(error))
            continue
        candidates.setdefault(match.exercise, []).append(_Module(code, path, origin, rank(path)[:2]))
    functions = None
    borrowed: list[tuple[str, _Module]] = []  # appended after every other candidate: they rank last
    own_imports: dict[str, list[ImportOfOwnFunction]] = {}  # notebook named after an exercise -> see the note
    for path in ranked:
        if path.suffix.lower() != ".ipynb":
            continue
        origin = _shown(path.relative_to(base))
        unreadable: dict[str, str] = {}
        match = _exercise_named(path.name)
        try:
            cells = _notebook_cells(_read_regular(path), origin, intake.notes, unreadable)
            functions = functions or _functions_by_exercise()
            owners = {name: e for e in reversed(EXERCISES) for name in functions.get(e, ())}  # the first's
            lent: dict[str, str] = {}
            if match is not None:
                joined = {match.exercise: join_numbered(cells)}
                split = _with_unreadable({match.exercise: joined[match.exercise][0]}, unreadable, match.exercise)
                uses = {match.exercise, *imported_exercises(joined[match.exercise][0])}
                defined = {e: part for e, part in split_numbered(cells, functions).items() if e not in uses}
                joined.update(defined)
                lent = _with_unreadable({e: code for e, (code, _) in defined.items()}, unreadable, owners)
                lent = {e: lent[e] for e in defined}  # not the named exercise's unreadable cells
                own_imports[origin] = [i for i in imports_of_own_functions(cells) if i.exercise != match.exercise]
            else:
                joined = split_numbered(cells, functions)
                split = _with_unreadable({e: code for e, (code, _) in joined.items()}, unreadable, owners)
            largest = max(map(len, split.values()), default=0)
            if largest > MAX_FILE_BYTES:  # the cells joined, with the lines added to them
                raise HandinError(
                    f"{origin}'s code cells make a module of {largest} characters, more than the {MAX_FILE_BYTES} "
                    "accepted"
                )
        except (HandinError, OSError) as error:
            intake.notes.append(f"{origin}: {error}")
            refuse(path.relative_to(base), str(error))
            continue
        last = ((NOT_NAMED, 0), len(path.relative_to(base).parts))
        borrowed += [(e, _Module(code, path, origin, last, joined[e][1], borrowed=True)) for e, code in lent.items()]
        if match is None and not split:
            intake.notes.append(f"{origin}: no code cell defines an exercise function")
        for exercise, code in split.items():
            starts = joined[exercise][1] if exercise in joined else ()
            candidates.setdefault(exercise, []).append(_Module(code, path, origin, rank(path)[:2], starts))
    for exercise, module in borrowed:
        candidates.setdefault(exercise, []).append(module)
    graded: dict[str, _Module] = {}
    any_work = any(not is_untouched_stub(c.code) for found in candidates.values() for c in found)
    graded_from: dict[str, list[str]] = {}  # notebook named after another exercise -> exercises graded from it
    for exercise in EXERCISES:
        found = candidates.get(exercise, [])
        if not any(not is_untouched_stub(c.code) for c in found):
            why = refused.get(exercise)
            if why is None and refused_unnamed and (found or not any_work):
                why = refused_unnamed[0]
            if why is not None:
                intake.found[exercise] = _write_refused(intake.root, exercise, why)
                intake.refused.add(exercise)
                continue
        if not found:
            continue
        module, notes = _choose(exercise, found)
        if module.borrowed:
            graded_from.setdefault(module.origin, []).append(exercise)
        graded[exercise] = module
        _write_module(intake.root, exercise, module)
        intake.found[exercise] = module.origin
        intake.notes += notes
    for origin, exercises in graded_from.items():
        intake.notes.append(
            f"{origin}'s cells that define the functions of {listed(exercises)} were taken as "
            f"{'its code' if len(exercises) == 1 else 'their code'}: the hand-in has no file of "
            f"{'its' if len(exercises) == 1 else 'their'} own with work"
        )
    intake.notes += _imports_of_own_functions_notes(own_imports, graded)
    intake.notes += _other_files_notes([path.relative_to(base) for path in files], others, base, graded)


def _imports_of_own_functions_notes(
    own_imports: dict[str, list[ImportOfOwnFunction]], graded: dict[str, _Module]
) -> list[str]:
    """For each notebook named after an exercise that imports functions it defines itself: how
    to have them graded, when the exercises they belong to got none of the learner's work.

    Such a notebook is never those exercises' code (their module would import itself), so the
    learner's ``sigmoid`` in ``neuron.ipynb`` is lost to 02_sigmoid while one pasted line,
    ``from sigmoid import sigmoid``, stays.
    """
    notes = []
    for origin, imports in own_imports.items():
        lost = [i for i in imports if i.exercise not in graded or is_untouched_stub(graded[i.exercise].code)]
        if not lost:
            continue
        names = list(dict.fromkeys(f"`{i.name}`" for i in lost))
        exercises = listed(list(dict.fromkeys(i.exercise for i in lost)))
        them = "it" if len(names) == 1 else "them"
        first, lines = lost[0], len({(i.cell, i.line) for i in lost})
        where = f"code cell {first.cell}, line {first.line}" + (f", the first of {lines} lines" if lines > 1 else "")
        notes.append(
            f"{origin} defines {listed(names)} itself, yet also imports {them} from {exercises} ({where}: "
            f"`{first.statement}`): an exercise that a notebook imports is "
            f"graded from a file of its own, never from that notebook, and this hand-in has none with work for "
            f"{exercises}. Delete those import lines, and the notebook's own {listed(names)} will be graded."
        )
    return notes


def _refusal(origin: str, why: str) -> str:
    """What every check of an exercise says when its file ``origin`` could not be read: ``why``
    (a ``HandinError``'s message) and what to do."""
    for name in (origin, PurePath(origin).name):  # the HandinError names the file one way or the other
        if why.startswith(name + " "):
            why = "it " + why[len(name) + 1 :]
        elif why.startswith(name + "'s "):
            why = "its " + why[len(name) + 3 :]
    if not origin.lower().endswith(".ipynb"):
        advice = "Keep only your code in it (no data) and hand it in again"
    elif "bytes" in why:
        advice = (
            f"A notebook may take {_in_mib(MAX_NOTEBOOK_BYTES)}, outputs included: clear them in Jupyter "
            "(Edit > Clear Outputs of All Cells), save it and hand it in again"
        )
    elif "characters" in why:
        advice = "Keep only the exercises' code in it (no data) and hand it in again"
    elif "code cells," in why:
        advice = "Delete the cells you no longer need (keep the exercises' code), save it and hand it in again"
    else:
        advice = "Open it in Jupyter to check that it is whole, save it again and hand it in again"
    return f"{origin} {NOT_READ_BY_GRADER}, so none of its code was graded: {why}. {advice}."


def _in_mib(size: int) -> str:
    return f"{size // 1024**2} MiB" if size % 1024**2 == 0 else f"{size} bytes"


def _write_module(root: Path, exercise: str, module: _Module) -> None:
    """Write the code graded for ``exercise``; for code joined from a notebook, also where it came
    from (``calling.NOTEBOOK_ORIGIN``), so that messages name the notebook and its cells."""
    folder = root / exercise
    folder.mkdir(parents=True, exist_ok=True)
    name = module_name(exercise)
    (folder / f"{name}.py").write_text(module.code, encoding="utf-8")
    if module.cells is not None:
        # More cells than calling.notebook_origin reads: messages name the notebook, not the cell.
        cells = [list(pair) for pair in module.cells] if len(module.cells) <= MAX_ORIGIN_CELLS else []
        origin = {"notebook": module.origin, "cells": cells}
        (folder / NOTEBOOK_ORIGIN.format(name)).write_text(json.dumps(origin), encoding="utf-8")


def _write_refused(root: Path, exercise: str, why: str) -> str:
    """Write ``exercise`` out as refused: an empty module, and beside it ``why`` (see
    ``calling.NOTEBOOK_ORIGIN``), which the worker reports in place of running anything. ``why`` may
    hold any text an error gave (a file name that is not UTF-8): JSON escapes it. Returns what
    ``Intake.found`` records: the file that could not be read."""
    folder = root / exercise
    folder.mkdir(parents=True, exist_ok=True)
    name = module_name(exercise)
    (folder / f"{name}.py").write_text("", encoding="utf-8")
    (folder / NOTEBOOK_ORIGIN.format(name)).write_text(json.dumps({"refused": why}), encoding="utf-8")
    return why.split(f" {NOT_READ_BY_GRADER}", 1)[0]


def _choose(exercise: str, candidates: Sequence[_Module]) -> tuple[_Module, list[str]]:
    """The candidate graded for ``exercise`` (ranked as ``_collect`` says), and the notes on the choice.

    Never an untouched stub when something else holds work. A candidate set aside is named, with
    the one graded instead, unless it holds the same code (nothing is lost), is an untouched
    stub beside a notebook or another stub (what a learner working in the notebooks leaves), or
    is borrowed from a notebook named after another exercise (a helper written again there).
    When only the name order decided between two written candidates, the note says so.
    """
    written = [c for c in candidates if not is_untouched_stub(c.code)]
    notebooks = [c for c in candidates if c.path.suffix.lower() == ".ipynb"]
    chosen = (written or notebooks or candidates)[0]  # every one a stub: the notebook, as a notebook learner's
    notes = []
    match = _exercise_named(chosen.path.name)
    if match is not None and match.kind == DOWNLOAD_COPY and chosen is candidates[0]:
        expected = f"{module_name(exercise)}{chosen.path.suffix.lower()}"
        notes.append(f"{chosen.origin} was graded as {exercise}: there is no {expected} in the hand-in")
    modules = chosen.path.suffix.lower() == ".py"
    for other in candidates:
        if other is chosen or other.borrowed:
            continue
        if is_untouched_stub(other.code):
            if written and modules and other.path.suffix.lower() == ".py":
                notes.append(
                    f"{other.origin}, the untouched stub, was set aside for {exercise}: "
                    f"{chosen.origin} was graded instead"
                )
        elif other.code.strip() != chosen.code.strip():
            if other.rank == chosen.rank and other.path.suffix.lower() == chosen.path.suffix.lower():
                notes.append(
                    f"{other.origin} was set aside for {exercise}: {chosen.origin}, the first by name, was graded "
                    "instead; hand in only the one to grade"
                )
            else:
                notes.append(f"{other.origin} was set aside for {exercise}: {chosen.origin} was graded instead")
    return chosen, notes


def _in_words(number: int) -> str:
    words = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")
    return words[number] if number < len(words) else str(number)


# Files a clone of nnkata holds beside the exercise modules, which the learner need not hear about.
_TOOLING = re.compile(r"test_.*\.py|.*_test\.py|conftest\.py|__init__\.py", re.IGNORECASE)


def _near_miss(path: PurePath) -> tuple[str, str] | None:
    """The exercise a file not graded was probably meant for, and the name it needs.

    ``backprop.py.txt``, ``back_prop.py``, ``backprop - Copy.py``, ``backprop_v2.py``, or any
    module in a folder named after the exercise (``05_backprop/solution.py``). Notebooks not named
    after an exercise are not near misses: their cells are shared out by the functions they define.
    """
    if _exercise_named(path.name) is not None or _TOOLING.fullmatch(path.name):
        return None
    parts = path.name.lower().split(".")
    kinds = [i for i, part in enumerate(parts) if i > 0 and part.rstrip("~") in ("py", "ipynb")]
    if not kinds or parts[kinds[0] :] == ["ipynb"]:
        return None
    stem, suffix = ".".join(parts[: kinds[0]]), "." + parts[kinds[0]].rstrip("~")
    words = re.findall(r"[a-z]+", stem)
    folder = path.parts[-2].lower() if len(path.parts) >= 2 else ""
    for exercise in EXERCISES:
        name = module_name(exercise)
        if name in words or "".join(words) == name or folder in (exercise, name):
            return exercise, name + suffix
    return None


def _other_files_notes(
    files: Sequence[Path], others: Sequence[Path], base: Path, graded: dict[str, _Module]
) -> list[str]:
    """Notes on the files not graded that the learner may think are: near misses of a missing
    exercise's name (``backprop.py.txt``), and modules beside (or imported by) the modules graded.

    ``files`` and ``others`` are relative to ``base``. The worker loads only the exercise modules,
    on purpose: what they import from a module of the learner's own fails to import.
    """
    near: dict[str, list[str]] = {}
    unnamed: list[Path] = []
    for path in sorted({*files, *others}):
        if _exercise_named(path.name) is not None:
            continue
        miss = _near_miss(path)
        # An untouched stub graded for it (a clone's) is no reason to keep quiet about the real work.
        # Nor is code for it found in a notebook named after another exercise (a helper written there).
        standing_in = miss is not None and miss[0] in graded and graded[miss[0]].borrowed
        if miss is not None and (miss[0] not in graded or is_untouched_stub(graded[miss[0]].code) or standing_in):
            exercise, name = miss
            near.setdefault(exercise, []).append(
                f"{_shown(path)} was not graded: if it is your {exercise}, rename it {name}"
            )
        elif path.suffix.lower() == ".py" and not _TOOLING.fullmatch(path.name):
            unnamed.append(path)
    notes = [note for exercise in EXERCISES for note in near.get(exercise, [])[:3]]
    importers: dict[str, list[str]] = {}  # a module's name -> the files graded that import it
    for module in graded.values():
        for name in {name.split(".")[0] for name in imported_modules(module.code, relative=True)}:
            users = importers.setdefault(name, [])
            if _shown(module.path.name) not in users:
                users.append(_shown(module.path.name))
    folders = {module.path.relative_to(base).parent for module in graded.values()}
    for path in unnamed:
        users = importers.get(path.stem, [])
        if path.parent not in folders and not users:
            continue
        note = f"{_shown(path)} was not graded: only the {_in_words(len(EXERCISES))} exercise modules are"
        if len(users) == 1:
            note += f"; put what {users[0]} needs into {users[0]} itself"
        elif users:
            note += f"; put what {listed(users)} need into each of them"
        notes.append(note)
    return notes


def imported_exercises(code: str) -> list[str]:
    """The earlier exercises a module imports (``from backprop import backprop`` -> 05_backprop)."""
    names = imported_modules(code)
    return [e for e in EXERCISES if module_name(e) in names]


def imported_functions(code: str) -> dict[str, list[str] | None]:
    """The names a module imports from each earlier exercise (``from backprop import backprop``:
    ``{"05_backprop": ["backprop"]}``); None for the whole module (``import backprop``, or ``*``)."""
    tree = parse_learner_code(code)
    found: dict[str, list[str] | None] = {}
    for node in ast.walk(tree) if tree is not None else []:
        if isinstance(node, ast.Import):
            found.update({e: None for e in EXERCISES if module_name(e) in {a.name for a in node.names}})
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module in map(module_name, EXERCISES):
            exercise = EXERCISES[[module_name(e) for e in EXERCISES].index(node.module)]
            names = [a.name for a in node.names]
            known = found.get(exercise, [])
            found[exercise] = None if "*" in names or known is None else sorted({*known, *names})
    return {e: found[e] for e in EXERCISES if e in found}


def stand_in_for_ungraded(intake: Intake, graded: Sequence[str], references: Path) -> list[str]:
    """Write the reference solution (from ``references``, laid out like ``exercises/``) for every
    exercise that a graded one imports, directly or not, when the rubric does not grade it and the
    hand-in holds no work on it; returns those exercises, and notes them.

    A rubric of one week's exercise (05 alone) must not score zero because its module imports
    ``sigmoid`` and the learner handed in ``backprop.ipynb`` alone. The reference solutions ship
    with nnkata, so the learner's code learns nothing from them it could not read anyway.
    ``intake.content_hash`` is updated: a changed reference regrades.
    """
    stood_in: list[str] = []
    pending, seen = [e for e in graded if e in intake.found], set(graded)
    while pending:
        exercise = pending.pop()
        module = intake.root / exercise / f"{module_name(exercise)}.py"
        code = module.read_text(encoding="utf-8", errors="replace") if module.is_file() else ""
        for used in imported_exercises(code):
            if used in seen or EXERCISES.index(used) > EXERCISES.index(exercise):
                continue  # a later exercise may not be imported: the worker refuses it
            seen.add(used)
            pending.append(used)
            path = intake.root / used / f"{module_name(used)}.py"
            reference = references / used / path.name
            text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None
            unwritten = text is None or nothing_written(LearnerSource(used, text, path), used)
            if used in intake.refused or not unwritten or not reference.is_file():
                continue
            shutil.rmtree(path.parent, ignore_errors=True)  # with a notebook's sidecar, if any
            path.parent.mkdir(parents=True)
            shutil.copyfile(reference, path)
            intake.found.pop(used, None)
            stood_in.append(used)
    if stood_in:
        names = listed(sorted(stood_in))
        if len(stood_in) == 1:
            told = f"{names} is not graded by this rubric and has no work in the hand-in: its reference solution stood"
            told += " in, for the graded exercises that import it"
        else:
            told = f"{names} are not graded by this rubric and have no work in the hand-in: their reference solutions"
            told += " stood in, for the graded exercises that import them"
        intake.notes.append(told)
        intake.content_hash = tree_hash(intake.root, intake.notes)
    return stood_in


def tree_hash(root: Path, notes: list[str] = ()) -> str:
    digest = hashlib.sha256()
    for path in sorted(p for p in Path(root).rglob("*") if p.is_file()):
        name = os.fsencode(path.relative_to(root))
        digest.update(name + b"\0" + path.read_bytes() + b"\0")
    for note in notes:
        digest.update(note.encode("utf-8", "surrogateescape") + b"\0")
    return digest.hexdigest()


def copy_tree(source: Path, dest: Path) -> None:
    shutil.copytree(source, dest, symlinks=True, dirs_exist_ok=True)
