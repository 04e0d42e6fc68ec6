"""Runner 2: grade many untrusted hand-ins, each exercise in its own sandboxed worker.

The trusted side (this module) draws every check's cases from the instructor's secret seed,
keeps the expected values, and sends only the ``Call`` objects to the worker through
``grader.transport``. The worker (``grader/worker.py``, NumPy + stdlib only) runs in
``grader.sandbox.run_sandboxed`` and writes outcomes back; they are loaded with
``allow_pickle=False`` and judged here with ``Case.verdict``. Nothing the learner made is ever
imported or unpickled in this process; a forged or missing outcomes file fails that worker's
checks and nothing else.

Results are written per learner as they finish (``results/<learner>.json``, atomically), so
an interrupted run resumes where it stopped; then ``gradebook.csv``, ``results.json`` and
``feedback/<learner>.md`` are (re)written from all of them, and from those that earlier runs
graded into the same folder with the same plan (a late hand-in joins the gradebook).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import csv
import functools
import hashlib
import io
import json
import os
import queue
import re
import shutil
import signal
import sys
import tempfile
import threading
import time
import unicodedata
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader import handin, transport, worker
from grader.calling import (
    FORBIDDEN_IMPORT,
    IMPORT_FAILED,
    NO_RESULT,
    Call,
    Outcome,
    call_seconds,
    listed,
    module_name,
)
from grader.checks import Case, Check, all_checks, judge_cases
from grader.files import remove_tree, write_atomically
from grader.rubric import THRESHOLDS, Rubric, cents
from grader.sandbox import (
    LIMIT_CPU,
    LIMIT_DISK,
    LIMIT_FILE_SIZE,
    LIMIT_MEMORY,
    LIMIT_OUTPUT,
    LIMIT_PROCESSES,
    LIMIT_WALL,
    Limits,
    kill_running,
    run_sandboxed,
)

RESULT_VERSION = 1
GRADER_DIR = Path(__file__).resolve().parent
# What stands in for an exercise the rubric does not grade and a graded one imports (see
# handin.stand_in_for_ungraded); the Gradescope bundle carries the ones its rubric needs.
REFERENCE_SOLUTIONS = GRADER_DIR.parent / "solutions"
RUNTIME_FILES = ("calling.py", "files.py", "loading.py", "transport.py", "worker.py")
# The grader's modules that decide no score (the command line, the outputs' other formats, the
# learner's side): a change to them keeps earlier results. Every other module counts (see
# grader_digest), a new one too; tests/test_grading.py checks that grading imports none of these.
NOT_SCORING = (
    "__main__.py",
    "cli.py",
    "gradescope.py",
    "notebook_support.py",
    "notebooks.py",
    "pytest_plugin.py",
    "release.py",
    "shards.py",
)


class GradingError(Exception):
    """The run cannot start (e.g. MNIST missing); printed as one line."""


@dataclass(frozen=True)
class Submission:
    learner: str
    path: Path


@dataclass
class Plan:
    """Everything decided once per run: the checks, their cases (with expected values), points."""

    rubric: Rubric
    seed: int
    checks: list[Check]
    cases: dict[str, list[Case]]
    points: dict[str, float]
    exercises: list[str] = field(default_factory=list)

    @property
    def needs_mnist(self) -> bool:
        return any(case.needs_mnist for cases in self.cases.values() for case in cases)

    @property
    def key(self) -> str:
        """Fingerprint of everything that decides a score: rubric, seed, checks, points, grader code.

        Part of every result's key (a re-run regrades when it changes, e.g. after a fixed check)
        and written to ``results.json``, where ``merge`` compares it between shards.
        """
        fields = [RESULT_VERSION, self.rubric.fingerprint, self.seed, sorted(self.points.items()), grader_digest()]
        text = json.dumps(fields)
        return hashlib.sha256(text.encode()).hexdigest()

    @property
    def settings(self) -> dict[str, Any]:
        """The parts of ``key`` but the seed, each on its own: saved with every result, so that a
        result of other settings can be told what differs (a different key with the same settings:
        the seed). The seed itself is never saved there: results/<learner>.json is not private."""
        return {
            "version": RESULT_VERSION,
            "rubric": self.rubric.marks_fingerprint,
            "limits": self.rubric.limits_fingerprint,
            "grader": grader_digest(),
        }

    @property
    def bonus(self) -> set[str]:
        """The ids of the checks graded as bonus, on top of ``total``."""
        return {c.id for c in self.checks if c.id in self.rubric.bonus}

    @property
    def total(self) -> float:
        """The marks of a hand-in that passes every non-bonus check."""
        return self.rubric.total


@functools.cache
def grader_digest() -> str:
    """SHA-256 of the grader's source that decides scores: the checks, the judging, the worker,
    the sandbox, the intake (every module but ``NOT_SCORING``)."""
    return source_digest(GRADER_DIR)


def source_digest(folder: Path) -> str:
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*.py")):
        name = path.relative_to(folder)
        if str(name) not in NOT_SCORING:
            digest.update(str(name).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclass(frozen=True)
class Column:
    """One check as the output files name it: all that a gradebook needs of a ``Check``."""

    id: str
    exercise: str
    summary: str = ""


@dataclass
class Layout:
    """How the output files are laid out, read back from a ``results.json`` header.

    It has what ``gradebook``, ``feedback``, ``table`` and the Gradescope writer use of a
    ``Plan`` (``checks``, ``exercises``, ``total``, ``points``), so outputs can be written again
    from saved results (``merge``) without the seed or PyTorch.
    """

    checks: list[Column]
    exercises: list[str]
    total: float
    points: dict[str, float]
    bonus: set[str] = field(default_factory=set)

    @classmethod
    def from_header(cls, header: dict[str, Any]) -> Layout:
        columns = [
            Column(c["id"], c.get("exercise") or c["id"].split("::", 1)[0], c.get("summary", ""))
            for c in header["checks"]
        ]
        exercises = header.get("exercises") or list(dict.fromkeys(c.exercise for c in columns))
        points = {c["id"]: float(c["points"]) for c in header["checks"]}
        bonus = {c["id"] for c in header["checks"] if c.get("bonus")}
        return cls(columns, list(exercises), float(header["total"]), points, bonus)


def apply_thresholds(rubric: Rubric) -> None:
    """Set every check threshold to the rubric's value, or back to the check's default.

    Resetting matters when one process builds several plans (tests, Gradescope): a bar one
    rubric raised must not stay raised for the next.
    """
    import importlib

    for name, (module_name_, constant, _) in THRESHOLDS.items():
        try:
            module = importlib.import_module(module_name_)
        except ImportError:
            continue  # that exercise's checks do not exist yet
        setattr(module, constant, rubric.thresholds.get(name, getattr(module, "DEFAULT_" + constant)))


def build_plan(rubric: Rubric, seed: int, exercises: Sequence[str] | None = None) -> Plan:
    apply_thresholds(rubric)
    checks = [c for c in all_checks() if exercises is None or c.exercise in exercises]
    points = rubric.points(checks)
    checks = [c for c in checks if c.id in points]
    cases = {c.id: c.cases(seed) for c in checks}
    ordered = list(dict.fromkeys(c.exercise for c in checks))
    return Plan(rubric, seed, checks, cases, points, ordered)


# ----------------------------------------------------------------------------------------------
# Finding the submissions


# What ``handin.normalise`` accepts as one learner's hand-in, besides a folder.
SUBMISSION_SUFFIXES = (".zip", ".ipynb", ".py")


def learner_id(path: Path) -> str:
    """The hand-in's name as a safe file name and gradebook cell: ``José García.zip`` → ``José_García``.

    Letters of any language stay (a roster must map back); NFC makes a name zipped on macOS (which
    decomposes é) equal to the same name typed elsewhere; no id starts with ``-`` (an option to a
    command, a formula to a spreadsheet), and ``=``, ``+``, ``@`` never survive.
    """
    name = unicodedata.normalize("NFC", path.name)
    for suffix in SUBMISSION_SUFFIXES:
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    name = re.sub(r"[^\w.-]+", "_", name).strip("._-") or "learner"
    return name[:100]


def _some(names: Sequence[str]) -> str:
    """Up to five names, for a line that must stay one line."""
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def could_be_a_handin(path: Path) -> bool:
    """A folder, or a file of a kind a hand-in comes as (README.txt and Thumbs.db are not)."""
    if path.is_symlink():
        return True  # normalise refuses it with a note the learner sees, which says why
    return path.is_dir() or (path.is_file() and path.name.lower().endswith(SUBMISSION_SUFFIXES))


def discover(
    paths: Sequence[Path], each: bool, *, out: Path | None = None, say: Callable[[str], None] | None = None
) -> list[Submission]:
    """One submission per path, or (``each``) one per child of each path.

    Under ``each``, files that cannot be a hand-in are skipped and ``say`` gets one line naming
    them; hidden entries (.DS_Store, .git) and the ``out`` folder (which may sit in the folder
    of hand-ins) are skipped without a word.
    """
    found: list[Path] = []
    not_handins: list[str] = []
    results_folder = Path(out).resolve() if out is not None else None
    for path in map(Path, paths):
        if not path.exists() and not path.is_symlink():
            raise GradingError(f"{path} does not exist")
        if each:
            if not path.is_dir():
                raise GradingError(f"--each needs folders, and {path} is not one")
            if exercises := handin.exercise_children(path):
                raise GradingError(
                    f"{path} looks like one learner's hand-in (it holds {_some(exercises)}): drop --each "
                    "to grade it as one learner"
                )
            for child in sorted(path.iterdir()):
                if child.name.startswith(".") or child.resolve() == results_folder:
                    continue
                if could_be_a_handin(child):
                    found.append(child)
                else:
                    not_handins.append(child.name)
        elif not could_be_a_handin(path):
            raise GradingError(
                f"{path} cannot be a hand-in: give a learner's folder, .zip, .py or .ipynb (or with --each, "
                "a folder of them)"
            )
        else:
            found.append(path)
    if not_handins and say is not None:
        say(
            f"skipped {len(not_handins)} file(s) that cannot be a hand-in (not a folder, .zip, .py or .ipynb): "
            f"{_some(not_handins)}"
        )
    submissions: list[Submission] = []
    taken: dict[str, Path] = {}
    given: dict[Path, Path] = {}  # each path as resolved (but for a symlink's target) -> as given
    for path in found:
        absolute = Path(os.path.abspath(path))
        key = absolute.parent.resolve() / absolute.name
        if key in given:
            if say is not None and str(path) == str(given[key]):
                say(f"{path} was given twice: graded once")
            elif say is not None:
                say(f"{given[key]} and {path} are the same hand-in: graded once")
            continue
        given[key] = path
        learner = learner_id(path)
        base, n = learner, 2
        while learner in taken:
            learner, n = f"{base}-{n}", n + 1
        if learner != base and say is not None:
            # Often one learner's folder next to the zip of the same folder: two grades for one person.
            one, other = taken[base].name, path.name
            if one == other:  # lee/ and lee/ of two download folders: only their paths tell them apart
                one, other = str(taken[base]), str(path)
            say(f"{one} and {other} are both learner {base}: graded as {base} and {learner}")
        taken[learner] = path
        submissions.append(Submission(learner, path))
    return submissions


# ----------------------------------------------------------------------------------------------
# Files the worker sees (read-only)


def prepare_runtime(directory: Path) -> Path:
    """A copy of the worker and the NumPy-only modules it imports (``RUNTIME_FILES``), and nothing else."""
    package = directory / "grader"
    with _writing(f"the workers' copy of the grader in {directory}"):
        package.mkdir(parents=True, exist_ok=True)
        (package / "__init__.py").write_text('"""The worker\'s copy of the grader modules it needs."""\n')
        for name in RUNTIME_FILES:
            shutil.copyfile(GRADER_DIR / name, package / name)
        for path in [directory, package, *package.iterdir()]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    return directory


