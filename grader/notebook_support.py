"""What the generated notebooks call: their setup cell and their tests cell.

``setup_notebook`` lets a notebook import the learner's other exercises by name
(``from sigmoid import sigmoid``), served from the sibling notebooks or ``.py`` files exactly as
the pytest runner serves them. ``run_checks`` runs one exercise's checks against the notebook's
own definitions and prints the same teacher-like messages as ``pytest exercises/NN_name``,
never a traceback.
"""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from grader.calling import (
    EXERCISES,
    FORBIDDEN_LIBRARIES,
    LearnerModules,
    LearnerSource,
    forbidden_message,
    module_name,
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
        if self.failed == 0 and skipped:
            return f"nnkata: no check fails ({self.passed} pass, {skipped} skipped)"
        if self.failed == 0:
            return f"nnkata: all {self.total} checks pass"
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
    if undefined:
        # Usually not a typo: the cell defining it was not run (yet, or again after a restart).
        names = ", ".join(f"`{name}`" for name in undefined)
        write(
            f"Not defined in this notebook's session: {names}. Run the cell that defines "
            f"{'it' if len(undefined) == 1 else 'them'} first (after a kernel restart: Run All Above), "
            "and check the spelling.\n\n"
        )
    for check in checks_of(exercise):
        if banned:
            result = CheckResult(
                check.name,
                check.summary,
                "fail",
                forbidden_message("this notebook uses", banned),
            )
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
    write("\n" + "\n".join(_progress(report)) + "\n")
    write(report.final_line + "\n")
    return report


def _progress(report: ChecksReport) -> list[str]:
    exercise = report.exercise
    lines = [f"{exercise}: {report.passed} of {report.total} checks pass"]
    skipped = [r for r in report.results if r.status == "skipped"]
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
    elif report.total:
        lines.append("Fix the first failing check above, re-run your code's cell, then this cell.")
        lines.append(f"Stuck? Hints: exercises/{exercise}/hints.md")
    return lines
