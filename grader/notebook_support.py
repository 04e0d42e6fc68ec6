"""What the generated notebooks call: their setup cell and their tests cell.

``setup_notebook`` lets a notebook import the learner's other exercises by name
(``from sigmoid import sigmoid``), served from the sibling notebooks or ``.py`` files exactly as
the pytest runner serves them. ``run_checks`` runs one exercise's checks against the notebook's
own definitions (the kernel's session) and prints the same teacher-like messages as
``pytest exercises/NN_name``, never a traceback.

The session is not what is graded: the grader (and pytest, while the ``.py`` is the untouched
stub) reads the saved ``.ipynb`` and runs its code cells top to bottom in a fresh process, so a
function whose cell was deleted after it ran, a display import that the grader leaves out, or an
experiment cell that raises all pass here and fail there. When the session passes,
``saved_notebook_notes`` reads the saved notebook (without running any of it) and says where it
would not define the same thing.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import inspect
import json
import re
import symtable
import sys
import textwrap
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from grader.calling import (
    API,
    DISPLAY_LIBRARIES,
    EXERCISES,
    FORBIDDEN_LIBRARIES,
    NOTEBOOK_METADATA_KEY,
    LearnerModules,
    LearnerSource,
    _first_line,
    _statements_in,
    cell_source,
    checks_counted,
    forbidden_message,
    forbidden_use,
    imports_of_own_functions,
    join_cells,
    left_out_import,
    left_out_library,
    listed,
    missing_message,
    module_name,
    module_text,
    numbered_code_cells,
    parse_learner_code,
    strip_magics,
    stub_sha256,
)
from grader.handin import _DEFINED_AT_TOP, MAX_NOTEBOOK_BYTES

REPO_ROOT = Path(__file__).resolve().parent.parent

_state: dict[str, Any] = {"modules": None}


def exercises_root(exercise: str, cwd: Path | None = None) -> Path:
    """The exercises tree a notebook belongs to: found from its folder, else the repository's."""
    here = Path.cwd() if cwd is None else Path(cwd)
    here = here.resolve()
    if here.name == exercise or (here.name in EXERCISES and here.parent.is_dir()):
        return here.parent
    if (here / exercise).is_dir():
        return here
    return REPO_ROOT / "exercises"


def setup_notebook(exercise: str, cwd: Path | None = None) -> LearnerModules:
    """Make ``import <other exercise>`` work in this kernel, from that exercise's notebook or .py.

    Running it again forgets the exercise modules imported so far, so edits to the other
    exercises are picked up.
    """
    if exercise not in EXERCISES:
        raise ValueError(f"unknown exercise {exercise!r}; expected one of {', '.join(EXERCISES)}")
    for other in EXERCISES:
        sys.modules.pop(module_name(other), None)
    modules = LearnerModules(exercises_root(exercise, cwd), REPO_ROOT)
    modules._install_finder()
    _state["modules"] = modules
    return modules


@dataclass
class CheckResult:
    """How one check went: ``status`` is "pass", "fail", "not started" or "skipped"."""

    name: str
    summary: str
    status: str
    message: str = ""


@dataclass
class ChecksReport:
    """What ``run_checks`` found; its ``final_line`` is the last line it prints."""

    exercise: str
    results: list[CheckResult] = field(default_factory=list)
    # Functions the checks need that the session does not have (``missing_advice``).
    missing: list[str] = field(default_factory=list)
    # What would differ when the saved notebook is graded (``saved_notebook_notes``).
    saved_notes: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def passed(self) -> int:
        return sum(r.status == "pass" for r in self.results)

    @property
    def failed(self) -> int:
        return sum(r.status in ("fail", "not started") for r in self.results)

    @property
    def ok(self) -> bool:
        return self.total > 0 and self.failed == 0

    @property
    def final_line(self) -> str:
        if self.total == 0:
            return f"nnkata: {self.exercise} has no checks yet"
        skipped = self.total - self.passed - self.failed
        # Passing in the session is not passing when graded: said on the line read last.
        caveat = " in this session; your saved notebook needs a look first (see above)" if self.saved_notes else ""
        if self.failed == 0 and skipped:
            return f"nnkata: no check fails ({self.passed} pass, {skipped} skipped){caveat}"
        if self.failed == 0:
            everything = f"all {self.total} checks pass" if self.total != 1 else "the check passes"
            return f"nnkata: {everything}{caveat}"
        return f"nnkata: {checks_counted(self.failed, self.total, failing=True)}"

    def __repr__(self) -> str:
        return f"<{self.final_line}>"


