"""Run a test's hostile part inside a throwaway PID namespace, so a sandbox bug fails a test
instead of killing the session that runs the suite.

``run_confined`` starts a command under ``unshare --pid --fork --mount-proc --kill-child`` with
RLIMIT_FSIZE and RLIMIT_NPROC caps and a wall timeout. Where the cgroup pids and memory
controllers are writable (as root), the run also gets its own cgroup with ``pids.max`` and a
memory cap: root ignores RLIMIT_NPROC, and a sandbox that failed to drop privileges would hand
the hostile code root. Whatever the command leaves behind dies with its namespace.

``call_confined(file, "function", *args)`` runs a module-level function of a test file that way
and returns its (JSON) result; ``requires_namespaces`` skips where the kernel forbids the
namespaces. Nothing here ever runs the command unconfined.

Used as a script (``python confined.py --call FILE FUNCTION ARGS_JSON``) it is the confined side
of ``call_confined``.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import traceback
import uuid
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parent.parent
MAX_FILE_BYTES = 256 * 1024**2
MAX_PROCESSES = 512
MAX_MEMORY_BYTES = 4 * 1024**3
_RESULT_MARK = "@@confined-result@@ "
_CGROUP_V1 = Path("/sys/fs/cgroup")


class ConfinedError(AssertionError):
    """The confined function failed, or printed no result."""


@functools.cache
def namespaces_unavailable() -> str | None:
    """Why a confined run cannot happen here, or None when it can."""
    unshare = shutil.which("unshare")
    prlimit = shutil.which("prlimit")
    if unshare is None or prlimit is None:
        return "util-linux's unshare and prlimit are not installed"
    try:
        probe = subprocess.run(
            [unshare, "--pid", "--fork", "--mount-proc", "--kill-child", "true"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"unshare failed: {error}"
    if probe.returncode != 0:
        return f"the kernel forbids new PID/mount namespaces here: {probe.stderr.strip()}"
    return None


requires_namespaces = pytest.mark.skipif(
    namespaces_unavailable() is not None,
    reason=f"confined tests need PID namespaces ({namespaces_unavailable()})",
)


@contextlib.contextmanager
def _cgroups(max_processes: int, max_memory_bytes: int) -> Iterator[list[Path]]:
    """Fresh cgroup v1 pids/memory groups (best effort: an empty list where not writable)."""
    made: list[Path] = []
    name = f"nnkata-confined-{uuid.uuid4().hex[:12]}"
    for controller, limit_file, value in (
        ("pids", "pids.max", max_processes),
        ("memory", "memory.limit_in_bytes", max_memory_bytes),
    ):
        group = _CGROUP_V1 / controller / name
        try:
            group.mkdir()
        except OSError:
            continue
        made.append(group)
        with contextlib.suppress(OSError):
            (group / limit_file).write_text(str(value))
    try:
        yield made
    finally:
        for group in made:
            for _ in range(200):  # rmdir fails while the dying namespace's tasks are still listed
                try:
                    group.rmdir()
                    break
                except OSError:
                    time.sleep(0.01)


def run_confined(
    argv: Sequence[str],
    *,
    timeout: float,
    cwd: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_processes: int = MAX_PROCESSES,
    max_memory_bytes: int = MAX_MEMORY_BYTES,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in a new PID and mount namespace with file-size and process caps.

    Raises ``subprocess.TimeoutExpired`` after ``timeout`` seconds, once everything it started
    is dead, and ``RuntimeError`` where namespaces are not available (it never falls back to an
    unconfined run).
    """
    reason = namespaces_unavailable()
    if reason is not None:
        raise RuntimeError(f"refusing to run unconfined: {reason}")
    confine = [
        shutil.which("unshare") or "unshare",
        "--pid",
        "--fork",
        "--mount-proc",
        "--kill-child",
        "--",
        shutil.which("prlimit") or "prlimit",
        f"--fsize={max_file_bytes}",
        f"--nproc={max_processes}",
        "--core=0",
        "--",
        *argv,
    ]
    with _cgroups(max_processes, max_memory_bytes) as groups:
        # The shell joins the cgroups before exec, so nothing escapes them by forking early.
        joins = "".join(f'echo $$ > "{group}/cgroup.procs" && ' for group in groups)
        command = ["/bin/sh", "-c", f'{joins}exec "$@"', "confined", *confine]
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            # Killing unshare kills the namespace's init (--kill-child), and with it everything.
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            raise subprocess.TimeoutExpired(command, timeout, stdout, stderr) from None
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def call_confined(path: str | os.PathLike[str], function: str, *args: Any, timeout: float = 30.0) -> Any:
    """Call ``function(*args)`` from the module at ``path`` in a confined Python, return its result.

    The arguments and the result go through JSON. A failure inside raises ``ConfinedError``
    with the confined process's output.
    """
    argv = [sys.executable, str(Path(__file__).resolve()), "--call", str(Path(path).resolve()), function]
    argv.append(json.dumps(list(args)))
    try:
        done = run_confined(argv, timeout=timeout, cwd=REPO)
    except subprocess.TimeoutExpired as error:
        raise ConfinedError(
            f"{function} did not finish in {timeout} s\n{_tail(error.stdout)}{_tail(error.stderr)}"
        ) from None
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(_RESULT_MARK) and done.returncode == 0:
            return json.loads(line[len(_RESULT_MARK) :])
    raise ConfinedError(
        f"{function} failed inside the confinement (exit {done.returncode})\n"
        f"--- stdout ---\n{_tail(done.stdout)}\n--- stderr ---\n{_tail(done.stderr)}"
    )


def _tail(text: str | bytes | None, keep: int = 6000) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    text = text or ""
    return text if len(text) <= keep else f"[...]{text[-keep:]}"


def _call_main(path: str, function: str, args_json: str) -> int:
    for entry in (str(REPO), str(Path(path).parent)):
        if entry not in sys.path:
            sys.path.insert(0, entry)
    spec = importlib.util.spec_from_file_location(f"confined_{Path(path).stem}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        result = getattr(module, function)(*json.loads(args_json))
    except BaseException:
        traceback.print_exc()
        return 1
    sys.stdout.write(f"\n{_RESULT_MARK}{json.dumps(result)}\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 5 or sys.argv[1] != "--call":
        sys.exit("usage: confined.py --call FILE FUNCTION ARGS_JSON")
    sys.exit(_call_main(*sys.argv[2:]))