def prepare_mnist(directory: Path) -> Path:
    """The MNIST training set as two ``.npy`` files the worker can load without pickle."""
    from grader import mnist

    try:
        images, labels = mnist.load_mnist("train")
    except mnist.MnistError as error:
        raise GradingError(
            f"a check trains on MNIST, and the grader needs the dataset before grading anything: {error}"
        ) from None
    with _writing(f"the workers' copy of MNIST in {directory}"):
        directory.mkdir(parents=True, exist_ok=True)
        np.save(directory / "mnist_images.npy", np.ascontiguousarray(images, dtype=np.uint8))
        np.save(directory / "mnist_labels.npy", np.ascontiguousarray(labels))
        for path in [directory, *directory.iterdir()]:
            path.chmod(0o755 if path.is_dir() else 0o644)
    return directory


# ----------------------------------------------------------------------------------------------
# Grading one hand-in


@dataclass
class Context:
    plan: Plan
    out: Path
    runtime: Path
    mnist: Path | None
    isolation: str | None = None
    # Set when the run is interrupted: no worker starts any more, and no result of one is kept.
    stopping: threading.Event = field(default_factory=threading.Event)


class Stopped(BaseException):
    """Ends the grading of a hand-in once the run is interrupted; nothing of it is saved.

    A BaseException, so that the handlers that turn a failure into a hand-in's result
    (``except Exception``) let it through, as they let KeyboardInterrupt through.
    """


def _stop_if_interrupted(context: Context) -> None:
    if context.stopping.is_set():
        raise Stopped


def _limits(rubric: Rubric, exercise: str) -> Limits:
    seconds = rubric.seconds_for(exercise)
    return Limits(
        wall_seconds=seconds,
        cpu_seconds=seconds,
        memory_bytes=rubric.memory_mib_for(exercise) * 1024**2,
        output_bytes=rubric.output_kib * 1024,
    )


def _no_result(calls: int, message: str) -> list[Outcome]:
    return [Outcome(NO_RESULT, message=message) for _ in range(calls)]


def _size(count: int) -> str:
    for unit, size in (("GiB", 1024**3), ("MiB", 1024**2), ("KiB", 1024)):
        if count >= size:
            return f"{count / size:g} {unit}"
    return f"{count} bytes"


_TOO_SLOW = (
    "Look for a loop that never ends, or one that runs far more often than needed: NumPy operations "
    "on whole arrays are much faster than Python loops over their elements."
)


