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
``feedback/<learner>.md`` are (re)written from all of them.
"""

from __future__ import annotations

import concurrent.futures
import csv
import functools
import hashlib
import io
import json
import os
import queue
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from grader import handin, transport
from grader.calling import NO_RESULT, Outcome, module_name
from grader.checks import Case, Check, all_checks
from grader.compare import Diagnosis
from grader.files import write_atomically
from grader.rubric import THRESHOLDS, Rubric
from grader.sandbox import Limits, run_sandboxed

RESULT_VERSION = 1
GRADER_DIR = Path(__file__).resolve().parent
RUNTIME_FILES = ("calling.py", "files.py", "transport.py", "worker.py")


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
    def total(self) -> float:
        """The marks of a hand-in that passes every non-bonus check."""
        return self.rubric.total


@functools.cache
def grader_digest() -> str:
    """SHA-256 of the grader's own source: the checks, the judging, the worker."""
    digest = hashlib.sha256()
    for path in sorted(GRADER_DIR.rglob("*.py")):
        digest.update(str(path.relative_to(GRADER_DIR)).encode() + b"\0" + path.read_bytes() + b"\0")
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

    @classmethod
    def from_header(cls, header: dict[str, Any]) -> Layout:
        columns = [
            Column(c["id"], c.get("exercise") or c["id"].split("::", 1)[0], c.get("summary", ""))
            for c in header["checks"]
        ]
        exercises = header.get("exercises") or list(dict.fromkeys(c.exercise for c in columns))
        points = {c["id"]: float(c["points"]) for c in header["checks"]}
        return cls(columns, list(exercises), float(header["total"]), points)


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


def learner_id(path: Path) -> str:
    name = path.name
    for suffix in (".zip", ".ipynb", ".py"):
        if name.lower().endswith(suffix):
            name = name[: -len(suffix)]
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._") or "learner"
    return name[:100]


def discover(paths: Sequence[Path], each: bool) -> list[Submission]:
    """One submission per path, or (``each``) one per child of each path."""
    found: list[Path] = []
    for path in map(Path, paths):
        if each:
            if not path.is_dir():
                raise GradingError(f"--each needs folders, and {path} is not one")
            found += sorted(p for p in path.iterdir() if not p.name.startswith("."))
        else:
            if not path.exists() and not path.is_symlink():
                raise GradingError(f"{path} does not exist")
            found.append(path)
    submissions: list[Submission] = []
    taken: set[str] = set()
    for path in found:
        learner = learner_id(path)
        base, n = learner, 2
        while learner in taken:
            learner, n = f"{base}-{n}", n + 1
        taken.add(learner)
        submissions.append(Submission(learner, path))
    return submissions


# ----------------------------------------------------------------------------------------------
# Files the worker sees (read-only)


def prepare_runtime(directory: Path) -> Path:
    """A copy of the worker and the two NumPy-only modules it imports, and nothing else."""
    package = directory / "grader"
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


def _why_no_result(result: Any, limits: Limits, problem: str) -> str:
    if result is None:
        return problem
    if result.limit_hit:
        bound = {
            "wall time": f"{limits.wall_seconds:g} s",
            "cpu time": f"{limits.cpu_seconds:g} s of CPU",
            "memory": f"{limits.memory_bytes // 1024**2} MiB of address space",
            "output": "the output limit",
        }.get(result.limit_hit, result.limit_hit)
        return f"your code was stopped: it went over the {result.limit_hit} limit ({bound})."
    tail = result.stderr.strip().splitlines()[-3:]
    text = f"the process running your code ended without an answer (exit status {result.returncode})."
    if tail:
        text += " Its last words: " + " | ".join(line[:200] for line in tail)
    return text


