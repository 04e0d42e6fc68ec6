"""Hostile hand-ins (tests/submissions/hostile/*) graded in one batch with a good learner.

The whole grade run happens inside ``tests.confined`` (a throwaway PID namespace with process,
file-size and memory caps), so a sandbox bug fails this test instead of hurting the machine.
For every hostile hand-in: the run finishes, its checks score zero, the good learner graded in
the same run keeps full marks, nothing is left running and nothing is written outside.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.confined import call_confined, requires_namespaces
from tests.confined_grading import GRADING

REPO = Path(__file__).resolve().parent.parent
HOSTILE = REPO / "tests" / "submissions" / "hostile"
SMALL_RUBRIC = """
total = 100
[exercises]
"01_neuron" = 1
"02_sigmoid" = 1
[limits]
seconds = 4
memory_mib = 384
output_kib = 16
"""
SLOT = 110  # sandbox slots of its own (see test_grading.SLOT)
OUTSIDE = [
    Path("/tmp/nnkata-hostile-was-here"),
    REPO / "nnkata-hostile-was-here",
    Path("/root/nnkata-hostile-was-here"),
]

pytestmark = [pytest.mark.confined, requires_namespaces]


def test_a_hostile_batch_cannot_hurt_the_run_the_machine_or_other_learners(tmp_path: Path) -> None:
    for path in OUTSIDE:
        path.unlink(missing_ok=True)
    batch = tmp_path / "batch"
    batch.mkdir()
    for hostile in sorted(HOSTILE.iterdir()):
        shutil.copytree(hostile, batch / hostile.name)
    good = batch / "good"
    for exercise in ("01_neuron", "02_sigmoid"):
        (good / exercise).mkdir(parents=True)
        shutil.copy(REPO / "solutions" / exercise / f"{exercise[3:]}.py", good / exercise)
    half = batch / "loops_in_one_exercise"
    shutil.copytree(REPO / "tests" / "submissions" / "loops_in_one_exercise", half)
    shutil.copy(REPO / "solutions" / "01_neuron" / "neuron.py", half)
    out = tmp_path / "out"
    before = sorted(p.name for p in REPO.iterdir())

    summary = call_confined(GRADING, "grade_batch", str(batch), str(out), SMALL_RUBRIC, SLOT, 40, timeout=120)

    graded = summary["results"]
    totals = {learner: result["total"] for learner, result in graded.items()}
    summary["limits"] = {
        learner: [report["limit_hit"] for report in result["exercises"].values()] for learner, result in graded.items()
    }
    summary["messages"] = {
        learner: [message for report in result["exercises"].values() for _, message in report["checks"].values()]
        for learner, result in graded.items()
    }
    assert totals.pop("good") == 100, summary["messages"]["good"]
    # An infinite loop in exercise 02 costs exactly exercise 02.
    assert totals.pop("loops_in_one_exercise") == 50, summary["messages"]["loops_in_one_exercise"]
    assert summary["limits"]["loops_in_one_exercise"][1] in ("cpu time", "wall time")
    # Every check of 02 lost its answer; they all say which call was running.
    loops = [m for m in summary["messages"]["loops_in_one_exercise"] if m]
    assert loops and all("your code was stopped during a call of `sigmoid`: it " in m for m in loops), loops
    assert set(totals) == {p.name for p in HOSTILE.iterdir()}
    assert all(total == 0 for total in totals.values()), totals
    assert summary["leftovers"] == []
    assert summary["limits"]["loop_forever"][0] in ("cpu time", "wall time")
    assert summary["limits"]["print_gigabytes"][0] == "output"
    assert any("NumPy only" in m for m in summary["messages"]["uses_torch"])
    # Ending the process is named as what the learner did, not as the grader's missing file.
    neuron_messages = {name: summary["messages"][name][:3] for name in ("exit_early", "sys_exit")}
    assert all("ended before it answered: look for os._exit()" in m for m in neuron_messages["exit_early"])
    assert all("exit() ends the whole program" in m for m in neuron_messages["sys_exit"]), neuron_messages
    for path in OUTSIDE:
        assert not path.exists(), f"a hand-in wrote {path}"
    assert sorted(p.name for p in REPO.iterdir()) == before
    # What the forgers aimed at is the grader's own, untouched output.
    gradebook = (out / "gradebook.csv").read_text()
    assert "forge_outcomes,100" not in gradebook
    results = json.loads((out / "results.json").read_text())
    assert results["learners"]["good"]["total"] == 100
    assert json.loads((out / "results" / "good.json").read_text())["total"] == 100
    assert not list(out.glob("nnkata-hostile-was-here*"))
    # Text UTF-8 cannot hold arrives as escapes, and every file is still written.
    assert "\\ud800 no feedback file can hold this" in (out / "feedback" / "unwritable_text.md").read_text()
    assert summary["seconds"] < 60


DISK_SLOT = 186  # slots of its own, as SLOT
DISK_BYTES = 4 * 1024**2  # a small cap for the test; the hand-in writes at most 64 MiB


def test_a_handin_that_fills_the_disk_is_stopped_and_told_why(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    (batch / "fills_disk").mkdir(parents=True)
    # At import: 64 files of 1 MiB, each within the file size limit, then a wait.
    shutil.copy(REPO / "tests" / "hostile" / "fill_disk.py", batch / "fills_disk" / "neuron.py")
    (batch / "good").mkdir()
    for exercise in ("01_neuron", "02_sigmoid"):
        shutil.copy(REPO / "solutions" / exercise / f"{exercise[3:]}.py", batch / "good")
    summary = call_confined(
        GRADING, "grade_batch", str(batch), str(tmp_path / "out"), SMALL_RUBRIC, DISK_SLOT, 4, 7, DISK_BYTES,
        timeout=120,
    )  # fmt: skip

    graded = summary["results"]
    assert {learner: result["total"] for learner, result in graded.items()} == {"fills_disk": 0, "good": 100}, graded
    neuron = graded["fills_disk"]["exercises"]["01_neuron"]
    assert neuron["limit_hit"] == "disk", neuron
    assert neuron["seconds"] < 3  # stopped by the disk cap, not by the 4 s time limit
    expected = (
        "your code was stopped: it wrote more than 4 MiB of files, or more than 10,000 files and folders, "
        "the disk space limit. The exercises need no files: remove the code that writes them."
    )
    assert neuron["problem"] == expected
    assert all(expected[len("your code was stopped: ") :] in message for _, message in neuron["checks"].values())
    assert summary["leftovers"] == []