class _NotebookModules(LearnerModules):
    """Serves the notebook's own namespace as the exercise's module; others as usual."""

    def __init__(self, base: LearnerModules, exercise: str, module: types.ModuleType) -> None:
        super().__init__(base.impl_root, base.display_root)
        self._base = base
        self._exercise = exercise
        self._module = module
        self._sources[exercise] = LearnerSource(exercise, "", Path(f"{module_name(exercise)}.ipynb"), True)

    def source(self, exercise: str) -> LearnerSource | None:
        return self._sources[exercise] if exercise == self._exercise else self._base.source(exercise)

    def display(self, path: Path) -> str:
        if path == self._sources[self._exercise].origin:
            return f"your notebook {path.name}"
        if path == REPO_ROOT / "exercises" / self._exercise / "README.md":  # "Start with <README>."
            return "the instructions at the top of this notebook"
        return self._base.display(path)

    def load(self, exercise: str) -> types.ModuleType:
        if exercise == self._exercise:
            return self._module
        return self._base.load(exercise)


def _forbidden_library(value: Any) -> str | None:
    """The forbidden library (one of ``FORBIDDEN_LIBRARIES``) a value of the session comes from: a
    module, a function or class, or an object (a tensor) of it."""
    try:
        if isinstance(value, types.ModuleType):
            name = value.__name__
        elif callable(value):
            name = getattr(value, "__module__", None)
        else:
            name = type(value).__module__
    except Exception:  # whatever a learner's object does on attribute access
        return None
    root = name.split(".")[0] if isinstance(name, str) else ""
    return root if root in FORBIDDEN_LIBRARIES else None


def _forbidden_used(namespace: dict) -> tuple[list[str], str, str]:
    """A forbidden library that an exercise function of the session uses, itself or through the
    session's other functions and classes (by the global names their code reads), as the grader
    tells it from the saved notebook (``calling.forbidden_use``): ``([library], function,
    through)``, ``through`` the learner's function or class that uses it when the exercise function
    does not itself; ``([], "", "")`` when none does. A comparison with PyTorch in a cell of the
    learner's own uses none: the grader leaves it out."""
    here = namespace.get("__name__")
    tainted: dict[str, tuple[str, str]] = {}  # a name of the session -> (the library it uses, through what)
    reads: dict[str, set[str]] = {}  # a function or class of the session -> the session's names its code reads
    for name, value in list(namespace.items()):
        library = _forbidden_library(value)
        for code, values in [] if library else _code_of(value, here):
            names = {n for c in _codes_in(code) for n in c.co_names}
            imported = sorted(n.split(".")[0] for n in names if n.split(".")[0] in FORBIDDEN_LIBRARIES)
            library = library or next(iter(imported), None) or next(filter(None, map(_forbidden_library, values)), None)
            reads.setdefault(name, set()).update(n for n in names if n in namespace and n != name)
        if library:
            tainted[name] = (library, "")
    grown = True
    while grown:
        grown = False
        for name, names in reads.items():
            used = next((n for n in sorted(names) if n in tainted), None) if name not in tainted else None
            if used is not None:
                itself = _forbidden_library(namespace[used]) is not None  # `torch`, or `F` for torch.nn.functional
                tainted[name] = (tainted[used][0], "" if itself else used)
                grown = True
    for function in (name for names in API.values() for name in names):
        if function in namespace and function in tainted:
            library, through = tainted[function]
            return [library], function, through
    return [], "", ""


def _code_of(value: Any, here: Any) -> list[tuple[types.CodeType, list[Any]]]:
    """The code of a function or class that the session defines (a class's: its methods'), each with
    the values its defaults and closure hold; nothing for anything else."""
    if isinstance(value, types.FunctionType) and value.__module__ == here:
        cells = []
        for cell in value.__closure__ or ():
            with contextlib.suppress(ValueError):  # a cell not filled yet
                cells.append(cell.cell_contents)
        return [(value.__code__, [*(value.__defaults__ or ()), *(value.__kwdefaults__ or {}).values(), *cells])]
    if isinstance(value, type) and value.__module__ == here:
        found = []
        for member in vars(value).values():
            member = getattr(member, "__func__", getattr(member, "fget", member))  # static, class methods; properties
            found += [] if isinstance(member, type) else _code_of(member, here)
        return found
    return []


def _codes_in(code: types.CodeType) -> Iterator[types.CodeType]:
    """``code`` and the code objects inside it (its lambdas, comprehensions, nested functions)."""
    yield code
    for constant in code.co_consts:
        if isinstance(constant, types.CodeType):
            yield from _codes_in(constant)


def namespace_module(exercise: str, namespace: dict) -> types.ModuleType:
    """The notebook's definitions (``globals()``) as a module named after the exercise."""
    module = types.ModuleType(module_name(exercise))
    module.__dict__.update({k: v for k, v in namespace.items() if not k.startswith("__")})
    return module


