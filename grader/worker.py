"""The grader's worker: runs INSIDE the sandbox, with only the standard library and NumPy.

``python worker.py REQUEST OUTCOMES`` reads a request written by ``grader.transport`` (the
exercise to load and the calls to make), loads the learner's modules from ``handin/`` next to
the request (a tree laid out like ``exercises/``), performs every call with
``grader.calling.perform`` and writes the outcomes with ``grader.transport``. It never sees an
expected value: the judging happens in the grader's process.

``MnistData`` arguments are resolved from ``mnist_images.npy`` / ``mnist_labels.npy`` (uint8
images, labels) in the read-only directory named by the request.

Each call runs under the time limit the request gives it (``seconds``, one per call, as the
pytest runner's ``perform_in_time``): a call that never ends is stopped while the worker still
has time to answer, and that function's later calls get a "not called again" outcome at once,
so only its own checks fail. Each call's outcome also goes to ``finished-<index>.npz`` as soon
as it is known: if the sandbox's hard limit stops the worker anyway (code that blocks or catches
the stop), the grader keeps the calls that finished. Like the answer, those files are the
learner's to forge, and are judged the same way.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from grader import transport
from grader.calling import (
    IMPORT_FAILED,
    NO_RESULT,
    LearnerImportError,
    LearnerModules,
    MnistData,
    Outcome,
    not_called_again,
    perform,
    perform_in_time,
)
from grader.loading import LoadedExercise, load_exercise

HANDIN = "handin"
# The index of the call in progress, so that a worker stopped by a limit can be told which call
# it was in. The learner's code could rewrite it, which would only mislead its own feedback.
RUNNING = "running"
# The outcome of call i, written as it finishes: {"exercise": ..., "index": i, "outcome": Outcome}.
FINISHED = "finished-{}.npz"


def mnist_loader(directory: str | None):
    def load(request: MnistData) -> np.ndarray:
        """A fresh array each time (no cache: memory is tight when training on 60,000 images)."""
        if directory is None:
            raise RuntimeError("this call needs MNIST, but the grader provided none")
        if request.part not in ("images", "labels"):
            raise ValueError(f"unknown MNIST part {request.part!r}")
        raw = np.load(Path(directory) / f"mnist_{request.part}.npy", mmap_mode="r", allow_pickle=False)
        raw = raw[: request.limit]
        if request.part == "images":
            images = np.empty((len(raw), 784), dtype=np.float64)
            np.divide(raw.reshape(len(raw), -1), 255.0, out=images)
            return images
        return np.array(raw, dtype=np.int64)

    return load


def run(request_path: Path, outcomes_path: Path) -> None:
    request = transport.load(request_path)
    exercise = request["exercise"]
    calls = request["calls"]
    root = request_path.parent / HANDIN
    outcomes: list[Outcome]
    try:
        loaded = load_exercise(LearnerModules(root, root), exercise)
    except LearnerImportError as error:  # what was handed in for it could not be read (the intake says why)
        loaded = LoadedExercise(None, "", IMPORT_FAILED, message=str(error), failed_exercise=error.exercise)
    if loaded.module is None:
        outcomes = [Outcome(loaded.status, message=loaded.message, source=loaded.shown) for _ in calls]
    else:
        loader = mnist_loader(request.get("mnist"))
        limits = request.get("seconds") or [None] * len(calls)
        checks = request.get("checks") or [None] * len(calls)
        stopped: dict[str, tuple[str | None, float]] = {}  # function -> the check and limit that stopped it
        outcomes = []
        for index, call in enumerate(calls):
            (request_path.parent / RUNNING).write_text(str(index))
            if call.function in stopped:  # it would most likely wait as long again, for nothing new
                stopped_in, seconds = stopped[call.function]
                message = not_called_again(call.function, seconds, stopped_in, checks[index])
                outcomes.append(Outcome(NO_RESULT, message=message, source=loaded.shown, stopped=True))
            elif limits[index] is None:
                outcomes.append(perform(loaded.module, call, source=loaded.shown, mnist_loader=loader))
            else:
                seconds = float(limits[index])
                outcomes.append(
                    perform_in_time(loaded.module, call, source=loaded.shown, seconds=seconds, mnist_loader=loader)
                )
                if outcomes[-1].stopped:
                    stopped[call.function] = (checks[index], seconds)
            finished = {"exercise": exercise, "index": index, "outcome": outcomes[-1]}
            transport.save(finished, request_path.parent / FINISHED.format(index))
    transport.save({"exercise": exercise, "outcomes": outcomes}, outcomes_path)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: worker.py REQUEST OUTCOMES", file=sys.stderr)
        return 2
    sys.setrecursionlimit(10_000)
    run(Path(argv[0]), Path(argv[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
