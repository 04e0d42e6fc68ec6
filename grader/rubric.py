"""The grading rubric: how many points each check is worth, and the workers' limits.

The default is ``grader/rubric.toml`` (its comments document the format). Points are computed
for the checks that exist (``grader.checks.all_checks()``): exercise weights are scaled so that
the existing exercises add up to ``total``, then shared among each exercise's checks.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import math
import tomllib
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

DEFAULT_RUBRIC = Path(__file__).resolve().parent / "rubric.toml"

# The bars a rubric may set: [thresholds] name -> (check module, its constant, lowest valid value).
# The lowest is exclusive: at or below it, partial credit (which starts at 50%) would make no sense.
THRESHOLDS = {"training_accuracy": ("grader.checks.training", "TRAINING_ACCURACY", 0.5)}


# What a rubric may name, so that a typo is an error instead of a silently different grading.
SECTIONS = ("total", "exercises", "checks", "bonus", "limits", "thresholds")
LIMIT_KEYS = ("seconds", "memory_mib", "output_kib", "seconds_per_exercise", "memory_mib_per_exercise")
# The Rubric fields that are limits on a worker rather than marks.
LIMIT_FIELDS = ("seconds", "seconds_per_exercise", "memory_mib", "memory_mib_per_exercise", "output_kib")


class RubricError(ValueError):
    """The rubric file is unreadable or inconsistent; the message says where."""


@dataclass
class Rubric:
    total: float = 100.0
    exercises: dict[str, float] = field(default_factory=dict)
    checks: dict[str, float] = field(default_factory=dict)
    bonus: dict[str, float] = field(default_factory=dict)
    seconds: float = 60.0
    seconds_per_exercise: dict[str, float] = field(default_factory=dict)
    memory_mib: int = 2048
    memory_mib_per_exercise: dict[str, float] = field(default_factory=dict)
    output_kib: int = 64
    thresholds: dict[str, Any] = field(default_factory=dict)
    text: str = ""  # the file's text, shipped in the Gradescope bundle

    @property
    def fingerprint(self) -> str:
        """SHA-256 of every setting that decides a grade, as parsed (so a --timeout counts, and a
        comment in the file does not)."""
        return _sha256({name: value for name, value in dataclasses.asdict(self).items() if name != "text"})

    @property
    def marks_fingerprint(self) -> str:
        """SHA-256 of the settings that are not limits: total, weights, bonus, thresholds."""
        settings = dataclasses.asdict(self)
        return _sha256({name: value for name, value in settings.items() if name != "text" and name not in LIMIT_FIELDS})

    @property
    def limits_fingerprint(self) -> str:
        """SHA-256 of the workers' limits (``[limits]``, or ``grade --timeout``)."""
        return _sha256({name: getattr(self, name) for name in LIMIT_FIELDS})

    def seconds_for(self, exercise: str) -> float:
        return float(self.seconds_per_exercise.get(exercise, self.seconds))

    def memory_mib_for(self, exercise: str) -> int:
        return int(self.memory_mib_per_exercise.get(exercise, self.memory_mib))

    def points(self, checks: list[Any]) -> dict[str, float]:
        """Points of every check id in ``checks`` (bonus checks included, at their bonus).

        Whole cents: ``total`` is shared among the exercises by weight, and each exercise's share
        among its checks, by largest remainder, so the points shown add up exactly (10 points over
        3 checks are 3.34 + 3.33 + 3.33).
        """
        graded = [c for c in checks if c.id not in self.bonus]
        exercises = sorted({c.exercise for c in graded}, key=lambda e: [c.exercise for c in graded].index(e))
        if self.exercises:
            exercises = [e for e in exercises if e in self.exercises]
        shares = split_cents(cents(self.total), [self.exercises.get(e, 1.0) for e in exercises])
        result: dict[str, float] = {}
        for exercise, share in zip(exercises, shares):
            own = [c for c in graded if c.exercise == exercise]
            for c, part in zip(own, split_cents(share, [self.checks.get(c.id, 1.0) for c in own])):
                result[c.id] = part / 100
        for c in checks:
            if c.id in self.bonus:
                result[c.id] = cents(self.bonus[c.id]) / 100
        return result


def cents(points: float) -> int:
    """``points`` in whole cents (hundredths of a point)."""
    return round(Fraction(points) * 100)


