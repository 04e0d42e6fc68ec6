"""The pytest runner's time limit: whatever part of a call it runs out in, the learner reads the limit."""

from __future__ import annotations

import time

import pytest

from grader import calling
from grader.pytest_plugin import CheckFailed, Runner


def test_a_time_limit_that_runs_out_around_the_learners_call_is_the_time_limit(
    make_tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    # perform's own work after the call (copying the result) takes the rest of the time: as when
    # comparing a huge input before and after, or loading MNIST before the call, on a slow machine.
    def slow_copy_of_the_result(value: object, where: str = "the result") -> object:
        time.sleep(5)
        return value

    monkeypatch.setattr(calling, "to_plain", slow_copy_of_the_result)
    runner = Runner(make_tree({}), call_seconds=0.2)
    with pytest.raises(CheckFailed) as failed:
        runner.run("01_neuron", "weighted_sum_matches_torch")
    assert "still running after 0.2 s, so it was stopped" in str(failed.value)
    assert "weighted_sum" in str(failed.value)
    with pytest.raises(CheckFailed, match="`weighted_sum` was not called again: it was stopped in an earlier check"):
        runner.run("01_neuron", "weighted_sum_matches_torch")


def test_code_that_catches_the_time_limit_and_carries_on_is_still_stopped(make_tree) -> None:
    swallows = (
        "import time\n\n\ndef weighted_sum(weights, activations, bias):\n"
        "    try:\n        while True:\n            time.sleep(0.01)\n    except Exception:\n        pass\n"
        "    return 0.0\n"
    )
    runner = Runner(make_tree({"01_neuron": swallows}), call_seconds=0.3)
    with pytest.raises(CheckFailed) as failed:
        runner.run("01_neuron", "weighted_sum_matches_torch")
    assert "still running after 0.3 s, so it was stopped, and an `except` in your code caught that stop" in str(
        failed.value
    )