def stopped_message(limit: str, limits: Limits, during: str | None = None) -> str:
    """What a learner reads when the sandbox stopped their code: which limit, how much, what to do.

    ``during`` names the function whose call was running, when known.
    """
    why = {
        LIMIT_WALL: f"it ran for more than {limits.wall_seconds:g} s, the time limit. {_TOO_SLOW}",
        LIMIT_CPU: f"it used more than {limits.cpu_seconds:g} s of CPU time, the limit. {_TOO_SLOW}",
        LIMIT_MEMORY: f"it asked for more than {_size(limits.memory_bytes)} of memory, the limit. Look for arrays "
        "far larger than the data (e.g. one holding every pair of elements) or a list that grows without end.",
        # output_bytes is only how much of it the grader keeps; past output_kill_bytes it stops the worker.
        LIMIT_OUTPUT: f"it printed more than {_size(limits.output_kill_bytes)}, the output limit. "
        "Remove print statements, or print less.",
        LIMIT_FILE_SIZE: f"it wrote a file larger than {_size(limits.file_bytes)}, the file size limit. "
        "The exercises need no files: remove the code that writes them.",
        LIMIT_DISK: f"it wrote more than {_size(limits.disk_bytes)} of files, or more than {limits.disk_files:,} "
        "files and folders, the disk space limit. The exercises need no files: remove the code that writes them.",
        LIMIT_PROCESSES: f"it started more than {limits.processes} processes or threads, the limit. The exercises "
        "need none: remove the code that starts them (multiprocessing, threading, subprocess, os.fork).",
    }.get(limit, f"it went over a limit ({limit}).")
    return f"your code was stopped{f' during a call of `{during}`' if during else ''}: {why}"


def _running(workdir: Path, calls: list[Call]) -> str | None:
    """The function of the call the worker was in when it stopped, from the worker's marker."""
    try:
        index = int(transport.read_regular_file(workdir / worker.RUNNING, limit=20))
    except (transport.TransportError, ValueError):
        return None
    return calls[index].function if 0 <= index < len(calls) else None


def _why_no_result(result: Any, limits: Limits, problem: str, during: str | None) -> str:
    if result is None:
        return problem
    if result.limit_hit:
        return stopped_message(result.limit_hit, limits, during)
    tail = result.stderr.strip().splitlines()[-3:]
    text = f"the process running your code ended without an answer (exit status {result.returncode})."
    if tail:
        text += " Its last words: " + " | ".join(line[:200] for line in tail)
    return text


def _prepare_attempt(folder: Path, tree: Path, request: dict[str, Any]) -> tuple[Path, Path]:
    """A fresh worker folder holding a copy of the hand-in and the request; returns (request, answer) paths."""
    folder.mkdir(parents=True)
    handin.copy_tree(tree, folder / "handin")
    transport.save(request, folder / "request.npz")
    return folder / "request.npz", folder / "outcomes.npz"