def run_checks(exercise: str, namespace: dict, *, out: Any = None) -> ChecksReport:
    """Run ``exercise``'s checks on the notebook's definitions; print and return the outcome."""
    from grader.checks import checks_of
    from grader.pytest_plugin import CheckFailed, Runner

    write = (out or sys.stdout).write
    report = ChecksReport(exercise)
    base = _state["modules"] or setup_notebook(exercise)
    runner = Runner(base.impl_root, REPO_ROOT)
    runner.modules = _NotebookModules(base, exercise, namespace_module(exercise, namespace))
    banned, user, through = _forbidden_used(namespace)
    replaced = replaced_definitions(namespace)
    if replaced:
        write("\n".join(replaced) + "\n\n")
    undefined = sorted({c.function for c in checks_of(exercise)} - {k for k, v in namespace.items() if callable(v)})
    if undefined:  # said once, here, rather than by each of their checks
        report.missing = undefined
        write(missing_advice(undefined, namespace) + "\n\n")
    for check in checks_of(exercise):
        if banned:
            result = CheckResult(
                check.name,
                check.summary,
                "fail",
                forbidden_message(
                    f"`{user}` in this notebook uses", banned, f" (through `{through}`)" if through else ""
                ),
            )
        elif check.function in undefined:
            result = CheckResult(check.name, check.summary, "fail")
        else:
            try:
                runner.run(exercise, check.name)
                result = CheckResult(check.name, check.summary, "pass")
            except CheckFailed as failure:
                status = "not started" if failure.not_started else "fail"
                result = CheckResult(check.name, check.summary, status, str(failure.msg))
            except pytest.skip.Exception as skip:
                result = CheckResult(check.name, check.summary, "skipped", str(skip.msg))
            except pytest.fail.Exception as failure:
                result = CheckResult(check.name, check.summary, "fail", str(failure.msg))
            except Exception as error:  # a crash of the check itself: still no traceback wall
                result = CheckResult(
                    check.name, check.summary, "fail", f"the check could not run: {type(error).__name__}: {error}"
                )
        report.results.append(result)
        mark = {"pass": "PASS", "fail": "FAIL", "not started": "TODO", "skipped": "SKIP"}[result.status]
        write(f"{mark}  {check.summary}\n")
        if result.message:
            write("".join(f"      {line}\n" for line in result.message.splitlines()))
    saved = None
    if report.total and report.failed == 0:  # the session passes: would the saved notebook?
        try:
            saved = saved_notebook(exercise, namespace)
            if saved is not None:
                report.saved_notes = saved_notebook_notes(exercise, namespace, saved)
        except Exception:  # whatever is on disk, no traceback: the line on what the grader runs remains
            saved, report.saved_notes = None, []
    write("\n" + "\n".join(_progress(report, saved)) + "\n")
    write(report.final_line + "\n")
    return report


# When the session passes: what the grader does instead, in one line.
GRADER_RUNS = (
    "The grader runs your saved notebook's code cells top to bottom in a fresh process: "
    "Kernel → Restart & Run All to be sure."
)
GRADER_RUNS_ITS = GRADER_RUNS.replace("your saved notebook's", "its")


def _progress(report: ChecksReport, saved: Path | None = None) -> list[str]:
    exercise = report.exercise
    lines = [f"{exercise}: {checks_counted(report.passed, report.total)}"]
    skipped = [r for r in report.results if r.status == "skipped"]
    if report.total and report.failed == 0:
        if report.saved_notes:
            lines.append(f"But the saved {saved.name if saved else 'notebook'} is what is graded, and:")
            lines.extend(f"- {note}" for note in report.saved_notes)
            lines.append("Fix that, save the notebook (Ctrl+S), then Kernel → Restart & Run All.")
            return lines
        if saved is not None:
            lines.append(f"Your saved {saved.name} defines the same functions. {GRADER_RUNS_ITS}")
        else:
            lines.append(GRADER_RUNS)
    if skipped and report.failed == 0:
        lines.append(f"{len(skipped)} check(s) could not run here: {skipped[0].message}")
    elif report.total and report.failed == 0:
        later = EXERCISES[EXERCISES.index(exercise) + 1 :]
        if later:
            lines.append(f"Well done. Next: exercises/{later[0]}/{module_name(later[0])}.ipynb")
        else:
            lines.append("Well done: that was the last exercise. Train your network: python -m grader train")
    elif report.total and all(r.status in ("not started", "skipped") for r in report.results):
        lines.append(f"Not started yet: read the instructions at the top, write {module_name(exercise)}'s functions,")
        lines.append("run their cell, then run this cell again.")
    elif report.missing:
        lines.append("First define what the lines at the top say is missing, then run this cell again.")
        lines.append("Stuck? Hints: hints.md, beside this notebook.")
    elif report.total:
        lines.append("Fix the first failing check above, re-run your code's cell, then this cell.")
        lines.append("Stuck? Hints: hints.md, beside this notebook.")
    return lines


def replaced_definitions(namespace: dict) -> list[str]:
    """One line for each function that a cell of the session defines and that an import from an
    exercise's module then replaced (``from sigmoid import sigmoid`` pasted from another notebook).

    The session then checks, and uses, that exercise's file instead of the learner's function;
    the grader does not grade the notebook's own for that exercise either
    (``handin._imports_of_own_functions_notes``).
    """
    history = namespace.get("In")
    if not isinstance(history, list):
        return []
    cells = [(number, cell) for number, cell in enumerate(history[:-1]) if isinstance(cell, str)]
    lines = []
    for found in imports_of_own_functions(cells):
        module = sys.modules.get(module_name(found.exercise))
        if getattr(namespace.get(found.name), "__module__", None) != module_name(found.exercise) or module is None:
            continue  # the notebook's own definition ran last: it is the one in use
        file = Path(str(getattr(module, "__file__", None) or f"{module_name(found.exercise)}.py")).name
        line = (
            f"Careful: `{found.name}` here is not the one this notebook defines. `{found.statement}` replaced it "
            f"with {found.exercise}'s, from {file}: delete that line, then Kernel → Restart & Run All."
        )
        if line not in lines:
            lines.append(line)
    return lines


