"""Writing files so that a reader sees the old content or the whole new one, never a part.

Every result nnkata writes (weights, gradebooks, feedback, generated stubs, the worker's
transport files, the Gradescope zip) goes through here: an interrupted run leaves no half file.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO


@contextlib.contextmanager
def atomic_file(path: Path, mode: int = 0o644) -> Iterator[BinaryIO]:
    """A binary file to write that replaces ``path`` only when the block ends without error.

    The temporary file sits beside ``path`` (one file system, so the rename is atomic) and is
    removed on failure. ``mode`` is set before the rename: a secret is never readable under its
    final name.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as file:
            yield file
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomically(path: Path, data: str | bytes, mode: int = 0o644) -> None:
    """Write ``data`` (text as UTF-8, newlines untouched) to ``path`` atomically."""
    with atomic_file(path, mode) as file:
        # Escapes instead of an error for text UTF-8 cannot hold (lone surrogates): one learner's
        # odd message must not cost everyone their gradebook.
        file.write(data.encode("utf-8", "backslashreplace") if isinstance(data, str) else data)