def split_cents(total: int, weights: list[float]) -> list[int]:
    """``total`` cents shared in proportion to ``weights`` by largest remainder: the parts add up to
    ``total`` exactly (ties go to the earlier part); all 0 when the weights add up to 0."""
    weight = sum(Fraction(w) for w in weights)
    if weight <= 0:
        return [0] * len(weights)
    exact = [total * Fraction(w) / weight for w in weights]
    parts = [int(x) for x in exact]  # floor: the parts are not negative
    by_remainder = sorted(range(len(weights)), key=lambda i: (parts[i] - exact[i], i))
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _sha256(settings: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def _table(data: dict, key: str, where: str) -> dict:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise RubricError(f"{where}: [{key}] must be a table")
    return value


def _numbers(table: dict, key: str, where: str) -> dict[str, float]:
    out = {}
    for name, value in table.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < math.inf:
            raise RubricError(f"{where}: [{key}] {name!r} must be a non-negative number, not {value!r}")
        out[str(name)] = float(value)
    return out


def _thresholds(table: dict, where: str) -> dict[str, float]:
    _unknown(table, THRESHOLDS, "[thresholds]", where)
    out = {}
    for name, value in table.items():
        lowest = THRESHOLDS[name][2]
        if not isinstance(value, (int, float)) or isinstance(value, bool) or not lowest < value <= 1:
            percent = ""
            if isinstance(value, (int, float)) and 1 < value <= 100:
                percent = f" (write {value / 100:.2f} for {value:g}%)"
            raise RubricError(
                f"{where}: [thresholds] {name} must be a number above {lowest:g}, at most 1, not {value!r}{percent}"
            )
        out[name] = float(value)
    return out


def _unknown(names: Any, known: Any, what: str, where: str) -> None:
    """Refuse the first of ``names`` not in ``known``, suggesting the closest known name."""
    for name in names:
        if name not in known:
            close = difflib.get_close_matches(str(name), [str(k) for k in known], n=1)
            suggestion = f" (did you mean {close[0]!r}?)" if close else f"; known: {', '.join(map(str, known))}"
            raise RubricError(f"{where}: {what} has no {name!r}{suggestion}")


def _check_names(data: dict, where: str) -> None:
    """Every exercise, check id, section and limit the rubric names exists."""
    from grader.calling import EXERCISES
    from grader.checks import all_checks

    check_ids = [c.id for c in all_checks()]
    _unknown(data, SECTIONS, "the rubric", where)
    _unknown(_table(data, "exercises", where), EXERCISES, "[exercises]", where)
    _unknown(_table(data, "checks", where), check_ids, "[checks]", where)
    _unknown(_table(data, "bonus", where), check_ids, "[bonus]", where)
    limits = _table(data, "limits", where)
    _unknown(limits, LIMIT_KEYS, "[limits]", where)
    for key in ("seconds_per_exercise", "memory_mib_per_exercise"):
        _unknown(_table(limits, key, where), EXERCISES, f"[limits.{key}]", where)


def parse(text: str, where: str = "rubric") -> Rubric:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RubricError(f"{where} is not valid TOML: {error}") from None
    _check_names(data, where)
    limits = _table(data, "limits", where)
    total = data.get("total", 100)
    if not isinstance(total, (int, float)) or isinstance(total, bool) or not 0 < total < math.inf:
        raise RubricError(f"{where}: total must be a positive, finite number")
    try:
        seconds = float(limits.get("seconds", 60))
        memory = int(limits.get("memory_mib", 2048))
        output = int(limits.get("output_kib", 64))
    except (TypeError, ValueError):
        raise RubricError(f"{where}: [limits] values must be numbers") from None
    if not 0 < seconds < math.inf or memory < 64 or output < 1:
        raise RubricError(
            f"{where}: [limits] seconds must be a positive, finite number, memory_mib >= 64, output_kib >= 1"
        )
    memory_per_exercise = _numbers(
        _table(limits, "memory_mib_per_exercise", where), "limits.memory_mib_per_exercise", where
    )
    per_exercise = _numbers(_table(limits, "seconds_per_exercise", where), "limits.seconds_per_exercise", where)
    return Rubric(
        total=float(total),
        exercises=_numbers(_table(data, "exercises", where), "exercises", where),
        checks=_numbers(_table(data, "checks", where), "checks", where),
        bonus=_numbers(_table(data, "bonus", where), "bonus", where),
        seconds=seconds,
        seconds_per_exercise={k: v for k, v in per_exercise.items() if v > 0},
        memory_mib=memory,
        memory_mib_per_exercise={k: v for k, v in memory_per_exercise.items() if v >= 64},
        output_kib=output,
        thresholds=_thresholds(_table(data, "thresholds", where), where),
        text=text,
    )


def load(path: Path | None = None) -> Rubric:
    path = Path(path) if path is not None else DEFAULT_RUBRIC
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RubricError(f"cannot read the rubric {path}: {error}") from None
    return parse(text, str(path))