# ----------------------------------------------------------------------------------------------
# A function the checks need is not in the session


def missing_advice(missing: list[str], namespace: dict) -> str:
    """Why the functions ``missing`` are not in the session, most likely cause first, in one message.

    The inputs the session ran (IPython's ``In``) tell a cell that defines them but failed (a
    syntax error, or an error before its ``def``) from one never run; a function of the session
    named close to one of them is suggested as a rename, in the words of ``pytest``.
    """
    names = ", ".join(f"`{name}`" for name in missing)
    lines = [f"Not defined in this notebook's session: {names}."]
    history = namespace.get("In")
    cells = [c for c in history[:-1] if isinstance(c, str)] if isinstance(history, list) else None
    # The session's own functions, as the module missing_message looks for look-alikes in.
    session = types.ModuleType(str(namespace.get("__name__") or "__main__"))
    session.__dict__.update({k: v for k, v in namespace.items() if isinstance(v, types.FunctionType)})
    failed: dict[str, list[str]] = {}
    unknown = []
    for name in missing:
        cell = _last_cell_defining(cells or [], name)
        if cell is not None:
            failed.setdefault(_why_it_failed(cell), []).append(name)
            continue
        message = missing_message(session, name, "The session")
        if message.endswith(f"rename it `{name}`."):
            lines.append(message)
        else:
            unknown.append(name)
    for why, defined in failed.items():
        one = len(defined) == 1
        them = ("it" if one else "them") if defined == missing else _listed(defined)
        lines.append(
            f"The cell that defines {them} ran but stopped with an error{why}, so {'it was' if one else 'they were'} "
            "not defined: scroll up to that error, fix it, and run the cell again."
        )
    if unknown:  # named when the lines above are about other functions
        it = ("it" if len(unknown) == 1 else "them") if unknown == missing else _listed(unknown)
        if cells is not None:  # no cell run in this session defines them
            lines.append(
                f"No cell run in this session defines {it}: run the cell that does (after a kernel restart: "
                f"Run All Above), or check the name{'' if len(unknown) == 1 else 's'}."
            )
        else:
            lines.append(
                f"Did the cell that defines {it} show an error? Scroll up to it, fix it, and run the cell again. "
                f"Not run yet, or not since the kernel restarted? Run All Above. Otherwise check the spelling."
            )
    return "\n".join(lines)


def _last_cell_defining(cells: list[str], name: str) -> str | None:
    """The last cell run that defines the function ``name`` at its top level."""
    return next((cell for cell in reversed(cells) if name in _DEFINED_AT_TOP.findall(cell)), None)


def _why_it_failed(cell: str) -> str:
    """`` (Python cannot read its line 9: expected ':')`` for a cell that does not compile, else ``""``."""
    try:
        compile(join_cells([strip_magics(cell)])[0], "<cell>", "exec")
    except SyntaxError as error:
        line = f"its line {error.lineno}" if error.lineno else "it"
        return f" (Python cannot read {line}: {error.msg})"
    except (ValueError, OverflowError):  # a null byte; a literal too large
        return ""
    return ""


# ----------------------------------------------------------------------------------------------
# The session passes: would the saved notebook?


def saved_notebook(exercise: str, namespace: dict) -> Path | None:
    """The notebook file this session belongs to, as saved on disk, if it can be found."""
    name = f"{module_name(exercise)}.ipynb"
    candidates = []
    for key in ("__vsc_ipynb_file__", "__session__"):  # VS Code's; Jupyter's (the notebook's path)
        value = namespace.get(key)
        if isinstance(value, str) and value.endswith(".ipynb"):
            candidates += [Path(value), Path.cwd() / Path(value).name]
    candidates.append(Path.cwd() / name)  # Jupyter runs a notebook's kernel in the notebook's folder
    return next((path for path in candidates if path.is_file()), None)


# What IPython adds to the builtins: in the session only, like the imports of DISPLAY_LIBRARIES.
_IPYTHON_BUILTINS = frozenset({"display", "get_ipython", "__IPYTHON__"})
_PYTHON_BUILTINS = frozenset(dir(builtins)) - _IPYTHON_BUILTINS
_DISPLAY = " and ".join(DISPLAY_LIBRARIES)
_ONLY_SHOWS = "only in lines that just show something (a call on a line of its own)"


def _listed(names: list[str]) -> str:
    """`a`, `b` and `c`."""
    return listed([f"`{name}`" for name in names])


