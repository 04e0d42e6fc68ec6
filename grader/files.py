"""Writing files so that a reader sees the old content or the whole new one, never a part.

Every result nnkata writes (weights, gradebooks, feedback, generated stubs, the worker's
transport files, the Gradescope zip) goes through here: an interrupted run leaves no half file.
The folders the grader's workers wrote in are removed here too (``remove_tree``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Callable, Iterator
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


def remove_tree(path: Path) -> None:
    """Remove the folder ``path`` and everything in it, whatever modes its folders were left in.

    Without root a sandboxed worker runs as the grader's own uid, so a folder it made and
    chmodded to 0o500 or 0o000 stops ``shutil.rmtree`` from removing what is inside: up to a
    disk cap per worker, left for good. Here each folder that stops the removal gets its owner's
    read, write and search back, and the removal is tried once more. Symlinks are removed, never
    followed. Never raises: what still cannot be removed (another user's files) stays.
    """
    top = os.fspath(path)
    retried: set[str] = set()

    def retry(function: object, failed: str, error: object) -> None:
        if failed in retried:
            return  # its folder was opened up already, and still it cannot be removed
        retried.add(failed)
        with contextlib.suppress(OSError):
            if failed != top:  # above the tree, modes are not ours to change
                _open_up_folder(os.path.dirname(failed))
            if _open_up_folder(failed):
                _rmtree(failed, retry)
            else:
                os.unlink(failed)

    _rmtree(top, retry)


def _open_up_folder(path: str) -> bool:
    """Give the owner read, write and search on ``path`` if it is a folder; False if it is not one."""
    mode = os.lstat(path).st_mode
    if not stat.S_ISDIR(mode):
        return False  # a symlink among them: chmod would change what it points to
    os.chmod(path, stat.S_IMODE(mode) | stat.S_IRWXU)
    return True


def _rmtree(path: str, on_error: Callable[[object, str, object], None]) -> None:
    if sys.version_info >= (3, 12):
        shutil.rmtree(path, onexc=on_error)
    else:  # onerror is deprecated from 3.12 on
        shutil.rmtree(path, onerror=on_error)
