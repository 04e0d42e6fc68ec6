"""Speed of the grader, measured (not asserted): run with  ./run python benchmarks/grader.py

Prints
1. the wall time of `python -m grader grade` on one complete hand-in (examples/submissions/
   ada_complete) with the default rubric, MNIST training included, from the command's start to
   its end (goal: under 8 s on 2 cores), with where that time goes; and
2. the throughput of `grade --each -j 2 --force` on a batch of 50 hand-ins, all complete copies
   of ada_complete under other names, so every one of them trains on MNIST: the worst case
   (goal: at least 20 per minute). `--half N` makes N of them copies of the half-finished
   ben_half_finished instead.

The figures end in a markdown table to paste into README.md, with the machine (cores, CPU
model, load) and the sandbox's isolation level. Run it on an otherwise idle machine: the
graders' workers and this benchmark share the cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLES = REPO / "examples" / "submissions"
COMPLETE = EXAMPLES / "ada_complete"
HALF = EXAMPLES / "ben_half_finished"
FIRST_SLOT = 200  # sandbox slots away from the test suite's (100+, 110+, 170+)
NAMES = ["amal", "bruno", "chen", "dara", "emeka", "fatima", "goran", "hana", "ivo", "jun"]

# Where the time of one run goes before and around the workers, measured in a fresh interpreter.
PHASES = """
import json, sys, tempfile, time
from pathlib import Path
t0 = time.perf_counter()
import torch  # noqa: F401
t1 = time.perf_counter()
from grader import grading, rubric
plan = grading.build_plan(rubric.load(), 0)
t2 = time.perf_counter()
grading.prepare_mnist(Path(tempfile.mkdtemp()) / "mnist")
t3 = time.perf_counter()
print(json.dumps({"import torch": t1 - t0, "checks' cases (PyTorch)": t2 - t1, "MNIST for the workers": t3 - t2}))
"""


def machine() -> dict[str, str]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {
        "cores": f"{os.cpu_count()}" + (f" ({usable} usable by this process)" if usable != os.cpu_count() else ""),
        "cpu": model,
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def load() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def grade(submissions: list[Path], out: Path, *, each: bool, jobs: int) -> tuple[float, dict]:
    """Wall time of one `python -m grader grade` run, and its results.json."""
    command = [sys.executable, "-m", "grader", "grade", *map(str, submissions), "--out", str(out), "--force"]
    command += ["-j", str(jobs), "--first-slot", str(FIRST_SLOT)] + (["--each"] if each else [])
    start = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"grading failed:\n{done.stdout}\n{done.stderr}")
    return seconds, json.loads((out / "results.json").read_text())


def isolation_of(results: dict) -> str:
    levels = {e.get("isolation") for r in results["learners"].values() for e in r["exercises"].values()}
    return ", ".join(sorted(level for level in levels if level)) or "unknown"


def one_handin(scratch: Path, runs: int, jobs: int) -> tuple[list[float], dict]:
    times = []
    results: dict = {}
    for run in range(runs):
        seconds, results = grade([COMPLETE], scratch / f"one-{run}", each=False, jobs=jobs)
        times.append(seconds)
        print(f"  one complete hand-in, run {run + 1}: {seconds:.2f} s", file=sys.stderr)
    return times, results


def batch(scratch: Path, count: int, half: int, jobs: int) -> tuple[float, dict]:
    folder = scratch / "batch"
    for i in range(count):
        name = ("half_" if i < half else "") + f"{NAMES[i % len(NAMES)]}_{i + 1:02d}"
        shutil.copytree(HALF if i < half else COMPLETE, folder / name)
    return grade([folder], scratch / "batch-out", each=True, jobs=jobs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of the one-hand-in measure (default 3)")
    parser.add_argument("--count", type=int, default=50, help="hand-ins in the batch (default 50)")
    parser.add_argument("--half", type=int, default=0, help="how many of them are half-finished (default 0)")
    parser.add_argument("-j", "--jobs", type=int, default=2, help="hand-ins graded at once (default 2)")
    parser.add_argument("--keep", metavar="DIR", help="grade into DIR and keep it (default: a temporary folder)")
    args = parser.parse_args()

    sys.path.insert(0, str(REPO))
    from grader import mnist

    if mnist.find_data_dir() is None:
        sys.exit("MNIST is not on this machine: see data/README.md (or set NNKATA_DATA)")
    info = machine()
    load_before = load()
    print(f"machine: {info['cores']} cores, {info['cpu']}; Python {info['python']}, {info['system']}")
    print(f"load average before: {load_before}")

    with tempfile.TemporaryDirectory(prefix="nnkata-bench-") as name:
        scratch = Path(args.keep) if args.keep else Path(name)
        if args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
        times, one = one_handin(scratch, args.runs, args.jobs)
        phases = json.loads(
            subprocess.run([sys.executable, "-c", PHASES], cwd=REPO, capture_output=True, text=True, check=True).stdout
        )
        batch_seconds, many = batch(scratch, args.count, args.half, args.jobs)
    load_after = load()

    best, median = min(times), statistics.median(times)
    exercises = next(iter(one["learners"].values()))["exercises"]
    training = exercises["08_training"]["seconds"]
    others = sum(e["seconds"] for name, e in exercises.items() if name != "08_training")
    per_minute = args.count / batch_seconds * 60
    isolation = isolation_of(many)
    kind = f"{args.count - args.half} complete" + (f" + {args.half} half-finished" if args.half else "")
    grades = sorted({r["total"] for r in many["learners"].values()})
    complete = [r for r in many["learners"].values() if not r["learner"].startswith("half_")]
    complete.append(next(iter(one["learners"].values())))
    lost = sorted(
        {
            f"{r['learner']}: {i}"
            for r in complete
            for e in r["exercises"].values()
            for i, c in e["checks"].items()
            if not c["passed"]
        }
    )

    print()
    print("one complete hand-in, where the time goes (last run; the workers run one after another):")
    print(f"  worker of 08_training (imports, MNIST as float64, 2 epochs of training, other calls): {training:.2f} s")
    print(f"  workers of the 7 other exercises together: {others:.2f} s")
    print(f"  everything else (interpreter, checks' cases, judging, outputs): {times[-1] - training - others:.2f} s")
    print("  of which, measured alone: " + ", ".join(f"{k} {v:.2f} s" for k, v in phases.items()))
    print(f"batch: {kind} hand-ins, totals {', '.join(f'{g:g}' for g in grades)}")
    if lost:
        print("WARNING: complete hand-ins lost points (the figures are not those of full grading):")
        print("".join(f"  {line}\n" for line in lost[:20]), end="")
    print()
    print("| measure | goal | measured |")
    print("|---------|------|----------|")
    print(
        f"| one complete hand-in, default rubric with MNIST training (`grade`, wall time, "
        f"best / median of {len(times)}) | < 8 s | {best:.1f} s / {median:.1f} s |"
    )
    print(
        f"| {args.count} hand-ins ({kind}), `grade --each -j {args.jobs} --force` | ≥ 20 per minute | "
        f"{per_minute:.1f} per minute ({batch_seconds:.0f} s) |"
    )
    print()
    print(
        f"Machine: {info['cores']} cores, {info['cpu']}, Python {info['python']}; isolation: {isolation}; "
        f"load average {load_before} before, {load_after} after."
    )


if __name__ == "__main__":
    main()