@dataclass(frozen=True)
class _Lost:
    """Where a saved code cell binds a name that the code the grader runs does not bind, and why.

    ``why`` is "cell magic" (``detail`` is the magic), "magic" (a line magic, ``detail``),
    "nnkata" (the learner's line of nnkata's ``role`` cell left out with nnkata's code:
    ``detail`` is "try" or "code" when inside it, "line" when it shares a line with code left
    out, "uses" when it uses what only that code sets), "shows" (a line that only shows
    something), "display import" (``detail`` is the library) or "nnkata's own" (nnkata's line).
    """

    cell: int
    line: int
    why: str
    detail: str = ""
    role: str = ""


# Said where the name is bound (the fix is there), once for all the names bound there.
_AT_THE_BINDING = frozenset({"cell magic", "magic", "nnkata", "shows"})


def saved_notebook_notes(exercise: str, namespace: dict, path: Path) -> list[str]:
    """Where the saved notebook at ``path``, run as the grader runs it, would not do what the session does.

    Its code cells are read (as JSON, at most ``MAX_NOTEBOOK_BYTES``, as the grader reads them)
    and joined as the runners do (``numbered_code_cells``, ``join_cells``), and compiled, never
    run. Said: a cell Python cannot read; a function the checks need, or a name the saved code
    uses, that the code the grader runs does not define, with why when a saved cell does
    define it (``_lost_bindings``: a cell magic, a line magic, a line inside nnkata's own code,
    an import of a display library, a line of nnkata's); a function whose saved code is not
    what the session ran; a line the grader runs that raised when it last ran; an edited
    ``.py`` that pytest checks instead.
    """
    from grader.checks import checks_of

    left_out: list[tuple[int, str, list[int]]] = []
    try:
        with path.open("rb") as file:
            data = file.read(MAX_NOTEBOOK_BYTES + 1)
        if len(data) > MAX_NOTEBOOK_BYTES:
            return [
                f"{path.name} takes more than the {MAX_NOTEBOOK_BYTES // 1024**2} MiB the grader reads, outputs "
                "included: clear them (Edit > Clear Outputs of All Cells) and save it."
            ]
        notebook = json.loads(data.decode("utf-8-sig"))
        numbered = numbered_code_cells(notebook, left_out)
    except (OSError, ValueError, RecursionError) as error:  # whatever Jupyter or the learner left in the file
        return [f"{path.name} cannot be read as a notebook ({type(error).__name__}: {error})."]
    code_cells = [c for c in notebook["cells"] if isinstance(c, dict) and c.get("cell_type") == "code"]
    readable: list[tuple[int, str, ast.Module]] = []
    unreadable: list[tuple[int, str, str]] = []
    for number, text in numbered:
        try:
            compile(join_cells([text])[0], f"code cell {number}", "exec")
            readable.append((number, text, ast.parse(text)))  # the cell's own line numbers
        except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError) as error:
            at = f", line {error.lineno}" if isinstance(error, SyntaxError) and error.lineno else ""
            why = error.msg if isinstance(error, SyntaxError) else str(error) or type(error).__name__
            unreadable.append((number, text, f"{at} ({why})"))
    code = join_cells([text for _, text, _ in readable])[0]
    try:
        compile(code, str(path), "exec")
        tree = ast.parse(code)
        table = symtable.symtable(code, str(path), "exec")
    except (SyntaxError, ValueError, OverflowError, RecursionError, MemoryError) as error:
        return [
            *(
                f"Python cannot read code cell {number}{why}: none of that cell counts."
                for number, _, why in unreadable
            ),
            f"Python cannot read its code cells joined together ({error}).",
        ]

    bound = _bound_names(table)
    needed = sorted({c.function for c in checks_of(exercise)} - bound)
    starred = any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names) for n in ast.walk(tree))
    used = set() if starred else _globals_used(table) - bound - _PYTHON_BUILTINS
    unknown = sorted(n for n in used if not (n.startswith("__") and n.endswith("__")))
    notes = []
    for number, text, why in unreadable:  # with the functions that cell would have defined
        defined = set(_DEFINED_AT_TOP.findall(text))
        its = [name for name in [*needed, *unknown] if name in defined]
        needed = [name for name in needed if name not in defined]
        unknown = [name for name in unknown if name not in defined]
        so = f", so {_listed(its)} {'is' if len(its) == 1 else 'are'} not defined" if its else ""
        notes.append(f"Python cannot read code cell {number}{why}: none of that cell counts{so}.")

    notes += _forbidden_notes(readable)
    lost = _lost_bindings(code_cells, dict(numbered), {n for n, _, _ in readable}, left_out, {*needed, *unknown})
    at_binding: dict[_Lost, list[str]] = {}
    for name in [*needed, *unknown]:
        if name in lost and lost[name].why in _AT_THE_BINDING:
            at_binding.setdefault(lost[name], []).append(name)
    for name in needed:
        if name not in lost or lost[name].why not in _AT_THE_BINDING:
            notes.append(
                f"It does not define `{name}`, which this session has (from a cell since deleted or "
                "changed, or not saved yet)."
            )
    for where in sorted(at_binding, key=lambda lost_at: (lost_at.cell, lost_at.line)):
        notes.append(_lost_note(where, at_binding[where]))
    for name in unknown:
        if name not in lost or lost[name].why not in _AT_THE_BINDING:
            notes.append(_unknown_note(name, lost.get(name), _first_use(readable, name), namespace))
    notes += _changed_since_run(namespace, tree, bound)
    notes += _raised_when_last_run(code_cells, readable)
    metadata = notebook.get("metadata")
    nnkata = metadata.get(NOTEBOOK_METADATA_KEY) if isinstance(metadata, dict) else None
    stub = nnkata.get("stub_sha256") if isinstance(nnkata, dict) else None
    module = path.parent / f"{module_name(exercise)}.py"
    edited = (
        path.name == f"{module_name(exercise)}.ipynb"
        and module.is_file()
        and isinstance(stub, str)
        and stub_sha256(module_text(module.read_bytes())) != stub  # as find_source tells it
    )
    if edited:
        notes.append(
            f"{module.name} beside it has been edited, so `pytest exercises/{exercise}` checks {module.name}, "
            "not this notebook: keep your work in one of them, and hand in that one."
        )
    return notes


