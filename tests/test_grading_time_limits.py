"""The grader's time limit per call: a function that never ends costs its own checks, no others.

As in the pytest runner, each call in the worker runs under ``grader.calling.call_seconds``,
which stays below the worker's wall limit: a call still running then is stopped, the function's
later calls are answered at once ("not called again"), and the worker answers for the rest. When
the sandbox's hard limit stops the worker anyway (code that catches or blocks the stop), the
calls that finished before keep their outcomes, which are judged like any answer: forging them
gains nothing.

The grading runs inside ``tests.confined``, as in tests/test_hostile_grading.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from grader import calling, rubric
from grader.calling import EXERCISES
from tests.confined import call_confined, requires_namespaces
from tests.confined_grading import GRADING
from tests.conftest import REPO, solution_text, solution_texts, write_handin

SLOT = 320  # sandbox slots of its own, 320-339 (see test_grading.SLOT)
# An honest bug: the loop over the epochs never adds 1 to `epoch`. one_hot, sgd_step and accuracy
# are right: only train's checks may lose their marks.
LOOPS_IN_TRAINING = solution_text("08_training").replace(
    "    for _ in range(epochs):", "    epoch = 0\n    while epoch < epochs:  # epoch is never increased"
)

# weighted_sum is right; layer_weighted_sums catches every stop and goes on, so only the
# sandbox's hard limit ends it.
CATCHES_THE_STOP = solution_text("01_neuron").replace(
    "    return activations @ weights.T + biases",
    "    while True:\n        try:\n            while True:\n                pass\n"
    "        except BaseException:\n            pass",
)
# Forges an outcome "ok" for every call before any call is made, then blocks the stop's signal
# and never returns: the hard limit ends it, and the forged outcomes are judged as any answer.
FORGES_FINISHED_CALLS = """
import os
import signal

from grader import transport
from grader.calling import Outcome

request = transport.load("request.npz")
for index, _ in enumerate(request["calls"]):
    forged = {"exercise": request["exercise"], "index": index, "outcome": Outcome("ok", value=1.0)}
    transport.save(forged, os.path.abspath(f"finished-{index}.npz"))


def weighted_sum(weights, activations, bias):
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})
    while True:
        pass


