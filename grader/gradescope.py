"""Run nnkata's grader inside Gradescope's autograder: its results format and its zip.

Gradescope grades each submission in a fresh container of its own: it unpacks the autograder
zip into ``/autograder/source``, runs ``setup.sh`` once when it builds the image, then, for every
submission, ``/autograder/run_autograder`` with the learner's files in ``/autograder/submission``,
and shows the learner what that leaves in ``/autograder/results/results.json``. So a course too
large for one machine is graded on infrastructure instructors already have.

``gradescope_results`` turns one learner's result into that format (one Gradescope test per
check, its output the same teacher-like message as the feedback file). ``build_autograder``
writes the zip: the grader's source, the rubric, the secret seed, pinned dependencies, MNIST
when the rubric trains on it, ``setup.sh`` and ``run_autograder``.

The seed is the instructor's secret, and the learner's code must never read it. Inside the
container the worker runs in the grader's sandbox, which shows it none of
``/autograder/source`` (only its own folder, Python with NumPy, and the worker's runtime);
``run_autograder`` also makes the source folder 0700 and the seed 0600 before grading, so that
even the weakest sandbox level (a dropped uid, where the container forbids namespaces) cannot
read them. The seed never appears on a command line (``--seed-file``): every user may read
every process's arguments.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shlex
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import grading, mnist
from grader.calling import EXERCISES, module_name
from grader.files import atomic_file, write_atomically
from grader.rubric import Rubric

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")
#: The packages whose versions the zip pins to the instructor's own (the expected values come
#: from PyTorch: the learner is graded against the same build the instructor tested with).
PINNED = ("torch", "numpy", "nbformat", "pytest")
#: Every member gets this date, so the same inputs always give the same bytes.
ZIP_DATE = (1980, 1, 1, 0, 0, 0)


class GradescopeError(grading.GradingError):
    """The Gradescope output or zip cannot be written as asked; printed as one line."""


# ----------------------------------------------------------------------------------------------
# results.json in Gradescope's format


def _test_number(exercise: str, position: int, fallback: int) -> str:
    prefix = exercise.split("_", 1)[0]
    return f"{int(prefix) if prefix.isdigit() else fallback}.{position}"


def gradescope_results(
    result: dict[str, Any], layout: grading.Plan | grading.Layout, *, visibility: str = "visible"
) -> dict[str, Any]:
    """One learner's ``result`` (as ``grading.grade`` returns it) in Gradescope's format.

    A test per check of the rubric (name, number, score, max_score, status, output,
    visibility); the top-level output says what the feedback file's header says (total, notes
    on the hand-in, how each exercise ran). ``stdout_visibility`` is hidden: the run's own
    output is for the instructor.
    """
    if visibility not in VISIBILITIES:
        raise GradescopeError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    tests = []
    positions: dict[str, int] = {}
    for column in layout.checks:
        report = result["exercises"].get(column.exercise)
        check = report["checks"].get(column.id) if report else None
        if check is None:  # a result from another rubric: that check was not graded
            check = {"points": 0.0, "max": layout.points[column.id], "passed": False, "message": "not graded"}
        positions[column.exercise] = positions.get(column.exercise, 0) + 1
        name = column.id.split("::", 1)[1] + (" (bonus)" if column.id in layout.bonus else "")
        tests.append(
            {
                "name": f"{column.exercise}: {name}" + (f" ({column.summary})" if column.summary else ""),
                "number": _test_number(
                    column.exercise, positions[column.exercise], layout.exercises.index(column.exercise) + 1
                ),
                "score": check["points"],
                "max_score": check["max"],
                "status": "passed" if check["passed"] else "failed",
                "output": check["message"],
                "output_format": "text",
                "visibility": visibility,
            }
        )
    lines = [f"Total: {grading.total_score(result, layout)}"]
    if result.get("notes"):
        lines += ["", "About your hand-in:", *[f"- {note}" for note in result["notes"]]]
    lines.append("")
    for exercise, report in result["exercises"].items():
        lines.append(f"{exercise}: {grading.exercise_score(report)} ({grading.exercise_details(report)})")
    seconds = sum(report.get("seconds") or 0.0 for report in result["exercises"].values())
    return {
        "score": result["total"],
        "execution_time": round(seconds),
        "output": "\n".join(lines),
        "output_format": "text",
        "visibility": visibility,
        "stdout_visibility": "hidden",
        "tests": tests,
    }


def gradescope_paths(target: str | os.PathLike[str], learners: Sequence[str]) -> list[Path]:
    """Where ``write_gradescope`` puts each learner's file; raises before any grading if it cannot.

    ``target`` is a folder when it exists as one or ends with ``/``: each learner then gets
    ``<target>/<learner>.json``. A file holds one learner (Gradescope grades one submission
    per container), so a file for several is refused.
    """
    folder = os.fspath(target).endswith(("/", os.sep))  # before Path() drops the slash
    target = Path(target)
    if folder or target.is_dir():
        return [target / f"{learner}.json" for learner in learners]
    if len(learners) != 1:
        raise GradescopeError(
            f"--gradescope {target} is a file, and there are {len(learners)} hand-ins to grade: Gradescope "
            "grades one submission per container. Give a folder (ending in /) to get one file per learner"
        )
    return [target]


def write_gradescope(
    target: str | os.PathLike[str],
    results: Sequence[dict[str, Any]],
    layout: grading.Plan | grading.Layout,
    *,
    visibility: str = "visible",
) -> list[Path]:
    """Write each result in Gradescope's format (atomically) where ``gradescope_paths`` says."""
    paths = gradescope_paths(target, [result["learner"] for result in results])
    for path, result in zip(paths, results):
        converted = gradescope_results(result, layout, visibility=visibility)
        write_atomically(path, json.dumps(converted, indent=1) + "\n")
    return paths