def _forbidden_notes(readable: list[tuple[int, str, ast.Module]]) -> list[str]:
    """Why the grader refuses the saved notebook's code (``readable``: its cells Python reads, with
    their numbers) for using a forbidden library, if it does (``calling.forbidden_use``): the
    session's functions may not, as when one uses a value computed with torch."""
    found = forbidden_use([text for _, text, _ in readable])
    if found is None or not found.refused:
        return []
    libraries = listed([*found.libraries])
    if not found.function:  # `from torch import *`
        return [
            f"It imports everything from {libraries} (`import *`), so the grader gives this exercise no marks: "
            f"import only what your own comparisons use (`import {found.libraries[0]}`)."
        ]
    if found.shared:
        return [
            f"Code cell {readable[found.shared_cell][0]}, line {found.shared_line} imports {libraries} on a line that "
            f"also binds `{found.shared}`, which `{found.function}` uses, so the grader gives this exercise no marks: "
            f"import {libraries} on a line of its own."
        ]
    through = f" through `{found.through}`" if found.through else ""
    return [
        f"Code cell {readable[found.cell][0]}, line {found.line} defines `{found.function}`, which uses "
        f"{libraries}{through}, so the grader gives this exercise no marks: write it with NumPy only "
        f"(comparisons with {libraries} may stay in code outside your functions)."
    ]


def _lost_note(where: _Lost, names: list[str]) -> str:
    """What the learner is told of ``names``, bound at ``where`` and left out by the grader."""
    them = _listed(names)
    at = f"Code cell {where.cell}, line {where.line}"
    if where.why == "cell magic":
        return (
            f"Code cell {where.cell} starts with the cell magic `{where.detail}`, so the grader leaves out that whole "
            f"cell, and with it {them}: delete that first line."
        )
    if where.why == "magic":
        return (
            f"{at} starts with the magic `{where.detail}`, so the grader leaves out that line, and with it {them}: "
            f"write it without `{where.detail}`."
        )
    if where.why == "shows":
        return (
            f"{at} only shows something, so the grader leaves it out, and with it {them}: "
            f"assign {'it' if len(names) == 1 else 'them'} in a line of its own."
        )
    at = f"Code cell {where.cell} (nnkata's {where.role} cell), line {where.line},"  # "nnkata"
    if where.detail == "line":
        return (
            f"{at} shares its line with code the grader leaves out, so it is left out too, and with it {them}: "
            "put it on a line of its own."
        )
    if where.detail == "uses":
        return (
            f"{at} uses what only nnkata's code sets, so the grader leaves it out, and with it {them}: "
            f"define {'it' if len(names) == 1 else 'them'} in your own code another way."
        )
    inside = "`try:`" if where.detail == "try" else "code"
    return (
        f"{at} is inside nnkata's {inside}, so the grader leaves it out, and with it {them}: move it below "
        "nnkata's lines or into a cell of its own."
    )


def _unknown_note(name: str, where: _Lost | None, use: tuple[int, int] | None, namespace: dict) -> str:
    """What the learner is told of ``name``, used (at ``use``) by the code the grader runs, which
    does not bind it; ``where`` is the saved cell that binds it, if one does."""
    uses = f"Code cell {use[0]}, line {use[1]} uses `{name}`" if use else f"It uses `{name}`"
    if where is not None and where.why == "display import":
        return (
            f"{uses}, imported from {where.detail} in code cell {where.cell}, line {where.line}: the grader "
            f"leaves out imports of {_left_out_libraries(where.detail)}, so use `{name}` {_ONLY_SHOWS}."
        )
    if where is not None and where.why == "nnkata's own":
        return (
            f"{uses}, which only nnkata's own code sets (code cell {where.cell}, line {where.line}), and the "
            f"grader leaves that out: define or import `{name}` in your own code, or do without it."
        )
    library = "IPython" if name in _IPYTHON_BUILTINS else _display_library(namespace.get(name))
    if library:
        return (
            f"{uses}, which this session has from {library}: the grader leaves out imports of "
            f"{_left_out_libraries(library)}, so use `{name}` {_ONLY_SHOWS}."
        )
    if name in namespace:
        return (
            f"{uses}, which the saved code never defines or imports (this session has it from a cell since "
            "deleted or changed): define or import it in a cell again."
        )
    return f"{uses}, which the saved code never defines or imports: define or import it in a cell above."


