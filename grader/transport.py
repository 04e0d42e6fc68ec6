"""Moving calls and outcomes between the grader and its worker without pickle.

One ``.npz`` file holds every array, plus a JSON manifest (stored as a uint8 array) that
describes the structure around them. Loading uses ``allow_pickle=False`` and rebuilds only the
types this module knows, so nothing a learner's code made can run in the grader's process:
a forged file can only produce wrong numbers, which then fail their checks.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import stat
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from grader.calling import Call, KnownFunction, MnistData, Outcome, SeededGenerator
from grader.files import atomic_file

_MANIFEST = "__manifest__"
MAX_ITEMS = 100_000  # far beyond any real call; stops a forged manifest from exhausting memory
MAX_BYTES = 256 * 1024**2  # the largest real file (training weights) is well under 1 MiB


class TransportError(ValueError):
    """A file that does not follow the format (truncated, forged or from another version)."""


def _encode(value: Any, arrays: dict[str, np.ndarray]) -> Any:
    if isinstance(value, np.ndarray):
        key = f"a{len(arrays)}"
        arrays[key] = value
        return {"array": key}
    if isinstance(value, (bool, np.bool_)):
        return {"bool": bool(value)}
    if isinstance(value, (int, np.integer)):
        return {"int": int(value)}
    if isinstance(value, (float, np.floating)):
        return {"float": repr(float(value))}  # repr keeps nan/inf and every bit of the value
    if isinstance(value, str):
        return {"str": value}
    if value is None:
        return {"none": True}
    if isinstance(value, list):
        return {"list": [_encode(v, arrays) for v in value]}
    if isinstance(value, tuple):
        return {"tuple": [_encode(v, arrays) for v in value]}
    if isinstance(value, dict):
        return {"dict": {str(k): _encode(v, arrays) for k, v in value.items()}}
    if isinstance(value, SeededGenerator):
        return {"rng": value.seed}
    if isinstance(value, KnownFunction):
        return {"function": value.name}
    if isinstance(value, MnistData):
        return {"mnist": [value.part, value.limit]}
    if isinstance(value, Call):
        return {"call": [value.function, _encode(value.args, arrays), _encode(value.kwargs, arrays)]}
    if isinstance(value, Outcome):
        return {"outcome": _encode({f.name: getattr(value, f.name) for f in dataclasses.fields(value)}, arrays)}
    raise TypeError(f"cannot send a {type(value).__name__}")


def _well_formed(text: str) -> str:
    """``text`` with lone surrogates written as escapes (``\\ud800``).

    JSON lets a forged or unlucky manifest carry them (``raise ValueError("\\ud800")`` in learner
    code), and no feedback or gradebook could then be written as UTF-8.
    """
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _decode(node: Any, arrays: Any, budget: list[int]) -> Any:
    budget[0] -= 1
    if budget[0] < 0:
        raise TransportError("too many items")
    if not isinstance(node, dict) or len(node) != 1:
        raise TransportError(f"malformed node {str(node)[:80]}")
    ((kind, data),) = node.items()
    if kind == "array":
        if data not in arrays.files:
            raise TransportError(f"missing array {data!r}")
        array = arrays[data]
        if array.dtype.kind not in "biuf":
            raise TransportError(f"array of dtype {array.dtype}")
        return array
    if kind in ("bool", "int") and isinstance(data, {"bool": bool, "int": int}[kind]):
        return data
    if kind == "str" and isinstance(data, str):
        return _well_formed(data)
    if kind == "float" and isinstance(data, str):
        return float(data)
    if kind == "none":
        return None
    if kind in ("list", "tuple") and isinstance(data, list):
        items = [_decode(v, arrays, budget) for v in data]
        return items if kind == "list" else tuple(items)
    if kind == "dict" and isinstance(data, dict):
        return {_well_formed(k): _decode(v, arrays, budget) for k, v in data.items()}
    if kind == "rng" and isinstance(data, int):
        return SeededGenerator(data)
    if kind == "function" and isinstance(data, str):
        return KnownFunction(_well_formed(data))
    if kind == "mnist" and isinstance(data, list) and len(data) == 2:
        return MnistData(_well_formed(str(data[0])), None if data[1] is None else int(data[1]))
    if kind == "call" and isinstance(data, list) and len(data) == 3:
        args, kwargs = _decode(data[1], arrays, budget), _decode(data[2], arrays, budget)
        if not isinstance(data[0], str) or not isinstance(args, tuple) or not isinstance(kwargs, dict):
            raise TransportError("malformed call")
        return Call(_well_formed(data[0]), args, kwargs)
    if kind == "outcome":
        fields = _decode(data, arrays, budget)
        if not isinstance(fields, dict) or not isinstance(fields.get("status"), str):
            raise TransportError("malformed outcome")
        return Outcome(
            status=fields["status"],
            value=fields.get("value"),
            message=str(fields.get("message", ""))[:2000],
            warnings=[str(w)[:300] for w in fields.get("warnings", [])][:5],
            mutated=[str(m)[:80] for m in fields.get("mutated", [])][:10],
            seconds=float(fields.get("seconds", 0.0)),
            source=str(fields.get("source", ""))[:300],
            stopped=fields.get("stopped") is True,
        )
    raise TransportError(f"unknown node {kind!r}")


class _ReadOnce:
    """An ``NpzFile`` whose arrays are read once each, however often the manifest names them.

    ``NpzFile[key]`` reads and copies the array every time: a forged manifest naming one array
    a million times would otherwise make the grader copy it a million times.
    """

    def __init__(self, arrays: Any) -> None:
        self.arrays = arrays
        self.files = arrays.files
        self.read: dict[str, np.ndarray] = {}

    def __getitem__(self, key: str) -> np.ndarray:
        if key not in self.read:
            self.read[key] = self.arrays[key]
        return self.read[key]


def save(value: Any, path: Path) -> None:
    """Write ``value`` to ``path`` atomically (a reader never sees half a file)."""
    arrays: dict[str, np.ndarray] = {}
    manifest = json.dumps(_encode(value, arrays)).encode("utf-8")
    arrays[_MANIFEST] = np.frombuffer(manifest, dtype=np.uint8)
    with atomic_file(Path(path)) as file:
        np.savez(file, **arrays)


def load(path: Path) -> Any:
    """Read what ``save`` wrote; raises ``TransportError`` for anything else.

    The worker's answer is fully controlled by learner code, so this reads only a regular file
    (never a symlink, FIFO or device) of at most ``MAX_BYTES``, and only zip members stored
    uncompressed, as ``numpy.savez`` writes them, so no decompression bomb reaches ``numpy.load``.
    """
    name = Path(path).name
    data = read_regular_file(Path(path))
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
        if len(members) > MAX_ITEMS or any(
            m.compress_type != zipfile.ZIP_STORED or m.file_size > len(data) for m in members
        ):
            raise TransportError(f"{name}: compressed or oversized members")
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            manifest = json.loads(arrays[_MANIFEST].tobytes().decode("utf-8"))
            return _decode(manifest, _ReadOnce(arrays), [MAX_ITEMS])
    except TransportError:
        raise
    except (
        OSError,
        ValueError,
        TypeError,
        KeyError,
        EOFError,
        UnicodeDecodeError,
        RecursionError,
        zipfile.BadZipFile,
    ) as error:
        raise TransportError(f"{name}: {type(error).__name__}: {error}") from None


def read_regular_file(path: Path, limit: int = MAX_BYTES) -> bytes:
    """The bytes of a file the worker wrote: never a symlink, FIFO or device, at most ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as error:
        raise TransportError(f"{path.name}: cannot open ({error.strerror})") from None
    with os.fdopen(fd, "rb") as file:
        info = os.fstat(file.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise TransportError(f"{path.name}: not a regular file")
        data = file.read(limit + 1)
    if len(data) > limit:
        raise TransportError(f"{path.name}: larger than {limit} bytes")
    return data