# ----------------------------------------------------------------------------------------------
# The autograder zip

# Gradescope's containers have no GPU: the CPU-only build of the pinned torch is a tenth the size.
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"

SETUP_SH = """\
#!/usr/bin/env bash
# nnkata's autograder: Gradescope runs this once, as root, when it builds the autograder image.
# It installs Python >= 3.11 if the image lacks it, bubblewrap for the grader's sandbox, and
# nnkata from this bundle with the dependency versions the instructor built the zip with
# (constraints.txt) into $ROOT/venv. $NNKATA_AUTOGRADER_ROOT moves /autograder.
set -euo pipefail
ROOT="${NNKATA_AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
# The wheel index to take torch from (`python -m grader gradescope --torch-index URL`; by
# default PyTorch's CPU-only wheels). Empty: pip's default index, where torch's Linux wheels
# pull in the CUDA libraries (gigabytes Gradescope's CPU-only containers never use).
TORCH_INDEX=@TORCH_INDEX@
export DEBIAN_FRONTEND=noninteractive

find_python() {
  local candidate
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  return 1
}

apt-get update -qq || true
if ! PYTHON="$(find_python)"; then
  apt-get install -y -qq python3.11 python3.11-venv
  PYTHON="$(find_python)" || { echo "nnkata needs Python 3.11 or newer" >&2; exit 1; }
fi
VERSION="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
# Debian and Ubuntu ship venv's pip in a package of its own.
apt-get install -y -qq "python$VERSION-venv" >/dev/null 2>&1 || true
# The sandbox prefers bubblewrap; where the container forbids namespaces it falls back to a
# weaker level, and every feedback says which level ran.
apt-get install -y -qq bubblewrap >/dev/null 2>&1 || echo "setup.sh: bubblewrap not installed" >&2

"$PYTHON" -m venv "$ROOT/venv"
PIP=("$ROOT/venv/bin/python" -m pip install --quiet --constraint "$SOURCE/constraints.txt")
"${PIP[@]}" --upgrade pip
if [ -n "$TORCH_INDEX" ]; then
  "${PIP[@]}" --index-url "$TORCH_INDEX" torch
fi
"${PIP[@]}" "$SOURCE"
echo "setup.sh: nnkata installed for $("$ROOT/venv/bin/python" --version)"
"""

