"""Grading a batch of hand-ins inside ``tests.confined``, for the tests of hostile or looping code.

``call_confined(GRADING, "grade_batch", ...)`` grades every hand-in of a folder in a throwaway
PID namespace and returns, through JSON, what the tests look at: each learner's total and, per
exercise, the limit hit, the seconds, the problem and each check's (passed, message), plus the
processes left running under the sandbox's uids.
"""

from __future__ import annotations

import os
from pathlib import Path

GRADING = Path(__file__).resolve()


def processes_of(uids: set[int]) -> list[str]:
    """The pids of the processes running as one of ``uids``."""
    found = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            lines = status.read_text().splitlines()
        except OSError:
            continue
        if any(line.startswith("Uid:") and int(line.split()[1]) in uids for line in lines):
            found.append(status.parent.name)
    return found


def grade_batch(
    batch: str, out: str, rubric_text: str, first_slot: int, slots: int, seed: int = 7, disk_bytes: int = 0
) -> dict:
    """Runs inside the confinement: grade every hand-in of ``batch`` (``disk_bytes``, if given, caps
    every worker's disk), then look for processes left behind in ``slots`` slots from ``first_slot``."""
    import dataclasses
    import time

    from grader import grading, rubric, sandbox

    if disk_bytes:
        limits_of = grading._limits
        grading._limits = lambda *args: dataclasses.replace(limits_of(*args), disk_bytes=disk_bytes)
    plan = grading.build_plan(rubric.parse(rubric_text), seed=seed)
    submissions = grading.discover([Path(batch)], each=True)
    started = time.monotonic()
    results = grading.grade(submissions, Path(out), plan, jobs=2, force=True, first_slot=first_slot)
    seconds = time.monotonic() - started
    time.sleep(0.2)
    uids = {sandbox.UID_BASE + slot for slot in range(first_slot, first_slot + slots)} if os.geteuid() == 0 else set()
    return {
        "seconds": seconds,
        "results": {
            result["learner"]: {
                "total": result["total"],
                "exercises": {
                    exercise: {
                        "limit_hit": report["limit_hit"],
                        "seconds": report["seconds"],
                        "problem": report["problem"],
                        "cause": report["cause"],
                        "checks": {
                            check_id.split("::", 1)[1]: [check["passed"], check["message"]]
                            for check_id, check in report["checks"].items()
                        },
                    }
                    for exercise, report in result["exercises"].items()
                },
            }
            for result in results
        },
        "leftovers": processes_of(uids),
    }
