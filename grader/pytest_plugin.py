"""Runner 1: the checks, in-process under pytest, for learners.

Adds ``--impl DIR`` (which implementation tree to check; default ``exercises/``), ``--hints``
(one more hint each time) and ``--all-hints``, turns failed checks into short teacher-like
messages instead of tracebacks, and ends every run with a progress table of the eight exercises
and the next thing to do.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from grader.calling import (
    API,
    CALL_SECONDS,
    EXERCISES,
    FORBIDDEN_IMPORT,
    IMPORT_FAILED,
    MNIST_CALL_SECONDS,
    LearnerImportError,
    LearnerModules,
    MnistData,
    Outcome,
    called_stub,
    checks_counted,
    module_name,
    not_called_again,
    nothing_written,
    perform_in_time,
)
from grader.checks import Check, Verdict, checks_of, failing_callees, failing_callees_note, get_check, judge_cases
from grader.loading import LoadedExercise, load_exercise

REPO_ROOT = Path(__file__).resolve().parent.parent


class CheckFailed(pytest.fail.Exception):
    """A check found a wrong result; shown as its message alone (no traceback)."""

    def __init__(
        self,
        message: str,
        *,
        not_started: bool = False,
        blocked_by: str | None = None,
        not_importing: str | None = None,
    ) -> None:
        super().__init__(message, pytrace=False)
        self.not_started = not_started
        self.blocked_by = blocked_by  # the earlier exercise whose module failed to import
        self.not_importing = not_importing  # the exercise whose file failed to import: this one or blocked_by


def mnist_training_data(request: MnistData) -> Any:
    """Load what an ``MnistData`` stands for, skipping the test if the dataset is absent.

    In CI (``CI`` set) a missing dataset is a failure: the MNIST check must never be skipped there.
    """
    from grader import mnist

    try:
        images, labels = mnist.load_mnist("train")
    except mnist.MnistNotFound as error:
        if os.environ.get("CI"):
            pytest.fail(f"MNIST is required in CI. {error}", pytrace=False)
        pytest.skip(
            "MNIST is not on this machine, so training on it is not checked. Get it with "
            "`python -m grader download-mnist` (about 11 MB), or set NNKATA_DATA to a folder that holds it."
        )
    limit = request.limit
    if request.part == "images":
        return mnist.mnist_as_float(images[:limit])
    return labels[:limit].astype("int64")


class PrintedText(io.TextIOBase):
    """What the learner's code printed: its first lines and its last ones, a screenful at most.

    A print in a training loop can write gigabytes: beyond ``limit`` characters only the last
    ``tail_limit`` are kept, since where a debugging print ends up is what the learner wants to see.
    """

    HEAD_LINES, TAIL_LINES, LINE_WIDTH = 12, 4, 300

    def __init__(self, limit: int = 2000, tail_limit: int = 1000, calls: int = 1, during: str = "") -> None:
        self.head: list[str] = []
        self.room = limit
        self.tail = ""
        self.tail_limit = tail_limit
        self.dropped = 0  # characters beyond the head, the tail's among them
        self.calls = calls
        self.during = during or ("that call" if calls == 1 else f"those {calls} calls")

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        kept = text[: max(self.room, 0)]
        self.head.append(kept)
        self.room -= len(kept)
        if len(kept) < len(text):
            self.dropped += len(text) - len(kept)
            self.tail = (self.tail + text[len(kept) :])[-self.tail_limit :]
        return len(text)

    def report(self) -> str:
        """The printed text as lines of a failure message, or '' when nothing was printed."""
        head = "".join(self.head)
        if not head and not self.dropped:
            return ""
        if not self.dropped:
            lines = head.rstrip("\n").splitlines()
            first, last = lines[: self.HEAD_LINES], lines[self.HEAD_LINES :][-self.TAIL_LINES :]
            left_out = len(lines) - len(first) - len(last)
            middle = [f"... {left_out:,} more lines ..."] if left_out > 0 else []
        else:
            first = head.splitlines()[: self.HEAD_LINES]
            tail = self.tail.rstrip("\n").splitlines()
            # The tail starts wherever the limit cut: its first line is usually a piece of one.
            last = (tail[1:] if len(tail) > 1 else tail)[-self.TAIL_LINES :]
            left_out = len(head) + self.dropped - sum(len(line) + 1 for line in first + last)
            middle = [f"... {max(left_out, 0):,} more characters ..."]
        shown = [line if len(line) <= self.LINE_WIDTH else line[: self.LINE_WIDTH] + " ..." for line in first + last]
        shown[len(first) : len(first)] = middle
        return "\n".join([f"  your prints during {self.during}:", *(f"    {line}" for line in shown)])


@dataclass
class Runner:
    """Runs checks against one implementation tree, in this process.

    With ``capture_prints`` (pytest's default capture), what the learner's code prints is kept
    per case, and a failure shows only the prints of the case it shows.
    """

    impl_root: Path
    display_root: Path = REPO_ROOT
    modules: LearnerModules = field(init=False)
    call_seconds: float = CALL_SECONDS
    capture_prints: bool = True

    def __post_init__(self) -> None:
        self.modules = LearnerModules(self.impl_root, self.display_root)
        self._told: set[str] = set()  # exercises whose import failure was shown in full
        self._stopped: dict[str, tuple[str, float]] = {}  # function -> the check and limit that stopped it
        self._failing: set[str] = set()  # the functions a check has failed so far
        self._advised: dict[str, str] = {}  # advice given so far -> the test that first gave it

    def where(self, exercise: str) -> str:
        return self.modules.display(self.impl_root / exercise)

    def run(self, exercise: str, name: str) -> None:
        """Run one check; raises ``CheckFailed`` with a readable message when it fails.

        What the learner's code printed when imported (code outside functions, run once) is shown
        under the failure of the check that imported it, if it fails: not under a later check's
        call, which printed none of it.
        """
        imported = PrintedText(during="the import of your code (code outside functions)")
        try:
            with self._prints_into(imported):
                loaded = load_exercise(self.modules, exercise)
            self._run(exercise, get_check(exercise, name), loaded)
        except LearnerImportError as error:
            message = "\n".join(filter(None, [str(error), imported.report()]))
            raise CheckFailed(message, not_importing=exercise) from None
        except CheckFailed as failure:
            prints = imported.report()
            if not prints:
                raise
            message = "\n".join([str(failure.msg), prints])
            raise CheckFailed(
                message,
                not_started=failure.not_started,
                blocked_by=failure.blocked_by,
                not_importing=failure.not_importing,
            ) from None

    def _run(self, exercise: str, check: Check, loaded: LoadedExercise) -> None:
        if loaded.source is None:
            raise CheckFailed(
                f"There is no {module_name(exercise)}.py in {self.where(exercise)}/: "
                f"the file for exercise {exercise} is missing or renamed."
            )
        if loaded.status in (FORBIDDEN_IMPORT, IMPORT_FAILED):
            raise self._import_failure(exercise, loaded, check.function)
        if check.function in self._stopped:
            stopped_in, seconds = self._stopped[check.function]
            raise CheckFailed(not_called_again(check.function, seconds, stopped_in))
        module, shown = loaded.module, loaded.shown
        cases = check.cases()
        outcomes = []
        printed = []
        for case in cases:
            seconds = MNIST_CALL_SECONDS if case.needs_mnist else self.call_seconds
            printed.append(PrintedText(calls=len(case.calls)))
            for call in case.calls:
                with self._prints_into(printed[-1]):
                    outcomes.append(
                        perform_in_time(module, call, source=shown, seconds=seconds, mnist_loader=mnist_training_data)
                    )
                if outcomes[-1].stopped:  # the other cases would only wait as long again
                    self._stopped[call.function] = (f"test_{check.name}", seconds)
                    break
            if outcomes[-1].stopped:
                break
        verdict = judge_cases(check, cases[: len(printed)], outcomes)
        if verdict.not_started:
            readme = self.modules.display(REPO_ROOT / "exercises" / exercise / "README.md")
            raise CheckFailed(f"{verdict.message} Start with {readme}.", not_started=True)
        if verdict.message:
            verdict = self._advised_once(verdict, f"test_{check.name}")
            self._failing.add(check.function)
            callees = failing_callees(check.function, loaded.source.text, self._failing)
            note = failing_callees_note(check.function, callees) if callees else ""
            prints = printed[verdict.shown].report() if verdict.shown is not None else ""
            raise CheckFailed(
                "\n".join(filter(None, [verdict.message, note, prints])), blocked_by=_stub_reached(outcomes, exercise)
            )

    def _advised_once(self, verdict: Verdict, test: str) -> Verdict:
        """The verdict, with advice already given in full by an earlier failure of this run named only:
        one mistake failing six checks would otherwise repeat the same paragraph six times."""
        first = self._advised.setdefault(verdict.advice, test) if verdict.advice else test
        if first == test or len(verdict.advice) < 80:
            return verdict
        shown = f"  likely mistake: {verdict.advice}"
        return replace(
            verdict, message=verdict.message.replace(shown, f"  likely mistake: the same as in {first} above.")
        )

    def _import_failure(self, exercise: str, loaded: LoadedExercise, function: str) -> CheckFailed:
        """The failure of a module that did not import: in full once, then one line per check.

        An untouched stub that only an earlier exercise stops from importing is not started: its
        checks say so as a stub's do, and name the exercise it waits for.
        """
        root = loaded.failed_exercise or exercise
        earlier = root if root != exercise else None
        untouched = earlier is not None and nothing_written(loaded.source, exercise)
        message = loaded.message
        if root in self._told and untouched:
            readme = self.modules.display(REPO_ROOT / "exercises" / exercise / "README.md")
            message = (
                f"`{function}` is not written yet (it still raises NotImplementedError). "
                f"Start with {readme} once {earlier} works (it fails first, see above)."
            )
        elif root in self._told and loaded.status == FORBIDDEN_IMPORT:
            message = f"{loaded.shown} imports a library it may not: see the first failure above."
        elif root in self._told:
            # One syntax error fails every check of every exercise that imports the file.
            message = f"{loaded.shown} could not be imported: " + (
                f"it builds on exercise {earlier}, which fails first (its error is shown above)."
                if earlier
                else "the same error as above."
            )
        self._told.add(root)
        return CheckFailed(message, not_started=untouched, blocked_by=earlier, not_importing=root)

    def _prints_into(self, printed: PrintedText) -> contextlib.AbstractContextManager:
        return contextlib.redirect_stdout(printed) if self.capture_prints else contextlib.nullcontext()


def _stub_reached(outcomes: list[Outcome], exercise: str) -> str | None:
    """The other exercise whose unwritten function the checked code called, if it did: fix that first."""
    for outcome in outcomes:
        stub = called_stub(outcome)
        owner = next((e for e, functions in API.items() if stub in functions), None)
        if owner not in (None, exercise):
            return owner
    return None


def check_test(exercise: str, name: str) -> Callable[..., None]:
    """A pytest test function that runs one check against the chosen implementation."""

    def test(nnkata: Runner) -> None:
        nnkata.run(exercise, name)

    test.__name__ = f"test_{name}"
    test.__doc__ = get_check(exercise, name).summary
    return test


def run_when_executed(name: str, path: str) -> None:
    """Let ``python test_neuron.py`` run the file's checks instead of silently defining them."""
    if name == "__main__":
        # A fresh `python -m pytest`: in this process the plugin is already imported, unrewritten.
        # (Not os.execv: under an IDE's "run file" it would replace the IDE's own process.)
        raise SystemExit(subprocess.call([sys.executable, "-m", "pytest", path, *sys.argv[1:]]))


# ----------------------------------------------------------------------------------------------
# pytest hooks


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("nnkata")
    group.addoption(
        "--impl",
        default=None,
        metavar="DIR",
        help="check the implementation in DIR (laid out like exercises/) instead of exercises/",
    )
    group.addoption(
        "--hints",
        action="store_true",
        help="print one more hint for the first unfinished exercise each time (from gentle to nearly the answer)",
    )
    group.addoption("--all-hints", action="store_true", help="print every hint of the first unfinished exercise")


def pytest_configure(config: pytest.Config) -> None:
    impl = config.getoption("--impl")
    root = Path(impl).resolve() if impl else REPO_ROOT / "exercises"
    config.stash[_PROGRESS] = Progress(impl_root=root, explicit=bool(impl))


@pytest.fixture(scope="session")
def nnkata(pytestconfig: pytest.Config) -> Runner:
    """The in-process runner for the implementation chosen with ``--impl``."""
    progress = pytestconfig.stash[_PROGRESS]
    if not progress.impl_root.is_dir():
        pytest.exit(f"--impl {progress.impl_root}: no such directory", returncode=4)
    # With -s the learner asked to see every print as it happens.
    return Runner(progress.impl_root, capture_prints=pytestconfig.getoption("capture") != "no")


def pytest_report_header(config: pytest.Config) -> list[str]:
    progress = config.stash[_PROGRESS]
    if not progress.impl_root.is_dir():
        return []
    modules = LearnerModules(progress.impl_root, REPO_ROOT)
    lines = [f"nnkata: checking {modules.display(progress.impl_root)}/"]
    for exercise in EXERCISES:
        try:
            source = modules.source(exercise)
        except LearnerImportError:
            continue  # the exercise's checks say what is wrong with its notebook
        if source is not None and source.from_notebook:
            lines.append(f"nnkata: {exercise} is checked from your notebook {modules.display(source.origin)}")
    return lines


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    outcome = yield
    report = outcome.get_result()
    exercise = _exercise_of(item)
    if exercise is None or report.when != "call":
        if exercise is not None and report.failed:
            item.config.stash[_PROGRESS].record(exercise, "failing")
        return
    if report.passed:
        state = "passed"
    elif report.skipped:
        state = "skipped"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        item.config.stash[_PROGRESS].skip_reasons.setdefault(reason.removeprefix("Skipped: "), None)
    else:
        failure = call.excinfo.value if call.excinfo is not None else None
        # Not started: a stub's NotImplementedError, or an untouched stub an earlier exercise stops from importing.
        state = "not started" if isinstance(failure, CheckFailed) and failure.not_started else "failing"
        if isinstance(failure, CheckFailed) and failure.blocked_by:
            item.config.stash[_PROGRESS].blocked_by[exercise] = failure.blocked_by
        if isinstance(failure, CheckFailed) and failure.not_importing:
            item.config.stash[_PROGRESS].not_importing.add(failure.not_importing)
    item.config.stash[_PROGRESS].record(exercise, state)


def _exercise_of(item: pytest.Item) -> str | None:
    folder = Path(str(item.path)).parent.name
    return folder if folder in EXERCISES else None


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    progress = config.stash[_PROGRESS]
    if not progress.states:
        return
    _remember_done(config, progress)
    write = terminalreporter.write_line
    terminalreporter.section("nnkata progress")
    for line in progress.table():
        write(line)
    for line in progress.next_steps():
        write(line)
    if config.getoption("--hints") or config.getoption("--all-hints"):
        for line in progress.hints(partial(_hints_to_show, config)):
            write(line)


_PROGRESS = pytest.StashKey["Progress"]()
_DONE = "nnkata/done"  # pytest's cache: per implementation tree, the exercises done when last run
_HINTS = "nnkata/hints"  # pytest's cache: per implementation tree and exercise, the hints shown so far


def _hints_to_show(config: pytest.Config, exercise: str, available: int, *, more: bool = True) -> int:
    """How many of ``exercise``'s ``available`` hints to show now: one more than last time, or
    with ``more`` false the same as last time (at least one); all with --all-hints, or when
    pytest's cache is off and there is no last time."""
    cache = getattr(config, "cache", None)
    if config.getoption("--all-hints") or cache is None:
        return available
    record = cache.get(_HINTS, {})
    record = record if isinstance(record, dict) else {}
    key = f"{config.stash[_PROGRESS].impl_root}::{exercise}"
    shown = record.get(key, 0)
    shown = shown if isinstance(shown, int) else 0
    count = min(available, shown + 1 if more else max(shown, 1))
    cache.set(_HINTS, {**record, key: count})
    return count


def _remember_done(config: pytest.Config, progress: Progress) -> None:
    """Tell ``progress`` which exercises that did not run were done before, and record this run.

    After `pytest --lf` or `pytest exercises/07_pooling`, the next step must not be an exercise
    the learner finished long ago.
    """
    cache = getattr(config, "cache", None)
    if cache is None:  # -p no:cacheprovider
        return
    record = cache.get(_DONE, {})
    record = record if isinstance(record, dict) else {}
    # An exercise that stops a later one from importing it is not done, whatever it was before.
    done = set(record.get(str(progress.impl_root), [])) & set(EXERCISES) - set(progress.blocked_by.values())
    progress.done_before = done - set(progress.states)
    progress.remembered = True
    for exercise in progress.states:
        status = progress.status(exercise)
        if status == "done":
            done.add(exercise)
        elif status in ("failing", "not started"):
            done.discard(exercise)
    cache.set(_DONE, {**record, str(progress.impl_root): sorted(done)})


@dataclass
class Progress:
    """What happened to each exercise's checks in this run."""

    impl_root: Path
    explicit: bool = False
    states: dict[str, list[str]] = field(default_factory=dict)
    skip_reasons: dict[str, None] = field(default_factory=dict)  # ordered, without repeats
    # exercise -> the earlier one it cannot import, or whose unwritten function it calls
    blocked_by: dict[str, str] = field(default_factory=dict)
    not_importing: set[str] = field(default_factory=set)  # exercises whose file failed to import
    done_before: set[str] = field(default_factory=set)  # not run now, all checks passed when last run
    remembered: bool = False  # whether done_before comes from pytest's cache (off with -p no:cacheprovider)

    def record(self, exercise: str, state: str) -> None:
        self.states.setdefault(exercise, []).append(state)

    def status(self, exercise: str) -> str:
        states = self.states.get(exercise)
        if not states:
            return "not run"
        if all(s == "passed" for s in states):
            # Only some checks ran (pytest -k, or one test): passing so far is not done.
            return "done" if len(states) >= len(checks_of(exercise)) else "passing"
        if "not started" in states and all(s in ("not started", "skipped") for s in states):
            return "not started"  # e.g. exercise 08 on a machine without MNIST: its skip is no progress
        if all(s in ("passed", "skipped") for s in states):
            return "skipped"
        return "failing"

    def table(self) -> list[str]:
        lines = []
        for exercise in EXERCISES:
            states = self.states.get(exercise, [])
            status = self.status(exercise)
            passed = sum(s == "passed" for s in states)
            total = len(checks_of(exercise))
            ran = "" if len(states) >= total else f" ({len(states)} of {total} ran)"
            detail = f"{checks_counted(passed, len(states))}{ran}" if states else ""
            if exercise in self.blocked_by and status == "not started":
                detail = f"(needs {self.blocked_by[exercise]})"  # an untouched stub: nothing of it to fix
            elif exercise in self.blocked_by:
                detail += f" ({self.blocked_by[exercise]} fails first)"
            if exercise in self.done_before:
                detail = "(done when last run)"
            marks = {"done": "[x]", "passing": "[~]", "failing": "[!]", "not started": "[ ]", "skipped": "[-]"}
            mark = marks.get(status, "   ")
            lines.append(f"  {mark} {exercise:<16} {status:<12} {detail}".rstrip())
        return lines

    def first_unfinished(self) -> str | None:
        return next((e for e in EXERCISES if self.status(e) in ("failing", "not started")), None)

    def next_to_run(self) -> str | None:
        """The next exercise to run when everything that ran passes: the first one neither run now nor
        done before, when pytest's cache remembers earlier runs; else the first after the last that ran."""
        ran = [i for i, e in enumerate(EXERCISES) if self.status(e) != "not run"]
        later = EXERCISES if self.remembered or not ran else EXERCISES[ran[-1] + 1 :]
        return next((e for e in later if self.status(e) == "not run" and e not in self.done_before), None)

    def _target(self) -> str:
        """The --impl option that repeats this run's choice of implementation, if any."""
        return "" if not self.explicit else f" --impl {shown_path(self.impl_root)}"

    def next_steps(self) -> list[str]:
        target = self._target()
        skipped = [f"Skipped: {reason}" for reason in self.skip_reasons]
        exercise = self.first_unfinished()
        if exercise is None:
            if all(self.status(e) == "done" for e in EXERCISES):
                return ["All eight exercises pass. Train your network: python -m grader train" + target]
            partly = next((e for e in EXERCISES if self.status(e) == "passing"), None)
            if partly is not None:
                folder = shown_path(REPO_ROOT / "exercises" / partly)
                run_all = f"Run all of {partly}'s checks: {learner_pytest()} {folder}{target}"
                return [*skipped, f"Everything that ran passes. {run_all}"]
            upcoming = self.next_to_run()
            if upcoming is None:
                everything = shown_path(REPO_ROOT / "exercises")
                passes = "Everything else that ran passes." if skipped else "Everything that ran passes."
                run_all = f"Run every check of every exercise with: {learner_pytest()} {everything}{target}"
                return [*skipped, f"{passes} {run_all}"]
            return [*skipped, "Everything that ran passes.", *self._pointers(upcoming, "Next", target)]
        if exercise in self.blocked_by:
            # Its own file may be fine: the earlier exercise it imports is the one to fix.
            pointed, verb = self.blocked_by[exercise], "Fix first"
        else:
            pointed, verb = exercise, "Next" if self.status(exercise) == "not started" else "Keep going with"
        return [*skipped, *self._pointers(pointed, verb, target), *self._still_failing(pointed, target)]

    def _still_failing(self, pointed: str, target: str) -> list[str]:
        """One line naming the other exercises that ran and fail, which the next step does not point at.

        One whose failure is that of the exercise pointed at, or of one named here, is left out.
        """
        failing: list[str] = []
        for exercise in EXERCISES:
            blocker = self.blocked_by.get(exercise)
            if self.status(exercise) == "failing" and exercise != pointed and blocker not in (pointed, *failing):
                failing.append(exercise)
        if not failing:
            return []
        folders = " ".join(shown_path(REPO_ROOT / "exercises" / exercise) for exercise in failing)
        names = ", ".join(failing)
        if len(failing) == 1:
            states = self.states[failing[0]]
            fail = sum(s not in ("passed", "skipped") for s in states)
            names += f" ({fail} of {len(states)} checks fail)"
        return [f"Still failing: {names}: {learner_pytest()} {folders}{target}"]

    @staticmethod
    def _pointers(exercise: str, verb: str, target: str) -> list[str]:
        folder = shown_path(REPO_ROOT / "exercises" / exercise)
        return [
            f"{verb}: {exercise} (read {Path(folder) / 'README.md'}).",
            f"Run only it:   {learner_pytest()} {folder}{target}",
            f"Stuck? Hints:  {learner_pytest()} {folder} --hints{target}",
        ]

    def hints(self, how_many: Callable[..., int]) -> list[str]:
        """The hints of the first unfinished exercise: the first ``how_many(exercise, available,
        more=...)``, where ``more`` is false while its file does not import: no hint is about
        that, so asking then must not use one up."""
        exercise = self.first_unfinished()
        if exercise is None:
            # Printing the next exercise's hints unasked would spoil it before it is tried.
            upcoming = self.next_to_run()
            later = ""
            if upcoming is not None:
                folder = shown_path(REPO_ROOT / "exercises" / upcoming)
                later = f" For the next exercise: {learner_pytest()} {folder} --hints{self._target()}"
            return ["", f"No hints needed: everything that ran passes.{later}"]
        exercise = self.blocked_by.get(exercise, exercise)
        path = REPO_ROOT / "exercises" / exercise / "hints.md"
        if not path.is_file():
            return ["", f"Hints for {exercise}: there is no {shown_path(path)}."]
        hints = hint_items(path.read_text(encoding="utf-8"))
        importable = exercise not in self.not_importing
        count = how_many(exercise, len(hints), more=importable)
        heading = f"Hints for {exercise} ({shown_path(path)}), {count} of {len(hints)}:"
        if not importable and count < len(hints):
            after = (
                f"No new hint this time: {exercise}'s file does not import (its error is above), and no hint "
                "is about that. Fix it, and the same command gives the next hint."
            )
        elif count < len(hints):
            folder = shown_path(REPO_ROOT / "exercises" / exercise)
            everything = f"{learner_pytest()} {folder} --all-hints{self._target()}"
            after = f"Still stuck? The same command again gives the next hint (all of them: {everything})."
        else:
            after = "That is every hint: the last one is nearly the answer."
        return ["", heading, "", *"\n".join(hints[:count]).splitlines(), "", after]


def hint_items(text: str) -> list[str]:
    """The numbered items of a hints.md (``1. ...`` with their indented lines), gentlest first.

    Text before the first item goes with it; a file without numbered items is one hint.
    """
    intro: list[str] = []
    items: list[str] = []
    for line in text.rstrip().splitlines():
        if re.match(r"\d+\. ", line):
            items.append(line)
        elif items:
            items[-1] += "\n" + line
        else:
            intro.append(line)
    if not items:
        return ["\n".join(intro)]
    items[0] = "\n".join([*intro, items[0]])
    return items


def learner_pytest() -> str:
    """``pytest``, or ``./run pytest`` when ``./run`` (which runs from the repository's root)
    started this one: the commands a run suggests work when typed as they are."""
    return "./run pytest" if os.environ.get("NNKATA_RUN") else "pytest"


def shown_path(path: Path) -> str:
    """A path as the learner would type it here: relative when pytest runs inside the repository."""
    here, path, repo = Path.cwd().resolve(), path.resolve(), REPO_ROOT.resolve()
    if path.is_relative_to(here) or (here.is_relative_to(repo) and path.is_relative_to(repo)):
        return os.path.relpath(path, here)
    return str(path)