def run_exercise(context: Context, tree: Path, exercise: str, workdir: Path, slot: int) -> dict[str, Any]:
    """Run one exercise's calls in a sandboxed worker; returns outcomes per call and run info.

    Each attempt runs in a fresh folder in ``workdir`` (which the caller removes).
    """
    plan = context.plan
    # Every call of the exercise's checks, in order, with its case and check.
    asked = [
        (call, case, check)
        for check in plan.checks
        if check.exercise == exercise
        for case in plan.cases[check.id]
        for call in case.calls
    ]
    calls = [call for call, _, _ in asked]
    needs_mnist = any(case.needs_mnist for _, case, _ in asked)
    mnist = str(context.mnist) if needs_mnist and context.mnist else None
    limits = _limits(plan.rubric, exercise)
    # Each call's own time limit, below the worker's: a call that never ends costs only its
    # function's checks, as in pytest, and the worker still answers for the others.
    request_data = {
        "exercise": exercise,
        "calls": calls,
        "mnist": mnist,
        "seconds": [call_seconds(case.needs_mnist, limits.wall_seconds) for _, case, _ in asked],
        "checks": [f"`{check.name}`" for _, _, check in asked],
    }
    readonly = [context.runtime] + ([context.mnist] if needs_mnist and context.mnist else [])
    env = {"PYTHONPATH": str(context.runtime), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    env["MKL_NUM_THREADS"] = "1"
    started = time.monotonic()
    result = None
    problem = ""
    grader_fault = False
    for attempt in range(2):
        _stop_if_interrupted(context)
        attempt_folder = workdir / f"attempt-{attempt}"
        request, answer = _prepare_attempt(attempt_folder, tree, request_data)
        try:
            result = run_sandboxed(
                [sys.executable, str(context.runtime / "grader" / "worker.py"), str(request), str(answer)],
                attempt_folder,
                readonly=readonly,
                python_packages=("numpy",),
                limits=limits,
                env=env,
                slot=slot,
                isolation=context.isolation,
            )
        except Exception as error:  # the sandbox itself failed: this worker's checks get nothing
            problem = f"the grader could not run your code ({type(error).__name__}: {error}); tell your instructor."
            grader_fault = True
            break
        # A worker killed by SIGKILL with no limit hit and no word said may have been caught in
        # something outside it (the machine's OOM killer, another program's sweep): try once more.
        # (A hand-in that kills itself just dies twice.)
        if attempt or result.returncode != -9 or result.limit_hit or result.stderr.strip() or answer.exists():
            break
        # What it left must not count against the next attempt's disk cap, nor its running
        # marker name the function the next one was in.
        remove_tree(attempt_folder)
    # An interrupted run kills its workers: what they left says nothing about the hand-in.
    _stop_if_interrupted(context)
    seconds = time.monotonic() - started
    outcomes: list[Outcome] | None = None
    # A limit hit is named before a missing answer: the sandbox's last disk scan can find one
    # in a worker that exited 0, and it is the limit that decides the grade.
    ended_early = (
        result is not None and result.limit_hit is None and result.returncode == 0 and not os.path.lexists(answer)
    )
    if ended_early:
        # The worker always answers before it exits: the learner's code ended it (os._exit(0)).
        problem = (
            "the process running your code ended before it answered: look for os._exit() or exit() "
            "in your code; a function returns its answer instead."
        )
    elif result is not None and result.limit_hit is None and result.returncode == 0:
        try:
            answer_data = transport.load(answer)
            candidate = answer_data["outcomes"] if isinstance(answer_data, dict) else None
            if (
                isinstance(candidate, list)
                and len(candidate) == len(calls)
                and all(isinstance(o, Outcome) for o in candidate)
                and _is(answer_data.get("exercise"), exercise)
            ):
                outcomes = candidate
            else:
                problem = "the worker's answer does not match the questions asked."
        except (transport.TransportError, OSError, KeyError, TypeError, AttributeError) as error:
            problem = f"the worker's answer could not be read ({str(error)[:200]})."
    # Whether the worker answered, not its return code: one that exits 0 may still be over a
    # limit (the sandbox's last disk scan), and then every check fails for that reason.
    answered = outcomes is not None
    if not answered:
        problem = problem or _why_no_result(result, limits, problem, _running(attempt_folder, calls))
        outcomes = _no_result(len(calls), problem)
        # The calls that finished before the worker was stopped keep their outcomes, in order up
        # to the first missing one: the files are the learner's to forge as much as the answer
        # is, and are read and judged the same way.
        for index in range(len(calls) if result is not None and not grader_fault else 0):
            path = attempt_folder / worker.FINISHED.format(index)
            try:
                finished = transport.load(path) if os.path.lexists(path) else None
            except (transport.TransportError, OSError):
                break
            if not (
                isinstance(finished, dict)
                and _is(finished.get("exercise"), exercise)
                and _is(finished.get("index"), index)
                and isinstance(finished.get("outcome"), Outcome)
            ):
                break
            outcomes[index] = finished["outcome"]
    return {
        "outcomes": outcomes,
        "seconds": round(seconds, 3),
        "limit_hit": result.limit_hit if result is not None else None,
        "isolation": result.isolation if result is not None else None,
        "returncode": result.returncode if result is not None else None,
        "problem": None if answered else problem,
        "grader_fault": grader_fault,
    }


def _is(value: Any, wanted: str | int) -> bool:
    """Whether a value read from the worker's files is ``wanted``: of its very type first, since the
    files are the learner's to forge, and a forged array compared with ``==`` is no yes or no."""
    return type(value) is type(wanted) and value == wanted


def result_key(plan: Plan, intake: handin.Intake) -> str:
    """What a saved result is valid for: this plan and exactly this hand-in's content."""
    return hashlib.sha256(f"{plan.key}:{intake.content_hash}".encode()).hexdigest()


def grade_submission(
    context: Context, submission: Submission, intake: handin.Intake, scratch: Path, slot: int
) -> dict[str, Any]:
    """Grade the hand-in ``handin.normalise`` laid out in ``intake.root``, one worker per exercise."""
    plan = context.plan
    tree = intake.root
    exercises: dict[str, dict[str, Any]] = {}
    grader_fault = False
    for number, exercise in enumerate(plan.exercises):
        if exercise not in intake.found:
            exercises[exercise] = exercise_report(
                plan, exercise, _not_run(f"nothing for exercise {exercise} was found in your hand-in.", NOTHING_FOUND)
            )
            continue
        workdir = scratch / f"run-{number}"
        try:
            run = run_exercise(context, tree, exercise, workdir, slot)
        finally:
            # What a worker wrote goes with it: a hand-in holds at most one worker's disk cap
            # at a time, not one per exercise until its last exercise is graded.
            remove_tree(workdir)
        run["refused"] = exercise in intake.refused  # for exercise_cause
        module = tree / exercise / f"{module_name(exercise)}.py"
        imports = handin.imported_functions(module.read_text(encoding="utf-8", errors="replace"))
        exercises[exercise] = exercise_report(plan, exercise, run, imports)
        grader_fault = grader_fault or run["grader_fault"]
    return learner_result(
        submission,
        plan,
        # A result of the grader's failure, not the learner's, never matches: the next run grades again.
        key="" if grader_fault else result_key(plan, intake),
        content_hash=intake.content_hash,
        grader_fault=grader_fault,
        notes=intake.notes,
        found=intake.found,
        exercises=exercises,
    )


def _not_run(problem: str, cause: str) -> dict[str, Any]:
    """What ``run_exercise`` returns, for an exercise no worker ran: every check fails with ``problem``."""
    return {"outcomes": None, "seconds": 0.0, "limit_hit": None, "isolation": None, "problem": problem, "cause": cause}


# What an exercise's ``cause`` says, for the instructor, when something else than wrong answers
# cost its points (see ``exercise_cause``).
NOTHING_FOUND = "nothing found"
GRADER_FAULT = "grader fault"
SYNTAX_ERROR = "syntax error"
NOT_IMPORTED = "could not import"
# What was handed in for the exercise could not be read at all (a notebook too large, not JSON):
# the intake wrote it out as refused (``handin.Intake.refused``), and its checks say why.
NOT_READ = "could not read"
NO_ANSWER = "no answer"
TIME_LIMIT = "time limit"
LIMIT_CAUSES = {
    LIMIT_WALL: TIME_LIMIT,
    LIMIT_CPU: TIME_LIMIT,
    LIMIT_MEMORY: "memory limit",
    LIMIT_OUTPUT: "output limit",
    LIMIT_FILE_SIZE: "file size limit",
    LIMIT_DISK: "disk limit",
    LIMIT_PROCESSES: "process limit",
}


def exercise_cause(run: dict[str, Any]) -> tuple[str | None, str | None]:
    """(cause, import problem) of an exercise: what else than wrong answers failed its checks (the
    worker gave no answer, or the module could not be imported), and for an import, its message."""
    if run["problem"] is not None:  # no worker ran, or it did not answer
        if run.get("grader_fault"):
            return GRADER_FAULT, None
        if run.get("limit_hit"):
            return LIMIT_CAUSES.get(run["limit_hit"], f"{run['limit_hit']} limit"), None
        return run.get("cause") or NO_ANSWER, None
    outcomes = run["outcomes"]
    failed = {(o.status, o.message) for o in outcomes}
    if outcomes and len(failed) == 1 and next(iter(failed))[0] in (IMPORT_FAILED, FORBIDDEN_IMPORT):
        message = outcomes[0].message
        # What the intake refused (``grade_submission`` records it): never told by what the message
        # says, which the learner's code can raise too.
        if run.get("refused") and next(iter(failed))[0] == IMPORT_FAILED:
            return NOT_READ, message
        # Its own file; not one that builds on such a file (and says so).
        own = "it builds on exercise" not in message
        own_syntax_error = own and "Python could not read the file" in message
        return (SYNTAX_ERROR if own_syntax_error else NOT_IMPORTED), message
    if any(o.stopped for o in outcomes):  # a call's own time limit: the worker still answered
        return TIME_LIMIT, None
    return None, None


def exercise_report(
    plan: Plan, exercise: str, run: dict[str, Any], imports: dict[str, list[str] | None] | None = None
) -> dict[str, Any]:
    """One exercise's part of a result: how its worker ran, and each check's points and message.

    ``run`` is what ``run_exercise`` returned (or ``_not_run``); its outcomes are judged against
    the plan's cases, or, when there are none, every check fails with its problem. ``imports``
    (what its module imports from each earlier exercise, ``handin.imported_functions``) is
    recorded when the exercise was handed in, as ``uses`` (the exercises) and ``imports``.
    """
    checks = [c for c in plan.checks if c.exercise == exercise]
    report: dict[str, Any] = {key: run[key] for key in ("seconds", "limit_hit", "isolation", "problem")}
    report["cause"], problem = exercise_cause(run)
    report["problem"] = report["problem"] or problem
    report["checks"] = {}
    if imports is not None:
        report["uses"], report["imports"] = list(imports), imports
    position = 0
    # In whole cents, so that the points shown (2 decimals) add up to the totals shown.
    earned, most, bonus, bonus_most = 0, 0, 0, 0
    for check in checks:
        cases = plan.cases[check.id]
        count = sum(len(case.calls) for case in cases)
        not_started = False
        if run["outcomes"] is None:
            fraction, message = 0.0, run["problem"]
        else:
            verdict = judge_cases(check, cases, run["outcomes"][position : position + count])
            fraction, message, not_started = verdict.credit, verdict.message, verdict.not_started
        position += count
        worth = cents(plan.points[check.id])
        got = round(worth * fraction)
        earned += got
        report["checks"][check.id] = {"points": got / 100, "max": worth / 100, "passed": fraction == 1.0}
        if check.id in plan.bonus:
            report["checks"][check.id]["bonus"] = True
            bonus, bonus_most = bonus + got, bonus_most + worth
        else:
            most += worth
        report["checks"][check.id]["message"] = message
        if not_started:  # its function is still the stub
            report["checks"][check.id]["not_started"] = True
    if not _lost_points(report):
        report["cause"] = None  # e.g. a limit hit once every call had answered
    report["score"] = earned / 100  # bonus included
    report["max"] = most / 100  # bonus not included
    if bonus_most:
        report["bonus"], report["bonus_max"] = bonus / 100, bonus_most / 100
    return report


def learner_result(
    submission: Submission,
    plan: Plan,
    *,
    key: str,
    content_hash: str | None,
    grader_fault: bool,
    notes: list[str],
    found: dict[str, Any],
    exercises: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """A learner's whole result (``results/<learner>.json``), around its exercises' reports."""
    result: dict[str, Any] = {
        "version": RESULT_VERSION,
        "learner": submission.learner,
        "source": str(submission.path),
        "key": key,
        "fingerprint": plan.key,  # which run's gradebook may hold this result (see saved_results)
    }
    if content_hash is not None:
        result["content_hash"] = content_hash
    result["settings"] = plan.settings
    result.update(grader_fault=grader_fault, notes=notes, found=found, exercises=exercises)
    result["total"] = sum(cents(e["score"]) for e in exercises.values()) / 100
    return result


# ----------------------------------------------------------------------------------------------
# Writing the results


def exercise_details(report: dict[str, Any]) -> str:
    """One line on how an exercise's worker ran: time used, any limit hit, the isolation level."""
    details = [f"time used: {report.get('seconds', 0):.1f} s"]
    if report.get("limit_hit"):
        details.append(f"limit hit: {report['limit_hit']}")
    if report.get("isolation"):
        details.append(f"isolation: {report['isolation']}")
    return "; ".join(details)


def points(value: float) -> str:
    """Points as every output shows them: at most 2 decimals, no trailing zeros (3.33, 8.8, 100)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def exercise_score(report: dict[str, Any]) -> str:
    """``9 / 15``, or with bonus checks ``9 / 15 (+ bonus 2.68 / 5)``: the bonus apart from the marks."""
    if not report.get("bonus_max"):
        return f"{points(report['score'])} / {points(report['max'])}"
    marks = (cents(report["score"]) - cents(report["bonus"])) / 100
    bonus = f"{points(report['bonus'])} / {points(report['bonus_max'])}"
    return f"{points(marks)} / {points(report['max'])} (+ bonus {bonus})"


def total_score(result: dict[str, Any], plan: Plan | Layout) -> str:
    """``74.68 / 100``, and with bonus checks ``(bonus included: 2.68 / 5)``."""
    text = f"{points(result['total'])} / {points(plan.total)}"
    reports = result["exercises"].values()
    most = sum(cents(report.get("bonus_max", 0.0)) for report in reports)
    if most:
        bonus = sum(cents(report.get("bonus", 0.0)) for report in reports)
        text += f" (bonus included: {points(bonus / 100)} / {points(most / 100)})"
    return text


def common_reason(report: dict[str, Any]) -> str | None:
    """The one reason every check of a several-check exercise failed for, if there is one."""
    checks = list(report["checks"].values())
    if len(checks) < 2 or any(check["passed"] for check in checks):
        return None
    problem = report.get("problem")
    if problem and all(problem in check["message"] for check in checks):
        return problem
    messages = {check["message"] for check in checks}
    return messages.pop() if len(messages) == 1 and "" not in messages else None


def feedback(result: dict[str, Any], plan: Plan | Layout) -> str:
    """The learner's ``feedback/<learner>.md``: score per exercise and check, with the messages."""
    lines = [f"# Feedback for {result['learner']}", "", f"**Total: {total_score(result, plan)}**", ""]
    if result["notes"]:
        lines += ["## About your hand-in", ""] + [f"- {note}" for note in result["notes"]] + [""]
    for exercise, report in result["exercises"].items():
        lines += [f"## {exercise}: {exercise_score(report)}", ""]
        lines += [f"_{exercise_details(report)}_", ""]
        inherited = failing_dependencies(result, exercise)
        if inherited and _lost_points(report):
            which = "which fails checks of its own" if len(inherited) == 1 else "which fail checks of their own"
            lines += [
                f"This exercise builds on your {listed(inherited)}, {which}: "
                f"fix {inherited[0]} first, and this one may then pass without a change.",
                "",
            ]
        reason = common_reason(report)
        if reason is not None:  # said once, not once per check
            lines += [f"All {len(report['checks'])} checks failed for one reason:", ""]
            lines += ["```", *reason.splitlines(), "```", ""]
        for check_id, check in report["checks"].items():
            name = f"`{check_id.split('::', 1)[1]}`" + (" (bonus)" if check.get("bonus") else "")
            mark = "" if reason is not None else " (passed)" if check["passed"] else " (failed)"
            lines.append(f"- {name}: {points(check['points'])} / {points(check['max'])}{mark}")
            if check["message"] and reason is None:
                lines += ["", "  ```", *[f"  {line}" for line in check["message"].splitlines()], "  ```", ""]
        lines.append("")
    return "\n".join(lines)


def problems(result: dict[str, Any]) -> list[str]:
    """What else than wrong answers cost the learner points, in short: ``nothing found``,
    ``syntax error in 01``, ``could not import 03, 05``, ``could not read 06 (convolution.ipynb)``,
    ``time limit in 08``, ``grader fault``."""
    reports = result["exercises"]
    where: dict[str, list[str]] = {}
    files: dict[str, list[str]] = {}  # for NOT_READ: the files that could not be read
    for exercise, report in reports.items():
        if report.get("cause"):
            where.setdefault(report["cause"], []).append(exercise.split("_", 1)[0])
        if report.get("cause") == NOT_READ:
            name = str(result.get("found", {}).get(exercise) or "")
            name = name if len(name) <= 60 else name[:56] + " ..."
            if name and name not in files.setdefault(NOT_READ, []):
                files[NOT_READ].append(name)
    phrases = []
    for cause, numbers in where.items():
        named = ", ".join(files.get(cause, [])[:3]) + (", …" if len(files.get(cause, [])) > 3 else "")
        if len(numbers) == len(reports) > 1:
            phrases.append(f"{cause} {named}" if named else cause)  # every exercise
        else:
            joint = {NOTHING_FOUND: " for ", NOT_IMPORTED: " ", NOT_READ: " "}.get(cause, " in ")
            phrases.append(cause + joint + ", ".join(numbers) + (f" ({named})" if named else ""))
    return phrases


def needs_a_look(results: Iterable[dict[str, Any]]) -> list[str]:
    """The lines that end a run: each learner who lost points to something else than wrong answers."""
    flagged = [(result["learner"], problems(result)) for result in results]
    flagged = [(learner, phrases) for learner, phrases in flagged if phrases]
    if not flagged:
        return []
    return [f"needs a look ({len(flagged)}, see feedback/<learner>.md):"] + [
        f"  {learner}: {'; '.join(phrases)}" for learner, phrases in flagged
    ]


def _cell(text: str) -> str:
    """A spreadsheet cell of text: one line, and never read as a formula (``=``, ``+``, ``-``, ``@``)."""
    text = " ".join(text.splitlines())
    return "'" + text if text.startswith(("=", "+", "-", "@", "\t")) else text


def failing_dependencies(result: dict[str, Any], exercise: str) -> list[str]:
    """The exercises whose failures may be why ``exercise`` fails, earliest first: those it imports
    a function from that fails a check of its own, and theirs in turn.

    None for an exercise whose failures are all its own stubs (to be written first, whatever
    they import), nor one imported that was not handed in (the import error says so), nor one
    whose failing functions are not those imported (``init_network`` for ``accuracy``).
    """
    exercises = result["exercises"]
    failed = [c for c in exercises.get(exercise, {}).get("checks", {}).values() if not c["passed"]]
    if all(c.get("not_started") for c in failed):
        return []
    found: set[str] = set()
    todo = [exercise]
    while todo:
        report = exercises[todo.pop()]
        # Results of an older grader record the exercises only: every name counts.
        imports = report.get("imports", dict.fromkeys(report.get("uses", [])))
        for used, names in imports.items():
            if used in found or used not in exercises or exercises[used].get("cause") == NOTHING_FOUND:
                continue
            if _fails_in(exercises[used], names):
                found.add(used)
                todo.append(used)
    return sorted(found, key=list(exercises).index)


def _fails_in(report: dict[str, Any], functions: list[str] | None) -> bool:
    """Whether a check of one of ``functions`` (None: any) fails in an exercise's ``report``."""
    of = {check.id: check.function for check in all_checks()}
    return any(
        not check["passed"] and (functions is None or of.get(check_id) in functions)
        for check_id, check in report["checks"].items()
    )


def _lost_points(report: dict[str, Any]) -> bool:
    return any(not check["passed"] for check in report["checks"].values())


def gradebook(results: list[dict[str, Any]], plan: Plan | Layout) -> str:
    """``gradebook.csv``: one row per learner, a column per check, per exercise, the total, then
    ``notes`` (``problems`` and the notes on the hand-in) and ``source`` (the hand-in graded).

    It starts with a UTF-8 byte order mark, so that Excel shows names such as Zoë right (Python
    reads it with ``encoding="utf-8-sig"``).
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["learner", *[c.id for c in plan.checks], *plan.exercises, "total", "notes", "source"])
    for result in results:
        row: list[Any] = [result["learner"]]
        exercises = result["exercises"]
        row += [points(exercises[c.exercise]["checks"][c.id]["points"]) for c in plan.checks]
        row += [points(exercises[e]["score"]) for e in plan.exercises]
        row.append(points(result["total"]))
        row += [_cell("; ".join(problems(result) + result["notes"])), _cell(result.get("source", ""))]
        writer.writerow(row)
    return "\ufeff" + buffer.getvalue()


def table(results: list[dict[str, Any]], plan: Plan | Layout) -> str:
    """The terminal's final table: each learner's score per exercise and total."""
    short = [e.split("_", 1)[0] for e in plan.exercises]
    width = max([7, *(len(r["learner"]) for r in results)])
    lines = [f"{'learner':<{width}} " + " ".join(f"{s:>6}" for s in short) + "   total"]
    for result in results:
        scores = " ".join(f"{result['exercises'][e]['score']:>6.2f}" for e in plan.exercises)
        lines.append(f"{result['learner']:<{width}} {scores}  {result['total']:>6.2f}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# The run


STOP_SECONDS = 10.0  # after Ctrl-C, how long the hand-ins being graded get to stop


def grade(
    submissions: Sequence[Submission],
    out: Path,
    plan: Plan,
    *,
    jobs: int | None = None,
    force: bool = False,
    isolation: str | None = None,
    progress: Callable[[str], None] | None = None,
    first_slot: int = 0,
    shard: dict[str, int] | None = None,
) -> list[dict[str, Any]]:
    """Grade every submission into ``out``; returns their results in the order given.

    The gradebook, ``results.json`` and feedback also cover the learners that earlier runs
    graded into ``out`` with the same plan (see ``write_gradebook``). On Ctrl-C (or any other
    exception) the hand-ins being graded are stopped at once and not saved, the outputs are
    written for those that finished, and the exception goes on.

    ``shard`` (``{"index": I, "count": N, "submissions": all}``, see ``grader.shards``) is
    recorded in ``results.json`` when these submissions are one slice of a larger run.
    Sandbox slots ``first_slot .. first_slot + jobs - 1`` are used (each slot is a uid that the
    sandbox sweeps): two runs at once on one machine need slot ranges that do not overlap.
    """
    out = Path(out).resolve()
    say = progress or (lambda line: None)
    jobs = max(1, jobs or os.cpu_count() or 1)
    claimed = claim_slots(first_slot, jobs)
    scratch: Path | None = None
    stopped_cleanly = True
    try:
        scratch = open_output(out, claimed)
        runtime = prepare_runtime(scratch / "runtime")
        mnist_dir = prepare_mnist(scratch / "mnist") if plan.needs_mnist else None
        batch = _Batch(Context(plan, out, runtime, mnist_dir, isolation), scratch, claimed, force)
        learners = {s.learner for s in submissions}
        try:
            batch.run(submissions, jobs, say)
        except BaseException as error:  # Ctrl-C above all
            with ctrl_c_ignored():
                stopped_cleanly = batch.stop()
                finished = [batch.finished[s.learner] for s in submissions if s.learner in batch.finished]
                why = "interrupted" if isinstance(error, KeyboardInterrupt) else f"stopped by {type(error).__name__}"
                say(
                    f"{why}: {len(finished)} of {len(submissions)} hand-ins graded and saved; the same command "
                    f"grades the other {len(submissions) - len(finished)}"
                )
                write_gradebook(out, finished, plan, shard, graded_now=learners, say=say)
            raise
    finally:
        # The scratch folder first, then the slots that guard it (see remove_stale_scratch). If a
        # thread outlasted the stop, both stay until this process ends; the next run removes it.
        if stopped_cleanly:
            if scratch is not None:
                remove_tree(scratch)
            release_slots(claimed)
    ordered = [batch.finished[s.learner] for s in submissions]
    write_gradebook(out, ordered, plan, shard, graded_now=learners, say=say)
    return ordered


class _Batch:
    """The hand-ins of one ``grade`` call, graded on threads that each hold a sandbox slot."""

    def __init__(self, context: Context, scratch: Path, slots: Iterable[int], force: bool) -> None:
        self.context = context
        self.scratch = scratch
        self.force = force
        self.free_slots: queue.Queue[int] = queue.Queue()
        for slot in slots:
            self.free_slots.put(slot)
        self.finished: dict[str, dict[str, Any]] = {}  # learner -> result, saved unless skipped
        self.executor: concurrent.futures.ThreadPoolExecutor | None = None
        # Threads inside grade_one: counted there, not from futures, so that stop() also waits
        # for one whose future an interrupt kept the main thread from recording.
        self.active = 0
        self.idle = threading.Condition()

    def run(self, submissions: Sequence[Submission], jobs: int, say: Callable[[str], None]) -> None:
        self.executor = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
        futures = {self.executor.submit(self.grade_one, s): s for s in submissions}
        started = time.monotonic()
        kept = 0
        for done, future in enumerate(concurrent.futures.as_completed(futures), start=1):
            learner = futures[future].learner
            result = future.result()
            kept += bool(result.get("skipped"))
            state = "unchanged, kept" if result.get("skipped") else f"{points(result['total'])} points"
            if not result.get("skipped") and problems(result):
                state += f" ({'; '.join(problems(result))})"
            seconds = time.monotonic() - started
            say(progress_line(done, len(submissions), seconds, f"{learner}: {state}", graded=done - kept))
        self.executor.shutdown()

    def grade_one(self, submission: Submission) -> dict[str, Any]:
        with self.idle:
            self.active += 1
        try:
            _stop_if_interrupted(self.context)  # queued before the interrupt, started just after it
            slot = self.free_slots.get()
            try:
                result = self._grade(submission, slot)
            finally:
                self.free_slots.put(slot)
            with self.idle:
                self.finished[submission.learner] = result
            return result
        finally:
            with self.idle:
                self.active -= 1
                self.idle.notify_all()

    def _grade(self, submission: Submission, slot: int) -> dict[str, Any]:
        plan, out = self.context.plan, self.context.out
        scratch = Path(tempfile.mkdtemp(prefix=f"{submission.learner}.", dir=self.scratch))
        try:
            try:
                intake = handin.normalise(submission.path, scratch / "tree")
                handin.stand_in_for_ungraded(intake, plan.exercises, REFERENCE_SOLUTIONS)
                old = None if self.force else read_result(out / "results" / f"{submission.learner}.json")
                if old and old.get("version") == RESULT_VERSION and old.get("key") == result_key(plan, intake):
                    return {**old, "skipped": True}
                result = grade_submission(self.context, submission, intake, scratch, slot)
            except Exception as error:  # one hand-in's failure never stops the others
                _stop_if_interrupted(self.context)  # then it may be the interrupt's doing
                message = f"the grader failed on this hand-in: {type(error).__name__}: {error}"
                result = failed_result(submission, plan, message)
            save_result(out, result)
            return result
        finally:
            remove_tree(scratch)

    def stop(self) -> bool:
        """Stop the run: start no hand-in, kill the workers running; False if threads outlast STOP_SECONDS."""
        self.context.stopping.set()
        if self.executor is not None:
            self.executor.shutdown(wait=False, cancel_futures=True)
        deadline = time.monotonic() + STOP_SECONDS
        while time.monotonic() < deadline:
            with self.idle:
                if self.active == 0:
                    return True
            # Again and again: a thread may start a worker between two sweeps (it then stops
            # before the next one, as _stop_if_interrupted sees the flag).
            kill_running()
            with self.idle:
                self.idle.wait_for(lambda: self.active == 0, timeout=0.1)
        return False


@contextlib.contextmanager
def ctrl_c_ignored() -> Iterator[None]:
    """Ignore SIGINT in the block (if it runs in the main thread, the one that signals reach).

    After a first Ctrl-C the run stops its workers and writes the gradebook of what finished:
    a second one must not cut that short, leaving workers to run until their time limit.
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous if previous is not None else signal.default_int_handler)


def progress_line(done: int, total: int, seconds: float, what: str, graded: int | None = None) -> str:
    """``[3/50] ######.................. 0:12, about 3:08 left  ada: 100 points``

    The time left is estimated from the ``graded`` hand-ins (default: all ``done``): those kept
    unchanged from an earlier run took no time and say nothing about the rest.
    """
    width = 24
    bar = "#" * round(width * done / total) + "." * (width - round(width * done / total))
    graded = done if graded is None else graded
    eta = f", about {_clock(seconds / graded * (total - done))} left" if done < total and graded else ""
    return f"[{done}/{total}] {bar} {_clock(seconds)}{eta}  {what}"


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}:{seconds:02d}"