RUN_AUTOGRADER = """\
#!/usr/bin/env bash
# nnkata's autograder: Gradescope runs this for every submission, as root, in /autograder.
# It grades /autograder/submission with the bundled rubric and secret seed, and writes
# /autograder/results/results.json (Gradescope's format) and the instructor's own outputs
# (gradebook.csv, results.json, feedback/) in /autograder/nnkata-out.
# $NNKATA_AUTOGRADER_ROOT moves /autograder (the tests grade in a temporary tree),
# $NNKATA_PYTHON picks another Python, $NNKATA_FIRST_SLOT other sandbox slots.
set -euo pipefail
ROOT="${NNKATA_AUTOGRADER_ROOT:-/autograder}"
SOURCE="$ROOT/source"
PYTHON="${NNKATA_PYTHON:-$ROOT/venv/bin/python}"
OUT="$ROOT/nnkata-out"

# The learner's code runs in the grader's sandbox, which shows it nothing of $SOURCE. Where the
# container allows only the weakest level (a dropped uid), these modes keep the seed, the
# rubric and the grader unreadable to it all the same. The seed is passed as a file, never on
# the command line, which every process can read.
chmod 0700 "$SOURCE"
chmod 0600 "$SOURCE/seed"
mkdir -p "$ROOT/results" "$OUT"
chmod 0711 "$OUT"

cd "$SOURCE"
exec "$PYTHON" -m grader grade "$ROOT/submission" --out "$OUT" --rubric "$SOURCE/rubric.toml" \\
  --seed-file "$SOURCE/seed" --gradescope "$ROOT/results/results.json" --gradescope-visibility @VISIBILITY@ \\
  --jobs 1 --first-slot "${NNKATA_FIRST_SLOT:-0}"
"""

README = """\
# nnkata autograder for Gradescope

Made by `python -m grader gradescope`. Upload this zip as the autograder of a Gradescope
programming assignment (any Ubuntu base image: `setup.sh` installs Python 3.11+ if needed).
Learners hand in what `python -m grader grade` accepts: the exercise modules (laid out like
`exercises/` or flat), a zip of them, or notebooks.

- `setup.sh`: installs nnkata from this folder, with the versions pinned in `constraints.txt`.
- `run_autograder`: grades `/autograder/submission` into `/autograder/results/results.json`.
- `rubric.toml`: the rubric; `seed`: the secret seed of the checks' cases (keep this zip private).
"""


@dataclass
class Bundle:
    """What ``build_autograder`` wrote: the zip, its members, and the marks it grades out of."""

    path: Path
    members: list[str]
    total: float
    checks: int
    needs_mnist: bool
    worst_seconds: float  # a hand-in that runs every exercise up to its time limit (workers run one by one)


def _pins() -> str:
    lines = []
    for name in PINNED:
        try:
            version = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
        lines.append(f"{name}=={version.split('+', 1)[0]}")  # 2.13.0+cpu: the CPU index serves it as 2.13.0
    return "\n".join(lines) + "\n"


def _mnist_members() -> dict[str, tuple[bytes, int]]:
    """The four MNIST files as found on this machine, for the bundle's ``data/mnist/``."""
    directory = mnist.find_data_dir()
    if directory is None:
        raise GradescopeError(
            "the rubric trains on MNIST, and the autograder zip carries it (Gradescope's containers "
            "should not download it for every submission), but MNIST is not on this machine: run "
            "`python -m grader download-mnist` or set NNKATA_DATA first"
        )
    members = {}
    for name in (*mnist.FILES["train"], *mnist.FILES["test"]):
        for candidate in (directory / f"{name}.gz", directory / name):
            if candidate.is_file():
                members[f"data/mnist/{candidate.name}"] = (candidate.read_bytes(), 0o644)
                break
    return members


