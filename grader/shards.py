"""Split one grading run across machines (``grade --shard I/N``) and join the pieces (``merge``).

A batch scheduler (a Slurm array, a CI matrix) starts N copies of ``grade`` on the same hand-ins,
each with its own ``--shard I/N`` and ``--out``; each grades only the learners whose id hashes
into its slice. The slice depends on the learner id alone (SHA-256 of it, modulo N), not on the
order the hand-ins were found in, the machine, or which other learners exist: a learner always
lands in the same shard, so re-running one shard regrades exactly the same people.

``merge`` reads the shards' ``results.json`` and writes one ``gradebook.csv``, ``results.json``,
``feedback/`` and ``results/`` with the same writer as ``grade`` (``grading.write_report``). It
refuses shards graded with another seed, rubric or set of checks (each ``results.json`` carries
the run's fingerprint), and a learner present in two shards with different results.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from grader import grading


class ShardError(Exception):
    """The shards cannot be merged (or a shard argument is wrong); printed as one line."""


@dataclass(frozen=True)
class Shard:
    """Slice ``index`` (1-based) of ``count``."""

    index: int
    count: int

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def holds(self, learner: str) -> bool:
        """Whether ``learner`` falls into this slice (by a hash of the id alone)."""
        return shard_of(learner, self.count) == self.index

    def select(self, submissions: Sequence[grading.Submission]) -> list[grading.Submission]:
        """The submissions of this slice, in the order given."""
        return [s for s in submissions if self.holds(s.learner)]

    def header(self, submissions: int) -> dict[str, int]:
        """What ``results.json`` records of the slice (``submissions``: how many the whole run has)."""
        return {"index": self.index, "count": self.count, "submissions": submissions}


def shard_of(learner: str, count: int) -> int:
    """The 1-based shard of ``count`` that ``learner`` belongs to; the same on every machine."""
    digest = hashlib.sha256(learner.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> Shard:
    """``"I/N"`` -> ``Shard(I, N)``, with 1 <= I <= N; ``ValueError`` says what is wrong."""
    match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
    if match is None:
        raise ValueError(f"expected I/N (grade slice I of N, e.g. 2/8), got {text!r}")
    index, count = int(match[1]), int(match[2])
    if count < 1:
        raise ValueError(f"the number of shards must be at least 1, got {text!r}")
    if not 1 <= index <= count:
        raise ValueError(f"the shard number counts from 1 to {count}, got {text!r}")
    return Shard(index, count)


# ----------------------------------------------------------------------------------------------
# Merging


@dataclass
class Merged:
    """What ``merge`` wrote, and what the instructor should know about it."""

    results: list[dict[str, Any]]
    layout: grading.Layout
    warnings: list[str]
    shards: int  # how many were merged: a folder given twice counts once


def _read_shard(directory: Path) -> dict[str, Any]:
    path = directory / "results.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ShardError(
            f"{directory} has no results.json: is it a `grade --out` folder, and did that run finish?"
        ) from None
    except (OSError, ValueError) as error:
        raise ShardError(f"{path} cannot be read ({error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("learners"), dict) or "checks" not in data:
        raise ShardError(f"{path} is not the results.json of a `grade` run")
    if "fingerprint" not in data:
        raise ShardError(f"{path} was written by an older nnkata without a run fingerprint: grade that shard again")
    return data


def _same_run(first: tuple[Path, dict[str, Any]], other: tuple[Path, dict[str, Any]]) -> None:
    """Refuse two shards that were not graded the same way (the seed itself is never printed)."""
    (where, a), (there, b) = first, other
    if a.get("seed") != b.get("seed"):
        raise ShardError(f"{where} and {there} were graded with different seeds: give every shard the same --seed")
    if a.get("rubric") != b.get("rubric"):
        raise ShardError(f"{where} and {there} were graded with different rubrics: use the same --rubric everywhere")
    if a["fingerprint"] != b["fingerprint"] or a["checks"] != b["checks"]:
        raise ShardError(
            f"{where} and {there} were graded with different checks or points (different nnkata versions?): "
            "grade every shard with the same grader"
        )


def _scores(result: dict[str, Any]) -> dict[str, Any]:
    """What must agree for one learner graded twice to count as the same result."""
    points = {
        check_id: check["points"]
        for exercise in result.get("exercises", {}).values()
        for check_id, check in exercise.get("checks", {}).items()
    }
    return {"key": result.get("key"), "total": result.get("total"), "points": points}


def merge(directories: Sequence[Path], out: Path) -> Merged:
    """Join the ``grade --out`` folders ``directories`` into ``out`` (see the module docstring)."""
    if not directories:
        raise ShardError("nothing to merge: name the shards' output folders")
    out = Path(out)
    directories, warnings = _once_each([Path(d) for d in directories])
    for directory in directories:
        if directory.resolve() == out.resolve():
            raise ShardError(f"--out {out} is one of the shards: write the merged gradebook to a new folder")
    shards = [(directory, _read_shard(directory)) for directory in directories]
    for other in shards[1:]:
        _same_run(shards[0], other)
    warnings += _same_shard_twice(shards)

    learners: dict[str, tuple[Path, dict[str, Any]]] = {}
    for directory, data in shards:
        for learner, result in data["learners"].items():
            if learner in learners:
                seen_in, seen = learners[learner]
                if _scores(seen) != _scores(result):
                    raise ShardError(
                        f"learner {learner!r} is in {seen_in} and in {directory} with different results: "
                        "the shards overlap; grade again with one --shard split"
                    )
                continue
            learners[learner] = (directory, result)

    warnings += _missing_shards([data.get("shard") for _, data in shards], len(learners))
    header = {key: value for key, value in shards[0][1].items() if key != "learners"}
    header["shard"] = None
    header["merged_from"] = len(shards)
    results = [learners[learner][1] for learner in sorted(learners)]
    if out.exists() and not out.is_dir():
        raise ShardError(f"--out {out} is a file: give a folder for the merged gradebook, results and feedback")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise ShardError(f"cannot write to --out {out}: {error.strerror or error}") from None
    for result in results:
        grading.save_result(out, result)
    grading.write_report(out, results, header)
    return Merged(results, grading.Layout.from_header(header), warnings, len(shards))


def _once_each(directories: list[Path]) -> tuple[list[Path], list[str]]:
    """The folders, each once (by resolved path), and a warning for each given again."""
    kept: dict[Path, Path] = {}
    warnings = []
    for directory in directories:
        first = kept.setdefault(directory.resolve(), directory)
        if first is directory:
            continue
        if str(first) == str(directory):
            warnings.append(f"{directory} was given twice: merged once")
        else:
            warnings.append(f"{first} and {directory} are the same folder: merged once")
    return list(kept.values()), warnings


def _same_shard_twice(shards: list[tuple[Path, dict[str, Any]]]) -> list[str]:
    """Warnings for two folders that hold the same slice of one split (a copy, or a slice graded twice)."""
    seen: dict[tuple[Any, Any], Path] = {}
    warnings = []
    for directory, data in shards:
        shard = data.get("shard")
        if not isinstance(shard, dict):
            continue
        slice_ = (shard.get("index"), shard.get("count"))
        if slice_ in seen:
            warnings.append(
                f"{seen[slice_]} and {directory} are both shard {slice_[0]}/{slice_[1]}: each learner is counted once"
            )
        else:
            seen[slice_] = directory
    return warnings


def _missing_shards(shards: list[dict[str, int] | None], learners: int) -> list[str]:
    """Warnings when the shards of one split do not add up to the whole run."""
    if not shards or any(not isinstance(s, dict) for s in shards):
        return []
    counts = {s.get("count") for s in shards}
    if len(counts) != 1:
        return [f"the shards come from different splits ({', '.join(map(str, sorted(counts)))} shards)"]
    count = counts.pop()
    missing = sorted(set(range(1, count + 1)) - {s.get("index") for s in shards})
    warnings = [f"shard {index}/{count} is missing: its learners are not in the gradebook" for index in missing]
    expected = {s.get("submissions") for s in shards}
    if not missing and len(expected) == 1 and isinstance(total := expected.pop(), int) and total != learners:
        warnings.append(f"the shards hold {learners} learners, and the run found {total} hand-ins")
    return warnings