SLOT_LOCKS = Path(tempfile.gettempdir()) / "nnkata-slots"


def _lock_slot(slot: int) -> int | None:
    """The descriptor holding an flock on ``slot``'s lock file, or None if another process holds it."""
    import fcntl

    path = SLOT_LOCKS / f"{slot}.lock"
    try:
        SLOT_LOCKS.mkdir(mode=0o700, exist_ok=True)
        handle = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as error:
        # Most often the folder is another user's, made by their grader (it is 0700).
        raise GradingError(
            f"cannot open the sandbox slot lock {path}: {error.strerror or error}. This user needs a folder "
            f"{SLOT_LOCKS} of its own: remove that one if no grader runs, or run with TMPDIR set to another folder"
        ) from None
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(handle)
        return None
    return handle


def claim_slots(first: int, count: int) -> dict[int, int]:
    """``count`` sandbox slots from ``first`` on that no other grader on this machine holds.

    Each slot is a uid the sandbox sweeps with SIGKILL, so two runs sharing one would kill each
    other's workers. A slot is held by an flock on ``$TMPDIR/nnkata-slots/<slot>.lock`` for as
    long as this process keeps the returned descriptors open (the kernel drops it if we die).
    """
    from grader.sandbox import MAX_SLOTS

    claimed: dict[int, int] = {}
    for slot in range(first, MAX_SLOTS):
        if len(claimed) == count:
            break
        handle = _lock_slot(slot)
        if handle is not None:
            claimed[slot] = handle
    if len(claimed) < count:
        release_slots(claimed)
        raise GradingError(f"no {count} free sandbox slots from {first} on: other graders hold them")
    return claimed


