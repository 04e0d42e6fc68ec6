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
import hashlib
import inspect
import re
import symtable
import sys
import textwrap
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from grader.calling import (
    DISPLAY_LIBRARIES,
    EXERCISES,
    FORBIDDEN_LIBRARIES,
    NOTEBOOK_METADATA_KEY,
    LearnerModules,
    LearnerSource,
    forbidden_message,
    join_cells,
    missing_message,
    module_name,
    module_text,
    numbered_code_cells,
    strip_magics,
)

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
            return f"nnkata: all {self.total} checks pass{caveat}"
        return f"nnkata: {self.failed} of {self.total} checks fail"

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


def _forbidden_in(namespace: dict) -> list[str]:
    """Forbidden libraries the notebook's namespace holds (imported modules or their objects)."""
    found = set()
    for name, value in namespace.items():
        if name.startswith("_"):
            continue
        if isinstance(value, types.ModuleType):
            root = value.__name__.split(".")[0]
        else:
            root = (getattr(value, "__module__", None) or "").split(".")[0] if callable(value) else ""
        if root in FORBIDDEN_LIBRARIES:
            found.add(root)
    return sorted(found)


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
    banned = _forbidden_in(namespace)
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
                forbidden_message("this notebook uses", banned),
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
    lines = [f"{exercise}: {report.passed} of {report.total} checks pass"]
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
        them = ("it" if one else "them") if defined == missing else ", ".join(f"`{n}`" for n in defined)
        lines.append(
            f"The cell that defines {them} ran but stopped with an error{why}, so {'it was' if one else 'they were'} "
            "not defined: scroll up to that error, fix it, and run the cell again."
        )
    if unknown:
        it = "it" if len(unknown) == 1 else "them"
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
    """The last cell run that defines ``name`` at its top level."""
    pattern = re.compile(rf"^(?:async[ \t]+)?(?:def|class)[ \t]+{re.escape(name)}\b", re.MULTILINE)
    return next((cell for cell in reversed(cells) if pattern.search(cell)), None)


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


_PYTHON_BUILTINS = frozenset(dir(builtins)) - {"display", "get_ipython", "__IPYTHON__"}  # IPython adds these


def _role(cell: Any) -> str | None:
    nnkata = cell.get("metadata", {}).get(NOTEBOOK_METADATA_KEY)
    return nnkata.get("role") if isinstance(nnkata, dict) else None