def run_exercise(context: Context, tree: Path, exercise: str, workdir: Path, slot: int) -> dict[str, Any]:
    """Run one exercise's calls in a sandboxed worker; returns outcomes per call and run info."""
    plan = context.plan
    checks = [c for c in plan.checks if c.exercise == exercise]
    calls = [call for c in checks for case in plan.cases[c.id] for call in case.calls]
    needs_mnist = any(case.needs_mnist for c in checks for case in plan.cases[c.id])
    workdir.mkdir(parents=True)
    handin.copy_tree(tree, workdir / "handin")
    request = workdir / "request.npz"
    answer = workdir / "outcomes.npz"
    transport.save(
        {"exercise": exercise, "calls": calls, "mnist": str(context.mnist) if needs_mnist and context.mnist else None},
        request,
    )
    limits = _limits(plan.rubric, exercise)
    readonly = [context.runtime] + ([context.mnist] if needs_mnist and context.mnist else [])
    env = {"PYTHONPATH": str(context.runtime), "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}
    env["MKL_NUM_THREADS"] = "1"
    started = time.monotonic()
    result = None
    problem = ""
    grader_fault = False
    for attempt in range(2):
        try:
            result = run_sandboxed(
                [sys.executable, str(context.runtime / "grader" / "worker.py"), str(request), str(answer)],
                workdir,
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
    seconds = time.monotonic() - started
    outcomes: list[Outcome] | None = None
    if result is not None and result.limit_hit is None and result.returncode == 0:
        try:
            answer_data = transport.load(answer)
            candidate = answer_data["outcomes"] if isinstance(answer_data, dict) else None
            if (
                isinstance(candidate, list)
                and len(candidate) == len(calls)
                and all(isinstance(o, Outcome) for o in candidate)
                and answer_data.get("exercise") == exercise
            ):
                outcomes = candidate
            else:
                problem = "the worker's answer does not match the questions asked."
        except (transport.TransportError, OSError, KeyError, TypeError, AttributeError) as error:
            problem = f"the worker's answer could not be read ({str(error)[:200]})."
    if outcomes is None:
        outcomes = _no_result(len(calls), problem or _why_no_result(result, limits, problem))
    return {
        "outcomes": outcomes,
        "seconds": round(seconds, 3),
        "limit_hit": result.limit_hit if result is not None else None,
        "isolation": result.isolation if result is not None else None,
        "returncode": result.returncode if result is not None else None,
        "problem": problem or (None if result is not None and result.returncode == 0 else outcomes[0].message),
        "grader_fault": grader_fault,
    }


def judge_check(check: Check, cases: list[Case], outcomes: list[Outcome]) -> tuple[float, str]:
    """(fraction of the check's points earned, feedback message); the message is empty on a pass."""
    from grader.pytest_plugin import failure_report

    failures: list[tuple[Case, Diagnosis]] = []
    position = 0
    for case in cases:
        mine = outcomes[position : position + len(case.calls)]
        position += len(case.calls)
        try:
            diagnosis = case.verdict(mine)
        except Exception as error:  # a value no judge expected: it fails, it never crashes the run
            diagnosis = Diagnosis(f"`{check.function}` returned something that could not be judged ({error}).")
        if diagnosis is not None and diagnosis.not_started:
            return 0.0, diagnosis.headline
        if diagnosis is not None:
            failures.append((case, diagnosis))
    if not failures:
        return 1.0, ""
    credit = min(float(d.credit or 0.0) for _, d in failures)
    credit = credit if 0.0 <= credit < 1.0 else 0.0
    return credit, failure_report(check.summary, failures, len(cases))


def result_key(plan: Plan, intake: handin.Intake) -> str:
    """What a saved result is valid for: this plan and exactly this hand-in's content."""
    return hashlib.sha256(f"{plan.key}:{intake.content_hash}".encode()).hexdigest()


def grade_submission(
    context: Context, submission: Submission, intake: handin.Intake, scratch: Path, slot: int
) -> dict[str, Any]:
    """Grade the hand-in ``handin.normalise`` laid out in ``intake.root``, one worker per exercise."""
    plan = context.plan
    tree = intake.root
    result: dict[str, Any] = {
        "version": RESULT_VERSION,
        "learner": submission.learner,
        "source": str(submission.path),
        "key": result_key(plan, intake),
        "content_hash": intake.content_hash,
        "notes": intake.notes,
        "found": intake.found,
        "exercises": {},
    }
    for number, exercise in enumerate(plan.exercises):
        checks = [c for c in plan.checks if c.exercise == exercise]
        if exercise in intake.found:
            run = run_exercise(context, tree, exercise, scratch / f"run-{number}", slot)
        else:
            message = f"nothing for exercise {exercise} was found in your hand-in."
            run = {"outcomes": None, "seconds": 0.0, "limit_hit": None, "isolation": None, "problem": message}
        report: dict[str, Any] = {
            key_: run[key_] for key_ in ("seconds", "limit_hit", "isolation", "problem") if key_ in run
        }
        report["checks"] = {}
        if exercise in intake.found:
            module = tree / exercise / f"{module_name(exercise)}.py"
            report["uses"] = handin.imported_exercises(module.read_text(encoding="utf-8", errors="replace"))
        position = 0
        earned = 0.0  # summed unrounded, so 3 checks of 10/3 points make 10, not 9.9999
        for check in checks:
            cases = plan.cases[check.id]
            count = sum(len(case.calls) for case in cases)
            if run["outcomes"] is None:
                fraction, message = 0.0, run["problem"]
            else:
                fraction, message = judge_check(check, cases, run["outcomes"][position : position + count])
            position += count
            earned += plan.points[check.id] * fraction
            report["checks"][check.id] = {
                "points": round(plan.points[check.id] * fraction, 4),
                "max": round(plan.points[check.id], 4),
                "passed": fraction == 1.0,
                "message": message,
            }
        report["score"] = round(earned, 4)
        report["max"] = round(sum(plan.points[check.id] for check in checks), 4)
        result["exercises"][exercise] = report
        if run.get("grader_fault"):
            result["key"] = ""  # the grader's failure, not the learner's: grade again next run
    result["total"] = round(sum(e["score"] for e in result["exercises"].values()), 2)
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


def feedback(result: dict[str, Any], plan: Plan | Layout) -> str:
    """The learner's ``feedback/<learner>.md``: score per exercise and check, with the messages."""
    lines = [f"# Feedback for {result['learner']}", "", f"**Total: {result['total']:g} / {plan.total:g}**", ""]
    if result["notes"]:
        lines += ["## About your hand-in", ""] + [f"- {note}" for note in result["notes"]] + [""]
    for exercise, report in result["exercises"].items():
        lines += [f"## {exercise}: {report['score']:g} / {report['max']:g}", ""]
        lines += [f"_{exercise_details(report)}_", ""]
        inherited = failing_dependencies(result, exercise)
        if inherited and _lost_points(report):
            which = "which fails checks of its own" if len(inherited) == 1 else "which fail checks of their own"
            lines += [
                f"This exercise builds on your {', '.join(inherited)}, {which}: "
                f"fix {inherited[0]} first, and this one may then pass without a change.",
                "",
            ]
        for check_id, check in report["checks"].items():
            mark = "passed" if check["passed"] else "failed"
            lines.append(f"- `{check_id.split('::', 1)[1]}`: {check['points']:g} / {check['max']:g} ({mark})")
            if check["message"]:
                lines += ["", "  ```", *[f"  {line}" for line in check["message"].splitlines()], "  ```", ""]
        lines.append("")
    return "\n".join(lines)


def failing_dependencies(result: dict[str, Any], exercise: str) -> list[str]:
    """The exercises ``exercise`` imports, directly or not, that lose points, earliest first."""
    exercises = result["exercises"]
    seen: set[str] = set()
    todo = list(exercises.get(exercise, {}).get("uses", []))
    while todo:
        used = todo.pop()
        if used not in seen and used in exercises:
            seen.add(used)
            todo += exercises[used].get("uses", [])
    return sorted((e for e in seen if _lost_points(exercises[e])), key=list(exercises).index)


def _lost_points(report: dict[str, Any]) -> bool:
    return any(not check["passed"] for check in report["checks"].values())


def gradebook(results: list[dict[str, Any]], plan: Plan | Layout) -> str:
    """``gradebook.csv``: one row per learner, a column per check, per exercise, then the total."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["learner", *[c.id for c in plan.checks], *plan.exercises, "total"])
    for result in results:
        row: list[Any] = [result["learner"]]
        exercises = result["exercises"]
        row += [f"{exercises[c.exercise]['checks'][c.id]['points']:g}" for c in plan.checks]
        row += [f"{exercises[e]['score']:g}" for e in plan.exercises]
        row.append(f"{result['total']:g}")
        writer.writerow(row)
    return buffer.getvalue()


def table(results: list[dict[str, Any]], plan: Plan | Layout) -> str:
    """The terminal's final table: each learner's score per exercise and total."""
    short = [e.split("_", 1)[0] for e in plan.exercises]
    width = max([7, *(len(r["learner"]) for r in results)])
    lines = [f"{'learner':<{width}} " + " ".join(f"{s:>5}" for s in short) + "  total"]
    for result in results:
        scores = " ".join(f"{result['exercises'][e]['score']:>5.1f}" for e in plan.exercises)
        lines.append(f"{result['learner']:<{width}} {scores}  {result['total']:>5.1f}")
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------
# The run


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

    ``shard`` (``{"index": I, "count": N, "submissions": all}``, see ``grader.shards``) is
    recorded in ``results.json`` when these submissions are one slice of a larger run.
    Sandbox slots ``first_slot .. first_slot + jobs - 1`` are used (each slot is a uid that the
    sandbox sweeps): two runs at once on one machine need slot ranges that do not overlap.
    """
    out = Path(out).resolve()
    (out / "results").mkdir(parents=True, exist_ok=True)
    (out / ".work").mkdir(exist_ok=True)
    (out / ".work").chmod(0o711)
    runtime = prepare_runtime(Path(tempfile.mkdtemp(prefix="runtime.", dir=out / ".work")))
    mnist_dir = prepare_mnist(out / ".work" / "mnist") if plan.needs_mnist else None
    context = Context(plan, out, runtime, mnist_dir, isolation)
    jobs = max(1, jobs or os.cpu_count() or 1)
    slots: queue.Queue[int] = queue.Queue()
    claimed = claim_slots(first_slot, jobs)
    for slot in claimed:
        slots.put(slot)
    results: dict[str, dict[str, Any]] = {}
    lock = threading.Lock()
    done = [0]
    started = time.monotonic()
    say = progress or (lambda line: None)

    def previous(submission: Submission) -> dict[str, Any] | None:
        path = out / "results" / f"{submission.learner}.json"
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def task(submission: Submission) -> dict[str, Any]:
        slot = slots.get()
        scratch = Path(tempfile.mkdtemp(prefix=f"{submission.learner}.", dir=out / ".work"))
        try:
            try:
                intake = handin.normalise(submission.path, scratch / "tree")
                old = None if force else previous(submission)
                if old and old.get("version") == RESULT_VERSION and old.get("key") == result_key(plan, intake):
                    old["skipped"] = True
                    return old
                result = grade_submission(context, submission, intake, scratch, slot)
            except Exception as error:  # one hand-in's failure never stops the others
                result = failed_result(submission, plan, f"the grader failed on this hand-in: {error}")
            save_result(out, result)
            return result
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
            slots.put(slot)

    executor = concurrent.futures.ThreadPoolExecutor(max_workers=jobs)
    try:
        futures = {executor.submit(task, s): s for s in submissions}
        for future in concurrent.futures.as_completed(futures):
            submission = futures[future]
            result = future.result()
            with lock:
                results[submission.learner] = result
                done[0] += 1
                state = "unchanged, kept" if result.get("skipped") else f"{result['total']:g} points"
                elapsed = time.monotonic() - started
                say(progress_line(done[0], len(submissions), elapsed, f"{submission.learner}: {state}"))
    except BaseException:
        executor.shutdown(wait=False, cancel_futures=True)
        raise
    executor.shutdown()
    for handle in claimed.values():
        os.close(handle)
    shutil.rmtree(runtime, ignore_errors=True)
    ordered = [results[s.learner] for s in submissions]
    write_outputs(out, ordered, plan, shard)
    return ordered


def progress_line(done: int, total: int, seconds: float, what: str) -> str:
    """``[3/50] ######.................. 0:12, about 3:08 left  ada: 100 points``"""
    width = 24
    bar = "#" * round(width * done / total) + "." * (width - round(width * done / total))
    left = seconds / done * (total - done)
    eta = f", about {_clock(left)} left" if done < total else ""
    return f"[{done}/{total}] {bar} {_clock(seconds)}{eta}  {what}"


def _clock(seconds: float) -> str:
    minutes, seconds = divmod(round(seconds), 60)
    return f"{minutes}:{seconds:02d}"


SLOT_LOCKS = Path(tempfile.gettempdir()) / "nnkata-slots"


def claim_slots(first: int, count: int) -> dict[int, int]:
    """``count`` sandbox slots from ``first`` on that no other grader on this machine holds.

    Each slot is a uid the sandbox sweeps with SIGKILL, so two runs sharing one would kill each
    other's workers. A slot is held by an flock on ``$TMPDIR/nnkata-slots/<slot>.lock`` for as
    long as this process keeps the returned descriptors open (the kernel drops it if we die).
    """
    import fcntl

    from grader.sandbox import MAX_SLOTS

    SLOT_LOCKS.mkdir(mode=0o700, exist_ok=True)
    claimed: dict[int, int] = {}
    for slot in range(first, MAX_SLOTS):
        if len(claimed) == count:
            break
        handle = os.open(SLOT_LOCKS / f"{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(handle)
            continue
        claimed[slot] = handle
    if len(claimed) < count:
        for handle in claimed.values():
            os.close(handle)
        raise GradingError(f"no {count} free sandbox slots from {first} on: other graders hold them")
    return claimed


def failed_result(submission: Submission, plan: Plan, message: str) -> dict[str, Any]:
    exercises = {}
    for exercise in plan.exercises:
        checks = {
            c.id: {"points": 0.0, "max": round(plan.points[c.id], 4), "passed": False, "message": message}
            for c in plan.checks
            if c.exercise == exercise
        }
        exercises[exercise] = {
            "seconds": 0.0,
            "limit_hit": None,
            "isolation": None,
            "problem": message,
            "checks": checks,
            "score": 0.0,
            "max": round(sum(plan.points[c.id] for c in plan.checks if c.exercise == exercise), 4),
        }
    return {
        "version": RESULT_VERSION,
        "learner": submission.learner,
        "source": str(submission.path),
        "key": "",
        "notes": [message],
        "found": {},
        "exercises": exercises,
        "total": 0.0,
    }


def save_result(out: Path, result: dict[str, Any]) -> None:
    """Write one learner's ``results/<learner>.json`` (what a re-run reads to skip them)."""
    write_atomically(out / "results" / f"{result['learner']}.json", json.dumps(result, indent=1))


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
            {"id": c.id, "exercise": c.exercise, "points": plan.points[c.id], "summary": c.summary} for c in plan.checks
        ],
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
        write_atomically(out / "feedback" / f"{result['learner']}.md", feedback(result, layout))
    write_atomically(out / "gradebook.csv", gradebook(results, layout))
    summary = {
        **header,
        "learners": {r["learner"]: {k: v for k, v in r.items() if k != "skipped"} for r in results},
    }
    # It holds the secret seed: only the instructor reads it (under the sandbox's weakest level a
    # worker of a later run sees whatever its uid may read).
    write_atomically(out / "results.json", json.dumps(summary, indent=1), mode=0o600)