def release_slots(claimed: dict[int, int]) -> None:
    for handle in claimed.values():
        os.close(handle)


def open_output(out: Path, claimed: Collection[int]) -> Path:
    """Make ``out`` ready for a run; returns the run's own scratch folder, in ``out/.work``.

    Raises ``GradingError`` (one line) when ``out`` is a file or cannot be written to.
    """
    if out.exists() and not out.is_dir():
        raise GradingError(f"--out {out} is a file: give a folder for the gradebook, results and feedback")
    work = out / ".work"
    try:
        (out / "results").mkdir(parents=True, exist_ok=True)
        work.mkdir(exist_ok=True)
        work.chmod(0o711)
        remove_stale_scratch(work, claimed)
        scratch = Path(tempfile.mkdtemp(prefix=f"run-{min(claimed)}.", dir=work))
        scratch.chmod(0o711)  # as .work: the workers' uids reach their own folders through it
    except OSError as error:
        raise GradingError(f"cannot write to --out {out}: {error.strerror or error}") from None
    return scratch


def remove_stale_scratch(work: Path, held: Collection[int]) -> None:
    """Remove the scratch folders that runs killed or interrupted mid-way left in ``work``.

    A run's folder is ``run-<slot>.<random>``, named after the first sandbox slot the run holds,
    and is removed before the run lets go of its slots. So the folder of a slot that no process
    holds (or that this run holds itself, having claimed its slots first) belongs to a run that
    is over. A slot that another grader holds keeps its folder: that run may be writing here.
    """
    for folder in work.iterdir():
        match = re.fullmatch(r"run-(\d+)\..+", folder.name)
        if match is None or not folder.is_dir():
            continue
        slot = int(match[1])
        if slot in held:
            remove_tree(folder)
            continue
        handle = _lock_slot(slot)
        if handle is None:
            continue  # another grader holds that slot
        try:
            remove_tree(folder)
        finally:
            os.close(handle)