layer_weighted_sums = weighted_sum
"""


def test_a_call_limit_stays_below_the_workers_wall_limit() -> None:
    assert calling.call_seconds(needs_mnist=False) == calling.CALL_SECONDS == 20  # the pytest runner's
    assert calling.call_seconds(needs_mnist=True) == calling.MNIST_CALL_SECONDS == 600
    default = rubric.load()
    training = default.seconds_for("08_training")
    assert training == 600
    # Training on MNIST keeps almost all of its 600 s, and leaves the worker a minute to answer.
    assert calling.call_seconds(True, training) == 540
    assert calling.call_seconds(False, training) == 20
    assert calling.call_seconds(False, default.seconds_for("01_neuron")) == 20
    assert calling.call_seconds(True, 60) == 54
    assert calling.call_seconds(False, 10) == 5
    for wall in (0.5, 4, 5, 5.9):  # no room for a call limit: the hard limit alone, as before
        assert calling.call_seconds(False, wall) is None
    for wall in (6, 8, 12.5, 30, 100, 1000, 3600):
        for mnist in (False, True):
            seconds = calling.call_seconds(mnist, wall)
            assert seconds is not None and 1 <= seconds <= min(wall - 5, 0.9 * wall)


@pytest.mark.confined
@requires_namespaces
def test_a_train_that_never_ends_costs_only_the_checks_of_train(tmp_path: Path) -> None:
    if os.environ.get("NNKATA_DATA") is None and not (REPO / "data" / "mnist").is_dir():
        pytest.skip("MNIST is not on this machine (the grader needs it for exercise 08)")
    assert solution_text("08_training") != LOOPS_IN_TRAINING
    learner = tmp_path / "batch" / "loops_in_training"
    write_handin(learner, {**solution_texts(EXERCISES[:7]), "08_training": LOOPS_IN_TRAINING}, flat=True)
    # 10 s for the worker: 5 s for a call (the default rubric gives 600 and 20).
    rubric_text = 'total = 100\n[exercises]\n"08_training" = 1\n[limits]\nseconds = 10\n'

    summary = call_confined(
        GRADING, "grade_batch", str(tmp_path / "batch"), str(tmp_path / "out"), rubric_text, SLOT, 10, 5, timeout=180
    )

    result = summary["results"]["loops_in_training"]
    training = result["exercises"]["08_training"]
    checks = training["checks"]
    assert training["limit_hit"] is None, training  # the worker answered: no hard limit was hit
    assert training["cause"] == "time limit", training  # so the instructor's "needs a look" names it
    assert training["seconds"] < 9.5, training
    # The correct functions are judged as usual and keep their marks.
    for name in ("one_hot_matches_torch", "sgd_step_matches_torch_sgd", "accuracy_matches_torch"):
        assert checks[name] == [True, ""], checks[name]
    assert result["total"] == 50  # 3 of the 6 checks
    # The check in which train was stopped names it, the time and the line it was on.
    passed, stopped = checks["train_matches_torch_sgd"]
    assert not passed
    # One case, the one stopped: the later ones were never called, so no "N of M cases fail".
    assert "epoch after epoch: it fails.\n`train` was stopped: it ran too long." in stopped, stopped
    assert "TimeoutError: still running after 5 s, so it was stopped: look for a loop that never ends" in stopped
    assert "of training.py, in " in stopped  # the line it was on (in train, or in sgd_step which it calls)
    assert "your code was stopped" not in stopped  # not the hard limit's message
    # Its later checks fail at once, saying why, instead of waiting 5 s each (or 600 s on MNIST).
    for name in ("train_shuffles_with_its_rng", "train_learns_mnist"):
        passed, message = checks[name]
        assert not passed
        assert (
            "`train` was not called again: it was stopped in an earlier check (`train_matches_torch_sgd`), "
            "still running after 5 s, the time limit of a call. Fix that one first."
        ) in message, message
    assert summary["leftovers"] == []


@pytest.mark.confined
@requires_namespaces
def test_a_worker_stopped_by_the_hard_limit_keeps_the_calls_that_finished(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    for name, text in (("catches_the_stop", CATCHES_THE_STOP), ("forges_finished_calls", FORGES_FINISHED_CALLS)):
        (batch / name).mkdir(parents=True)
        (batch / name / "neuron.py").write_text(text)
    # 8 s for the worker, 3 s for a call.
    rubric_text = 'total = 100\n[exercises]\n"01_neuron" = 1\n[limits]\nseconds = 8\n'

    summary = call_confined(
        GRADING, "grade_batch", str(batch), str(tmp_path / "out"), rubric_text, SLOT + 2, 10, 5, timeout=120
    )

    catches = summary["results"]["catches_the_stop"]["exercises"]["01_neuron"]
    assert catches["limit_hit"] in ("cpu time", "wall time"), catches
    checks = catches["checks"]
    # weighted_sum's calls finished before the worker was stopped: they keep their marks.
    assert checks["weighted_sum_matches_torch"] == [True, ""], checks
    assert summary["results"]["catches_the_stop"]["total"] == pytest.approx(100 / 3, abs=0.02)
    for name in ("layer_weighted_sums_matches_torch_linear", "layer_weighted_sums_keeps_float32"):
        passed, message = checks[name]
        assert not passed
        assert "your code was stopped during a call of `layer_weighted_sums`: it " in message, message

    # The forged outcomes were kept, and judged: wrong values score nothing.
    forger = summary["results"]["forges_finished_calls"]
    assert forger["total"] == 0, forger
    neuron = forger["exercises"]["01_neuron"]
    assert neuron["limit_hit"] in ("cpu time", "wall time"), neuron
    assert all("expected" in message for _, message in neuron["checks"].values()), neuron
    assert summary["leftovers"] == []


def test_a_forged_value_in_the_workers_files_is_a_wrong_answer_not_a_grader_fault() -> None:
    from grader.grading import _is

    # An array compared with == is no yes or no: the grader failed on the whole hand-in.
    assert not _is(np.array(["01_neuron", "01_neuron"]), "01_neuron")
    assert not _is(np.int64(0), 0) and not _is(True, 1) and not _is("0", 0)
    assert _is("01_neuron", "01_neuron") and _is(3, 3)