def saved_notebook_notes(exercise: str, namespace: dict, path: Path) -> list[str]:
    """Where the saved notebook at ``path``, run as the grader runs it, would not do what the session does.

    Its code cells are read and joined as the runners do (``numbered_code_cells``, ``join_cells``)
    and compiled, never run. Said: a cell Python cannot read; a function the checks need that the
    saved code does not define; a name the saved code uses and never defines (defined only in the
    setup or tests cell, where the grader leaves it out; imported from a display library, whose imports it
    leaves out; or from a cell since deleted); a function whose saved code is not what the session
    ran; a cell that showed an error when it last ran; an edited ``.py`` that pytest checks instead.
    """
    import nbformat

    try:
        notebook = nbformat.read(path, as_version=4)
        numbered = numbered_code_cells(notebook)
    except Exception as error:  # whatever Jupyter or the learner left in the file
        return [f"{path.name} cannot be read as a notebook ({type(error).__name__}: {error})."]
    from grader.checks import checks_of

    notes: list[str] = []
    code_cells = [cell for cell in notebook.cells if cell.get("cell_type") == "code"]
    readable = []
    for number, text in numbered:
        try:
            compile(join_cells([text])[0], f"code cell {number}", "exec")
        except (SyntaxError, ValueError, OverflowError) as error:
            at = f", line {error.lineno}" if isinstance(error, SyntaxError) and error.lineno else ""
            why = error.msg if isinstance(error, SyntaxError) else str(error)
            notes.append(f"Python cannot read code cell {number}{at} ({why}): none of that cell counts.")
            continue
        readable.append((number, text))
    code = join_cells([text for _, text in readable])[0]
    try:
        compile(code, str(path), "exec")
        tree = ast.parse(code)
        table = symtable.symtable(code, str(path), "exec")
    except (SyntaxError, ValueError, OverflowError, RecursionError) as error:
        return [*notes, f"Python cannot read its code cells joined together ({error})."]

    bound = _bound_names(table)
    in_nnkata_cells = {  # what the setup and tests cells bind that the code above does not have
        name: role for cell in code_cells if (role := _role(cell)) in ("setup", "tests")
        for name in _cell_bindings(cell.get("source", ""))
    }  # fmt: skip
    where_left_out = {"setup": "the setup cell", "tests": "the last cell (the checks' cell)"}
    for function in sorted({c.function for c in checks_of(exercise)} - bound):
        if function in in_nnkata_cells:
            notes.append(
                f"`{function}` is defined in {where_left_out[in_nnkata_cells[function]]}, which the grader leaves out: "
                "move it to a cell above."
            )
        else:
            notes.append(
                f"It does not define `{function}`, which this session has (from a cell since deleted or "
                "changed, or not saved yet)."
            )
    starred = any(isinstance(n, ast.ImportFrom) and any(a.name == "*" for a in n.names) for n in ast.walk(tree))
    unknown = set() if starred else _globals_used(table) - bound - _PYTHON_BUILTINS
    for name in sorted(n for n in unknown if not (n.startswith("__") and n.endswith("__"))):
        cell = next((number for number, text in readable if _uses(text, name)), None)
        uses = f"Code cell {cell} uses `{name}`" if cell else f"It uses `{name}`"
        origin = (getattr(namespace.get(name), "__module__", None) or "").split(".")[0]
        if origin in DISPLAY_LIBRARIES:  # its import would be left out, wherever it is
            why = (
                f"the grader leaves out imports of {' and '.join(DISPLAY_LIBRARIES)}, so use `{name}` only in "
                f"lines that just show something, like `display({name}(...))`"
            )
        elif name in in_nnkata_cells:
            cell_name = where_left_out[in_nnkata_cells[name]]
            why = f"it is defined only in {cell_name}, where the grader leaves it out: move it to a cell above"
        elif name in namespace:
            why = "this session has it from a cell since deleted or changed: define or import it in a cell again"
        else:
            why = "define or import it in a cell above"
        notes.append(f"{uses}, which the saved code never defines or imports: {why}.")
    notes += _changed_since_run(namespace, tree, bound)
    for number, text in readable:
        errors = [o for o in code_cells[number - 1].get("outputs", []) if o.get("output_type") == "error"]
        runs = any(line.strip() and not line.lstrip().startswith("#") for line in text.splitlines())
        if errors and runs:
            notes.append(
                f"Code cell {number} showed {errors[-1].get('ename', 'an error')} when it last ran: the grader runs "
                "it too, and an error there costs the whole exercise. Fix the cell or delete it."
            )
    module = path.parent / f"{module_name(exercise)}.py"
    stub = notebook.get("metadata", {}).get(NOTEBOOK_METADATA_KEY, {}).get("stub_sha256")
    edited = (
        path.name == f"{module_name(exercise)}.ipynb"
        and module.is_file()
        and isinstance(stub, str)
        and hashlib.sha256(module_text(module.read_bytes()).encode("utf-8")).hexdigest() != stub
    )
    if edited:
        notes.append(
            f"{module.name} beside it has been edited, so `pytest exercises/{exercise}` checks {module.name}, "
            "not this notebook: keep your work in one of them, and hand in that one."
        )
    return notes


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


def _cell_bindings(source: Any) -> set[str]:
    """The names a cell's code binds at its top level (none when it does not parse)."""
    text = "".join(source) if isinstance(source, list) else str(source)
    try:
        table = symtable.symtable(join_cells([strip_magics(text)])[0], "<cell>", "exec")
    except (SyntaxError, ValueError, OverflowError, RecursionError):
        return set()
    return _bound_names(table)


def _uses(text: str, name: str) -> bool:
    try:
        return any(isinstance(n, ast.Name) and n.id == name for n in ast.walk(ast.parse(join_cells([text])[0])))
    except (SyntaxError, ValueError, RecursionError):
        return False


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