def failed_result(submission: Submission, plan: Plan, message: str) -> dict[str, Any]:
    """The result of a hand-in the grader itself failed on: 0 everywhere, with ``message``."""
    exercises = {
        exercise: exercise_report(plan, exercise, _not_run(message, GRADER_FAULT)) for exercise in plan.exercises
    }
    return learner_result(
        submission,
        plan,
        key="",  # never matches: the next run grades the hand-in again
        content_hash=None,
        grader_fault=True,
        notes=[message],
        found={},
        exercises=exercises,
    )


def grader_faults(results: Iterable[dict[str, Any]]) -> list[str]:
    """The learners whose result is the grader's failure (its sandbox, or the grader itself)."""
    return [r["learner"] for r in results if r.get("grader_fault")]


def save_result(out: Path, result: dict[str, Any]) -> None:
    """Write one learner's ``results/<learner>.json`` (what a re-run reads to skip them)."""
    _write_output(out / "results" / f"{result['learner']}.json", json.dumps(result, indent=1))


def _write_output(path: Path, text: str, mode: int = 0o644) -> None:
    """``write_atomically``, with a failure raised as a one-line ``GradingError`` naming the file."""
    with _writing(str(path)):
        write_atomically(path, text, mode)


@contextlib.contextmanager
def _writing(what: str) -> Iterator[None]:
    """Turn an ``OSError`` in the block into a one-line ``GradingError``: ``what`` could not be written, and why.

    A full disk or a folder this user may not write to is the instructor's to fix, not a traceback to read.
    """
    try:
        yield
    except OSError as error:
        raise GradingError(
            f"cannot write {what}: {error.strerror or error}. Make sure this user may write there and the disk "
            "has room, or give another --out"
        ) from None