def _source_members() -> dict[str, tuple[bytes, int]]:
    """The grader package and the exercises' stub modules (whose function names split notebooks)."""
    members: dict[str, tuple[bytes, int]] = {}
    for path in sorted(grading.GRADER_DIR.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".toml") and "__pycache__" not in path.parts:
            members[f"grader/{path.relative_to(grading.GRADER_DIR).as_posix()}"] = (path.read_bytes(), 0o644)
    repo = grading.GRADER_DIR.parent
    for exercise in EXERCISES:
        stub = repo / "exercises" / exercise / f"{module_name(exercise)}.py"
        if stub.is_file():
            members[f"exercises/{exercise}/{stub.name}"] = (stub.read_bytes(), 0o644)
    for name in ("pyproject.toml", "LICENSE"):  # what `pip install` of the bundle reads
        members[name] = ((repo / name).read_bytes(), 0o644)
    return members


def write_zip(path: Path, members: dict[str, tuple[bytes, int]]) -> None:
    """Write ``members`` (name -> (bytes, mode)) as a zip, deterministically and atomically.

    Members are sorted, dated 1980-01-01 and compressed at one fixed level, so the same inputs
    give the same bytes; the file appears only once complete (a temporary file, then a rename).
    """
    with atomic_file(path, mode=0o600) as file, zipfile.ZipFile(file, "w") as archive:  # 0600: it holds the seed
        for name in sorted(members):
            data, mode = members[name]
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.create_system = 3  # Unix, so the modes below are read
            info.external_attr = (0o100000 | mode) << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=9)


def build_autograder(
    path: Path, rubric: Rubric, seed: int, *, torch_index: str = TORCH_CPU_INDEX, visibility: str = "visible"
) -> Bundle:
    """Write Gradescope's autograder zip for ``rubric`` and ``seed`` to ``path``.

    The zip holds ``setup.sh``, ``run_autograder``, the grader's source, the exercises' stubs,
    ``pyproject.toml``, ``constraints.txt`` (this machine's torch, NumPy, nbformat and pytest
    versions), ``rubric.toml``, ``seed`` and, when the rubric trains on it, MNIST.
    ``torch_index`` is the wheel index ``setup.sh`` takes torch from (see ``SETUP_SH``);
    ``visibility`` is when learners see their results (one of ``VISIBILITIES``).
    """
    if visibility not in VISIBILITIES:
        raise GradescopeError(f"visibility must be one of {', '.join(VISIBILITIES)}, not {visibility!r}")
    plan = grading.build_plan(rubric, seed)
    if not plan.checks:
        raise GradescopeError("the rubric grades no check: the autograder would give every submission 0 / 0")
    members = _source_members()
    # What may stand in for an exercise the rubric does not grade: one before a graded one, which may import it.
    last = max(EXERCISES.index(exercise) for exercise in plan.exercises)
    for exercise in EXERCISES[:last]:
        reference = grading.REFERENCE_SOLUTIONS / exercise / f"{module_name(exercise)}.py"
        if exercise not in plan.exercises and reference.is_file():
            members[f"solutions/{exercise}/{reference.name}"] = (reference.read_bytes(), 0o644)
    members.update(
        {
            "setup.sh": (SETUP_SH.replace("@TORCH_INDEX@", shlex.quote(torch_index or "")).encode(), 0o755),
            "run_autograder": (RUN_AUTOGRADER.replace("@VISIBILITY@", visibility).encode(), 0o755),
            "README.md": (README.encode(), 0o644),
            "constraints.txt": (_pins().encode(), 0o644),
            "rubric.toml": (rubric.text.encode("utf-8"), 0o644),
            "seed": (f"{seed}\n".encode(), 0o600),
        }
    )
    if plan.needs_mnist:
        members.update(_mnist_members())
    write_zip(path, members)
    worst = sum(rubric.seconds_for(exercise) for exercise in plan.exercises)
    return Bundle(path, sorted(members), plan.total, len(plan.checks), plan.needs_mnist, worst)