def _display_library(value: Any) -> str | None:
    """The display library or setup module (``calling.left_out_library``: IPython, google.colab) a
    module or an object of the session comes from."""
    name = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
    return left_out_library(name) if isinstance(name, str) else None


def _left_out_libraries(library: str) -> str:
    """What the grader leaves out the imports of, said of ``library``: the display libraries, or
    Colab's modules (which only exist in Colab)."""
    return _DISPLAY if library in DISPLAY_LIBRARIES else f"{library} (it only exists in Colab)"


def _lost_bindings(
    cells: list[dict],
    kept: dict[int, str],
    readable: set[int],
    left_out: list[tuple[int, str, list[int]]],
    wanted: set[str],
) -> dict[str, _Lost]:
    """Of the names ``wanted``, those a saved code cell binds in a line the grader does not run, with
    where (its last cell that does) and why.

    ``cells`` are the notebook's code cells; ``kept`` the code the grader takes of each (by
    number, as ``numbered_code_cells`` gives it, with each line where it was); ``left_out`` the
    learner's lines of nnkata's cells left out (as ``numbered_code_cells`` gives them).
    """
    lost: dict[str, _Lost] = {}
    left = {number: (role, set(lines)) for number, role, lines in left_out}
    for number, cell in enumerate(cells, start=1):
        text = cell_source(cell)
        if not any(name in text for name in wanted) or (number in kept and number not in readable):
            continue  # nothing wanted; a cell Python cannot read, said already
        python, cell_magic, magics = _as_python(text)
        tree = parse_learner_code(python)
        if tree is None:
            continue
        kept_lines = (kept.get(number) or "").splitlines()
        found: dict[str, _Lost] = {}
        for node, names, around in _bindings(tree.body):
            names &= wanted
            if not names:
                continue
            line = _first_line(node)
            shown = kept_lines[line - 1] if line <= len(kept_lines) else ""
            role, lines = left.get(number, ("", set()))
            if cell_magic:
                why = _Lost(number, 1, "cell magic", cell_magic)
            elif line in magics:
                why = _Lost(number, line, "magic", magics[line])
            elif {_first_line(n) for n in (*around, node)} & lines:
                if around:
                    where = "try" if isinstance(around[0], ast.Try) else "code"
                else:  # own_code leaves out a statement that shares a line with one left out, or uses its names
                    where = "line" if any(o is not node and _lines(o) & _lines(node) for o in tree.body) else "uses"
                why = _Lost(number, line, "nnkata", where, role)
            elif shown.startswith("# (not checked) ") and isinstance(node, (ast.Import, ast.ImportFrom)):
                why = _Lost(number, line, "display import", _imported_library(node))
            elif shown.startswith("# (not checked) "):
                why = _Lost(number, line, "shows")
            elif not shown.strip():  # own_code blanks nnkata's lines
                why = _Lost(number, line, "nnkata's own")
            else:
                continue
            for name in names:
                found.setdefault(name, why)
        lost.update(found)
    return lost


def _as_python(text: str) -> tuple[str, str | None, dict[int, str]]:
    """A cell's text as the Python it runs in the session, line for line as ``strip_magics`` has
    them: a line magic's name taken off (``%time w = train()`` binds ``w``), shell escapes and a
    cell magic's line blank; with the cell magic (``%%time``) and the line magics, by line."""
    if text.lstrip().startswith("%%") and not strip_magics(text):  # a cell magic: none of it is checked
        first, _, rest = text.lstrip().partition("\n")
        return "\n" + rest, first.split()[0][:40], {}
    lines = strip_magics(text).split("\n")
    magics: dict[int, str] = {}
    for index, line in enumerate(lines):
        if line.startswith(_MAGIC_MARK):
            magic = line[len(_MAGIC_MARK) :]
            word = magic.split()[0]
            magics[index + 1] = word[:40]
            rest = magic.lstrip()[len(word) :].strip() if word.startswith("%") else ""
            lines[index] = magic[: len(magic) - len(magic.lstrip())] + rest
    return "\n".join(lines), None, magics


_MAGIC_MARK = "# (jupyter) "  # how strip_magics comments out a line magic


def _bindings(
    body: list[ast.stmt], around: tuple[ast.stmt, ...] = ()
) -> Iterator[tuple[ast.stmt, set[str], tuple[ast.stmt, ...]]]:
    """Each statement of ``body`` and those inside it (not inside a function or a class), innermost
    first, with the names it binds and the statements it is inside."""
    for node in body:
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield from _bindings(list(_statements_in(node)), (*around, node))
        try:
            names = _bound_names(symtable.symtable(ast.unparse(node), "<cell>", "exec"))
        except (SyntaxError, ValueError, RecursionError):
            names = set()
        yield node, names, around