def read_result(path: Path) -> dict[str, Any] | None:
    """A saved ``results/<learner>.json``, or None if it cannot be read."""
    try:
        result = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return result if isinstance(result, dict) else None


@dataclass
class SavedResults:
    """What ``out/results/`` holds besides the learners of the current run."""

    matching: list[dict[str, Any]]  # graded with the plan asked about
    other_settings: dict[str, str]  # learner -> what differs: another seed, rubric, limits or grader
    unreadable: list[str]  # file names


SETTING_NAMES = {
    "grader": "another grader version",
    "version": "another grader version",
    "rubric": "another rubric",
    "limits": "other limits",
}


def what_differs(saved: dict[str, Any] | None, settings: dict[str, Any]) -> str:
    """What set apart the settings a result was graded with from ``settings``; the seed when
    nothing else does (the key holds the seed, the saved settings do not)."""
    if not isinstance(saved, dict):
        return "another grader version"  # an older one, which saved no settings
    names = [name for key, name in SETTING_NAMES.items() if saved.get(key) != settings.get(key)]
    return " and ".join(dict.fromkeys(names)) or "another seed"


def saved_results(out: Path, plan: Plan, leave_out: Collection[str]) -> SavedResults:
    """The saved results in ``out/results/`` of learners not in ``leave_out``, by plan."""
    saved = SavedResults([], {}, [])
    for path in sorted((out / "results").glob("*.json")):
        if path.stem in leave_out:
            continue
        result = read_result(path)
        if result is None or result.get("learner") != path.stem:
            saved.unreadable.append(path.name)
        elif result.get("fingerprint") == plan.key:
            saved.matching.append(result)
        else:
            saved.other_settings[path.stem] = what_differs(result.get("settings"), plan.settings)
    return saved


def write_gradebook(
    out: Path,
    results: list[dict[str, Any]],
    plan: Plan,
    shard: dict[str, int] | None,
    *,
    graded_now: Collection[str],
    say: Callable[[str], None],
) -> None:
    """Write the outputs for ``results`` and for the learners earlier runs graded into ``out``.

    A late hand-in graded into an existing ``--out`` must not drop everyone else from the
    gradebook; but only results graded with this plan (seed, rubric, limits, grader) belong in
    it, and ``say`` tells which were left out. The learners of this run (``graded_now``) whose
    result is not in ``results``, as after an interrupt, are left out too: their saved result
    may be of a hand-in since replaced.
    """
    saved = saved_results(out, plan, leave_out=graded_now)
    everyone = list(results)
    if saved.matching:
        everyone = sorted(everyone + saved.matching, key=lambda result: result["learner"])
        earlier = [result["learner"] for result in saved.matching]
        say(
            f"gradebook: {len(everyone)} learners, {len(earlier)} of them graded by earlier runs into this "
            f"folder ({_some(earlier)}); to drop one, delete {out / 'results'}/<learner>.json"
        )
    failed_before = grader_faults(saved.matching)
    if failed_before:
        say(
            f"the grader itself failed on the hand-ins of {_some(failed_before)} in an earlier run: their 0 in "
            "this gradebook is not a grade; grade them again"
        )
    if saved.other_settings:
        by_difference: dict[str, list[str]] = {}
        for learner, differs in saved.other_settings.items():
            by_difference.setdefault(differs, []).append(learner)
        which = "; ".join(f"{_some(learners)} ({differs})" for differs, learners in by_difference.items())
        say(
            f"{len(saved.other_settings)} result(s) in {out / 'results'} were graded with other settings and are "
            f"not in this gradebook: {which}; grade them again with these settings, or use a new --out"
        )
    if saved.unreadable:
        say(
            f"{len(saved.unreadable)} file(s) in {out / 'results'} cannot be read as results and are not in "
            f"this gradebook: {_some(saved.unreadable)}"
        )
    write_outputs(out, everyone, plan, shard)


def run_header(plan: Plan, shard: dict[str, int] | None = None) -> dict[str, Any]:
    """What ``results.json`` says about the run itself: seed, rubric, fingerprint, checks, shard.

    ``merge`` reads it back to refuse shards graded differently and to lay out the joined
    outputs (``Layout.from_header``).
    """
    return {
        "seed": plan.seed,
        "rubric": plan.rubric.fingerprint,
        "fingerprint": plan.key,
        "thresholds": plan.rubric.thresholds,
        "total": plan.rubric.total,
        "exercises": plan.exercises,
        "checks": [
            {"id": c.id, "exercise": c.exercise, "points": plan.points[c.id], "summary": c.summary}
            | ({"bonus": True} if c.id in plan.bonus else {})
            for c in plan.checks
        ],
        "settings": plan.settings,
        "shard": shard,
    }


def write_outputs(out: Path, results: list[dict[str, Any]], plan: Plan, shard: dict[str, int] | None = None) -> None:
    """Write ``gradebook.csv``, ``results.json`` and ``feedback/`` for a graded run."""
    write_report(out, results, run_header(plan, shard))


def write_report(out: Path, results: list[dict[str, Any]], header: dict[str, Any]) -> None:
    """Write ``feedback/<learner>.md``, ``gradebook.csv`` and ``results.json`` from results.

    The one writer of those files: ``grade`` calls it with the header of its plan, ``merge``
    with the header its shards share.
    """
    layout = Layout.from_header(header)
    for result in results:
        _write_output(out / "feedback" / f"{result['learner']}.md", feedback(result, layout))
    _write_output(out / "gradebook.csv", gradebook(results, layout))
    summary = {
        **header,
        "learners": {r["learner"]: {k: v for k, v in r.items() if k != "skipped"} for r in results},
    }
    # It holds the secret seed: only the instructor reads it (under the sandbox's weakest level a
    # worker of a later run sees whatever its uid may read).
    _write_output(out / "results.json", json.dumps(summary, indent=1), mode=0o600)