def _lines(node: ast.stmt) -> set[int]:
    return set(range(_first_line(node), (node.end_lineno or node.lineno) + 1))


def _imported_library(node: ast.Import | ast.ImportFrom) -> str:
    modules = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
    return left_out_import(node) or modules[0]


def _first_use(readable: list[tuple[int, str, ast.Module]], name: str) -> tuple[int, int] | None:
    """The first code cell, and its first line, that uses ``name`` in what the grader runs."""
    for number, _, tree in readable:
        lines = [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Name) and n.id == name]
        if lines:
            return number, min(lines)
    return None


# Where an error output says the cell's line that raised: "Cell In[3], line 2" (IPython 8.6+),
# "<cell line: 2>" (IPython 8.0-8.5), else its first frame's arrow, "----> 2" (IPython 7).
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_LINE = re.compile(r"Cell In ?\[\d*\], line (\d+)|<cell line: (\d+)>|^-+> ?(\d+)", re.MULTILINE)
_NOT_RAISED_NOW = frozenset({"KeyboardInterrupt", "SyntaxError", "IndentationError", "TabError"})


def _raised_when_last_run(cells: list[dict], readable: list[tuple[int, str, ast.Module]]) -> list[str]:
    """The cells whose saved output is an error raised by a line the grader runs.

    Not said: a KeyboardInterrupt (the learner stopped the cell), a syntax error of a cell that
    Python reads now, an error of a line the grader does not run (``sigmoid(z)`` alone on its line,
    run while ``sigmoid`` was a stub) or of a cell it runs nothing of.
    """
    notes = []
    for number, _, tree in readable:
        outputs = cells[number - 1].get("outputs")
        outputs = outputs if isinstance(outputs, list) else []
        errors = [o for o in outputs if isinstance(o, dict) and o.get("output_type") == "error"]
        if not errors:
            continue
        name = str(errors[-1].get("ename") or "an error")[:80]
        runs = {line for node in tree.body for line in range(node.lineno, (node.end_lineno or node.lineno) + 1)}
        line = _error_line(errors[-1])
        if name in _NOT_RAISED_NOW or not runs or (line is not None and line not in runs):
            continue
        where, what = (f"Code cell {number}, line {line}", "that line") if line else (f"Code cell {number}", "it")
        notes.append(
            f"{where} raised {name} when it last ran, and the grader runs {what}: run the cell again, and if it "
            "still fails, fix it or delete it (an error there costs the whole exercise)."
        )
    return notes


def _error_line(output: dict) -> int | None:
    """The line of its cell that raised the error of the error output ``output``, when it says."""
    frames = output.get("traceback")
    if not isinstance(frames, list):
        return None
    match = _CELL_LINE.search(_ANSI.sub("", "\n".join(str(frame)[:5000] for frame in frames[:5])))
    return int(next(group for group in match.groups() if group)) if match else None


def _bound_names(table: symtable.SymbolTable) -> set[str]:
    """The names the module binds: at its top level, or by ``global`` in a function."""
    names = {s.get_name() for s in table.get_symbols() if s.is_assigned() or s.is_imported() or s.is_namespace()}
    for child in _scopes(table):
        names |= {s.get_name() for s in child.get_symbols() if s.is_declared_global() and s.is_assigned()}
    return names


def _globals_used(table: symtable.SymbolTable) -> set[str]:
    """The global names the module reads, at its top level or in its functions and classes."""
    names = {s.get_name() for s in table.get_symbols() if s.is_referenced()}
    for child in _scopes(table):
        names |= {s.get_name() for s in child.get_symbols() if s.is_referenced() and s.is_global()}
    return names


def _scopes(table: symtable.SymbolTable) -> list[symtable.SymbolTable]:
    found = []
    for child in table.get_children():
        found += [child, *_scopes(child)]
    return found


def _changed_since_run(namespace: dict, tree: ast.Module, bound: set[str]) -> list[str]:
    """The session's functions whose last ``def`` in the saved code is not the code the session ran."""
    saved = {n.name: n for n in tree.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    here = str(namespace.get("__name__") or "__main__")
    changed = []
    for name, value in namespace.items():
        if not isinstance(value, types.FunctionType) or value.__module__ != here or name not in saved:
            continue
        try:  # the source of a cell's function: IPython keeps each cell's text for its tracebacks
            ran = ast.parse(textwrap.dedent(inspect.getsource(value))).body[0]
        except (OSError, TypeError, SyntaxError, IndexError, ValueError, RecursionError):
            continue
        if not isinstance(ran, (ast.FunctionDef, ast.AsyncFunctionDef)) or ran.name != name:
            continue
        if ast.dump(ran) != ast.dump(saved[name]):
            changed.append(
                f"Its `{name}` is not the one this session ran (changed since its cell ran, or not saved yet)."
            )
    return changed
