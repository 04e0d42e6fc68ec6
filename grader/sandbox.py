"""Run one untrusted worker process in isolation: the grader's only line of defence.

Threat model
------------
The worker runs code that a learner handed in. Treat it as hostile: it may loop forever, burn
CPU, allocate all memory, fork-bomb, print gigabytes, write huge files, read anything it can
reach (other learners' hand-ins, the grader's expected values, secrets in the environment or
under /root), talk to the network, and signal or kill any process it can name (``kill(-1)``, its
parent, other workers). It must not be able to change the grade of anyone else, see other
hand-ins or the grader's output, reach the network, outlive its run, or take the machine down.
What it can always do is produce a wrong result for itself; the grader judges only what it
finds in ``workdir`` and never unpickles or imports anything from there.

Disk: each file is capped by RLIMIT_FSIZE, and the total by a scan that the grader side runs
while it waits (``Limits.disk_bytes``, ``Limits.disk_files``): every ~0.25 s it adds up the
blocks that ``workdir`` holds (without following symlinks, so a sparse file counts what it
really takes and a link to a big file elsewhere counts nothing) and the files the worker has
deleted but still holds open or mapped, and kills the worker once over (``limit_hit == "disk"``;
a last scan after the worker ends catches what it wrote since the one before). So a worker can
pass the cap by what the disk takes in ~0.25 s, not more. What it leaves in ``workdir`` stays
there for the caller to remove.

Not covered: kernel exploits (there is no seccomp filter), covert timing channels between
workers, and, under "rlimits only", writes to world-writable places outside ``workdir`` (the
host's /tmp, /var/tmp, /dev/shm), which no limit caps at that level.

Levels (``isolation_level()`` says which one this machine gets; ``$NNKATA_SANDBOX`` or the
``isolation`` argument forces one, e.g. so the tests cover the fallbacks):

``"bubblewrap"`` (needs Debian's ``bubblewrap`` package)
    New PID, network, IPC, UTS and cgroup namespaces, and a private mount tree holding only
    /usr, the Python installation (its site-packages replaced by an empty read-only tmpfs into
    which the allowed packages are bound back), the ``readonly`` paths and ``workdir``, with a
    small tmpfs /tmp and /dev/shm. As root, bwrap runs privileged (no user namespace) and
    ``setpriv`` drops the worker to uid/gid ``60000 + slot`` with no capabilities and
    ``no_new_privs``: a user namespace would map the worker back to host uid 0, and an
    unprivileged bwrap cannot bind the interpreter, which lives under the 0700 /root here.
    Without root, bwrap makes a user namespace itself and the worker keeps the grader's uid.
``"namespaces"`` (root only; util-linux ``unshare``)
    The same view built by this module: ``unshare`` makes the namespaces, then this file runs
    as the new PID namespace's init (``--ns-init``), mounts the tree on a tmpfs, chroots into
    it, drops itself to ``nobody`` and forks the worker as uid ``60000 + slot``.
``"rlimits only"`` (warns loudly)
    Resource limits, a scrubbed environment, a dropped uid when root, and a kill of the process
    group and of every process of that uid. The worker sees the whole file system that its uid
    may read and has the network: use it only where namespaces are forbidden.

At every level the worker gets rlimits (CPU, address space, file size, processes, open files,
no core dumps), a scrubbed environment, stdin from /dev/null, and its stdout/stderr are read
incrementally and cut to ``Limits.output_bytes``, so its output never fills the grader's memory;
the disk scan above runs at every level too.
In the two namespace levels the worker's PID namespace dies with it, taking along anything it
started (double-forked daemons, ``setsid``); when root, a final sweep kills whatever still runs
under the slot's uid, which is why each concurrent worker needs its own ``slot``.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import glob
import importlib.util
import json
import math
import os
import resource
import select
import selectors
import shutil
import signal
import site
import stat
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BUBBLEWRAP = "bubblewrap"
NAMESPACES = "namespaces"
RLIMITS_ONLY = "rlimits only"
LEVELS = (BUBBLEWRAP, NAMESPACES, RLIMITS_ONLY)
ENV_VAR = "NNKATA_SANDBOX"

UID_BASE = 60000  # worker uid/gid = UID_BASE + slot; no other program on the machine may use these
MAX_SLOTS = 1000
INIT_UID = 65534  # "nobody": the namespaces level's PID 1, so the worker cannot touch it either

LIMIT_WALL = "wall time"
LIMIT_CPU = "cpu time"
LIMIT_MEMORY = "memory"
LIMIT_OUTPUT = "output"
LIMIT_FILE_SIZE = "file size"
LIMIT_PROCESSES = "processes"
LIMIT_DISK = "disk"

_LEVEL_NAMES = {
    "bubblewrap": BUBBLEWRAP,
    "bwrap": BUBBLEWRAP,
    "namespaces": NAMESPACES,
    "unshare": NAMESPACES,
    "rlimits": RLIMITS_ONLY,
    "rlimits only": RLIMITS_ONLY,
    "rlimits-only": RLIMITS_ONLY,
}
_SYSTEM_DIRS = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
_MASK_BYTES = 1024 * 1024  # the tmpfs over a site-packages dir holds only mount points
_DRAIN_SECONDS = 2.0  # after the kill, how long the pipes may take to report EOF
_DISK_SCAN_SECONDS = 0.25  # how often the disk use of a running worker is measured, at most
_DISK_SCAN_SHARE = 10  # ... and at least this many times as long as a measurement took
_DISK_SCAN_DEPTH = 64  # folders nested deeper than this count as over Limits.disk_files
_NOT_ON_DISK = ("/memfd:", "/SYSV", "/dev/zero", "/dev/shm/")  # deleted mappings of shared memory

# The process groups of the workers this process runs now (each led by its outer process), so
# that kill_running can stop them all at once.
_RUNNING: set[int] = set()
_RUNNING_LOCK = threading.Lock()
_SWEEP_SECONDS = 5.0


class SandboxError(RuntimeError):
    """The sandbox cannot run as asked (e.g. a forced isolation level is not available here)."""


class SandboxWarning(RuntimeWarning):
    """The worker runs with weaker isolation than bubblewrap gives."""


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker run.

    ``processes`` counts every process and thread of the worker's uid (a fresh uid per slot).
    ``output_bytes`` is how much of stdout and of stderr is kept (half from the start, half
    from the end, where tracebacks are); the rest is read and dropped. A stream that passes
    ``output_kill_bytes`` gets the worker killed with ``limit_hit == "output"``.
    ``tmp_bytes`` caps the private tmpfs /tmp and /dev/shm of the namespace levels (RAM).
    ``disk_bytes`` caps the disk space of everything in ``workdir`` (what the caller put there
    included) plus the deleted files the worker still holds open or mapped; ``disk_files`` caps
    the number of files, folders and other entries in ``workdir`` (folders nested more than 64
    deep, or that the grader may not read, count as over it). Either gets the worker killed
    with ``limit_hit == "disk"``; keep ``disk_bytes`` above ``file_bytes``, so that one big file
    is told as "file size".
    """

    wall_seconds: float = 60.0
    cpu_seconds: float = 60.0
    memory_bytes: int = 2 * 1024**3
    processes: int = 32
    file_bytes: int = 64 * 1024**2
    output_bytes: int = 64 * 1024
    open_files: int = 256
    output_kill_bytes: int = 16 * 1024**2
    tmp_bytes: int = 64 * 1024**2
    # A worker's own files (request, outcomes, the hand-in's copy) take ~10 MiB at most.
    disk_bytes: int = 256 * 1024**2
    disk_files: int = 10_000

    def __post_init__(self) -> None:
        for name in ("wall_seconds", "cpu_seconds"):
            if not getattr(self, name) > 0:
                raise ValueError(f"Limits.{name} must be positive")
        for name in (
            "memory_bytes",
            "processes",
            "file_bytes",
            "open_files",
            "output_kill_bytes",
            "tmp_bytes",
            "disk_bytes",
            "disk_files",
        ):
            if getattr(self, name) < 1:
                raise ValueError(f"Limits.{name} must be at least 1")
        if self.output_bytes < 0:
            raise ValueError("Limits.output_bytes must not be negative")


@dataclass
class SandboxResult:
    """What one run produced.

    ``returncode`` is None when the sandbox killed the worker (wall time or output), negative
    for a signal, as in ``subprocess``. Through the namespace levels a worker that exits with
    128 + n on purpose looks like one killed by signal n: the wrappers report it that way.
    ``limit_hit`` is best effort for "memory" and "processes", which leave no signal.
    ``cpu_seconds`` is None under bubblewrap, which does not pass the worker's usage on; under
    "namespaces" it includes the init stub's own ~0.05 s.
    """

    returncode: int | None
    stdout: str
    stderr: str
    wall_seconds: float
    limit_hit: str | None
    isolation: str
    cpu_seconds: float | None = None


def isolation_level() -> str:
    """The level ``run_sandboxed`` uses here: ``$NNKATA_SANDBOX`` if set, else the best that works."""
    forced = os.environ.get(ENV_VAR, "").strip()
    if forced:
        return _parse_level(forced)
    return _best_level()


def run_sandboxed(
    argv: list[str],
    workdir: Path,
    *,
    readonly: Sequence[Path] = (),
    python_packages: Sequence[str] = ("numpy",),
    limits: Limits = Limits(),
    env: Mapping[str, str] | None = None,
    slot: int = 0,
    isolation: str | None = None,
) -> SandboxResult:
    """Run ``argv`` confined, with ``workdir`` as its only writable directory and its cwd.

    ``argv[0]`` is a path valid inside the sandbox; ``sys.executable`` is, and runs with the
    host's stdlib and only ``python_packages`` importable. ``readonly`` paths appear at the same
    path, read-only. ``env`` is added to a minimal environment (its PYTHONPATH is put before
    the allowed packages' directories). Each concurrent run needs its own ``slot``. When root,
    ``workdir`` is handed to the slot's uid (recursively, without following symlinks) and made
    0700; under "rlimits only" its parents must also be searchable by that uid, and so must
    ``argv[0]`` (a Python under /root is not). ``isolation`` forces a level, like
    ``$NNKATA_SANDBOX``. Raises ``SandboxError`` for a forced level that does not work here or
    a package that is not installed.
    """
    argv = [os.fspath(arg) for arg in argv]
    if not argv:
        raise ValueError("argv is empty")
    if os.path.realpath(argv[0]) == os.path.realpath(sys.executable):
        # A virtual environment's python is a symlink into a folder the worker does not see (and
        # whose site-packages it must not see); the interpreter it points to runs the same way.
        argv[0] = os.path.realpath(sys.executable)
    if not 0 <= slot < MAX_SLOTS:
        raise ValueError(f"slot must be in [0, {MAX_SLOTS})")
    forced = isolation or os.environ.get(ENV_VAR, "").strip()
    level = _parse_level(forced) if forced else _best_level()
    if forced and not _level_available(level):
        raise SandboxError(f"isolation level {level!r} was asked for but does not work on this machine")
    why = "as asked" if forced else "as bubblewrap is not available (install the 'bubblewrap' package)"
    if level == NAMESPACES:
        warnings.warn(
            f"the worker runs with the 'namespaces' fallback (unshare + chroot), {why}",
            SandboxWarning,
            stacklevel=2,
        )
    elif level == RLIMITS_ONLY:
        warnings.warn(
            f"the worker runs with rlimits only, {why}: it can read whatever its uid may read and can "
            "use the network. Do not grade untrusted code like this.",
            SandboxWarning,
            stacklevel=2,
        )

    workdir = Path(os.path.abspath(workdir))
    workdir.mkdir(parents=True, exist_ok=True)
    if workdir == Path("/"):
        raise ValueError("workdir must not be /")
    readonly = [os.path.abspath(path) for path in readonly]
    for path in readonly:
        if not os.path.lexists(path):
            raise FileNotFoundError(path)

    as_root = os.geteuid() == 0
    uid = UID_BASE + slot if as_root else os.getuid()
    gid = UID_BASE + slot if as_root else os.getgid()
    if as_root:
        _kill_uid(uid)  # leftovers of a grader that died mid-run would count against NPROC
        _chown_tree(workdir, uid, gid)

    packages = _package_paths(python_packages)
    rlimits = _rlimits(limits, level, as_root, uid)
    with contextlib.ExitStack() as cleanup:
        pass_fds: list[int] = []
        popen_kwargs: dict[str, Any] = {}
        info_fd: int | None = None
        if level == RLIMITS_ONLY:
            private_site = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="nnkata-site-"))
            pythonpath = _private_site(Path(private_site), packages)
            command = _prlimit_command(rlimits) + argv
            if as_root:
                popen_kwargs = {"user": uid, "group": gid, "extra_groups": []}
        else:
            plan, pythonpath = _mount_plan(str(workdir), readonly, packages, limits)
            if level == BUBBLEWRAP:
                # bwrap tells its init's pid here; see _wait_for_init for why that matters.
                info_fd, info_write = os.pipe()
                cleanup.callback(os.close, info_fd)
                pass_fds.append(info_write)
                command = _prlimit_command(rlimits) + _bwrap_command(plan, str(workdir), as_root)
                command[-1:-1] = ["--info-fd", str(info_write)]
                if as_root:
                    command += [_tool("setpriv"), f"--reuid={uid}", f"--regid={gid}", "--clear-groups"]
                    command += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
                command += argv
            else:
                new_root = cleanup.enter_context(tempfile.TemporaryDirectory(prefix="nnkata-root-"))
                # The init stub exits when this pipe closes, i.e. when the grader dies.
                life_read, life_write = os.pipe()
                cleanup.callback(os.close, life_write)
                pass_fds.append(life_read)
                spec = {
                    "root": new_root,
                    "ops": plan,
                    "cwd": str(workdir),
                    "uid": uid,
                    "gid": gid,
                    "rlimits": rlimits,
                    "argv": argv,
                    "env": _environment(str(workdir), pythonpath, env, level),
                    "life_fd": life_read,
                }
                command = [_tool("unshare"), "--pid", "--fork", "--kill-child", "--mount", "--net", "--ipc"]
                command += ["--uts", "--cgroup", "--propagation", "private", "--"]
                command += [sys.executable, "-I", "-S", os.path.abspath(__file__), "--ns-init", json.dumps(spec)]
        result = _supervise(
            command,
            cwd=str(workdir),
            workdir=str(workdir),
            env=_environment(str(workdir), pythonpath, env, level),
            pass_fds=pass_fds,
            popen_kwargs=popen_kwargs,
            limits=limits,
            uid=uid if as_root else None,
            wrapped=level != RLIMITS_ONLY,
            # bwrap's outer process never waits for its init, so its rusage misses the worker.
            cpu_known=level != BUBBLEWRAP,
            info_fd=info_fd,
        )
    result.isolation = level
    return result


def available_levels() -> tuple[str, ...]:
    """The levels that work on this machine, strongest first (probed once, then cached)."""
    return tuple(level for level in LEVELS if _level_available(level))


# --- choosing a level -------------------------------------------------------------------------


def _parse_level(value: str) -> str:
    try:
        return _LEVEL_NAMES[value.strip().lower()]
    except KeyError:
        raise ValueError(f"unknown isolation level {value!r}; use bubblewrap, namespaces or rlimits") from None


@functools.cache
def _best_level() -> str:
    for level in (BUBBLEWRAP, NAMESPACES):
        if _level_available(level):
            return level
    return RLIMITS_ONLY


@functools.cache
def _level_available(level: str) -> bool:
    """Whether a minimal sandbox of that level starts here (a probe run of ``true``)."""
    if level == RLIMITS_ONLY:
        return True
    as_root = os.geteuid() == 0
    true = shutil.which("true")
    if true is None or shutil.which("prlimit") is None:
        return False
    if level == BUBBLEWRAP:
        if shutil.which("bwrap") is None or (as_root and shutil.which("setpriv") is None):
            return False
        probe = [_tool("bwrap"), *_bwrap_namespace_flags(as_root), "--ro-bind", "/", "/", "--proc", "/proc"]
        probe += ["--dev", "/dev", "--tmpfs", "/tmp"]
        if as_root:
            probe += [_tool("setpriv"), f"--reuid={INIT_UID}", f"--regid={INIT_UID}", "--clear-groups"]
            probe += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
        probe.append(true)
    elif level == NAMESPACES:
        if not as_root or shutil.which("unshare") is None:
            return False
        probe = [_tool("unshare"), "--pid", "--fork", "--kill-child", "--mount", "--net", "--ipc", "--uts", "--", true]
    else:
        raise ValueError(level)
    try:
        done = subprocess.run(probe, stdin=subprocess.DEVNULL, capture_output=True, timeout=20, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _tool(name: str) -> str:
    search = os.pathsep.join([os.environ.get("PATH", ""), os.defpath, "/usr/local/bin", "/usr/sbin", "/sbin"])
    path = shutil.which(name, path=search)
    if path is None:
        raise SandboxError(f"{name} is not installed")
    return os.path.realpath(path) if name == "setpriv" else path


# --- what the worker sees ---------------------------------------------------------------------


def _python_roots() -> list[str]:
    roots: list[str] = []
    for prefix in (sys.base_prefix, sys.base_exec_prefix, sys.prefix, sys.exec_prefix):
        for path in (os.path.realpath(prefix), os.path.abspath(prefix)):
            if path not in roots:
                roots.append(path)
    return roots


_SYSCONFIG_LOCK = threading.Lock()


def _host_site_dirs() -> list[str]:
    """Every directory on the host that may hold third-party Python packages."""
    found = set(site.getsitepackages())
    # Python 3.11 fills sysconfig's config lazily without a lock: two workers starting at once
    # could fail with "AttributeError: 'userbase'" and cost a learner the exercise.
    with _SYSCONFIG_LOCK:
        for scheme in sysconfig.get_scheme_names():
            paths = sysconfig.get_paths(scheme)
            found.update(paths[key] for key in ("purelib", "platlib") if key in paths)
    for base in [*_python_roots(), "/usr", "/usr/local"]:
        for pattern in ("lib*/python3*/site-packages", "lib*/python3*/dist-packages", "lib/python3/dist-packages"):
            found.update(glob.glob(os.path.join(base, pattern)))
    return sorted({os.path.realpath(path) for path in found if os.path.isdir(path)})


def _package_paths(names: Sequence[str]) -> list[str]:
    """Host paths (real) of each allowed package, its ``NAME.libs`` and its metadata."""
    paths: list[str] = []
    for name in names:
        if not name.isidentifier():
            raise ValueError(f"{name!r} is not a top-level package name")
        spec = importlib.util.find_spec(name)
        if spec is None:
            raise SandboxError(f"package {name!r} is not installed for {sys.executable}")
        found = list(spec.submodule_search_locations or []) or [spec.origin or ""]
        for path in found:
            if not path or not os.path.exists(path):
                raise SandboxError(f"package {name!r} has no files to expose ({path!r})")
            path = os.path.realpath(path)
            parent = os.path.dirname(path)
            paths.append(path)
            paths.extend(glob.glob(os.path.join(parent, f"{name}.libs")))
            paths.extend(glob.glob(os.path.join(parent, f"{name}-*.dist-info")))
    return list(dict.fromkeys(paths))


def _under(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


class _Plan:
    """An ordered list of mount operations: translated to bwrap options or run by ``_ns_init``.

    Operations (JSON-able lists): ["dir", dst], ["ro-bind", src, dst], ["bind", src, dst],
    ["symlink", target, dst], ["tmpfs", dst, size, mode], ["remount-ro", dst], ["proc", dst],
    ["dev", dst]. Sources are host paths, mounted at the same path inside.
    """

    def __init__(self) -> None:
        self.ops: list[list[Any]] = []
        self._mounts: list[tuple[str, str]] = []  # (destination, "bind" or "tmpfs")
        self._dirs: set[str] = set()

    def _exists_inside(self, path: str) -> bool:
        if path in self._dirs:
            return True
        covering = [(dst, kind) for dst, kind in self._mounts if _under(path, dst)]
        if not covering:
            return False
        dst, kind = max(covering, key=lambda item: len(item[0]))
        # Under a bind the host's own tree shows through (same paths); a tmpfs starts empty.
        return dst == path or (kind == "bind" and os.path.isdir(path))

    def _parents(self, path: str) -> None:
        # bwrap makes missing parents 0700 as root, which would lock the dropped uid out.
        parts = Path(path).parts[1:-1]
        for depth in range(1, len(parts) + 1):
            ancestor = "/" + "/".join(parts[:depth])
            if not self._exists_inside(ancestor):
                self.ops.append(["dir", ancestor])
                self._dirs.add(ancestor)

    def bind(self, src: str, dst: str, *, writable: bool = False) -> None:
        self._parents(dst)
        self.ops.append(["bind" if writable else "ro-bind", src, dst])
        self._mounts.append((dst, "bind"))

    def symlink(self, target: str, dst: str) -> None:
        self._parents(dst)
        self.ops.append(["symlink", target, dst])

    def tmpfs(self, dst: str, size: int, mode: int) -> None:
        self._parents(dst)
        self.ops.append(["tmpfs", dst, size, mode])
        self._mounts.append((dst, "tmpfs"))

    def special(self, kind: str, dst: str) -> None:
        self._parents(dst)
        self.ops.append([kind, dst])
        self._mounts.append((dst, "tmpfs"))


def _mount_plan(
    workdir: str, readonly: Sequence[str], packages: Sequence[str], limits: Limits
) -> tuple[list[list[Any]], list[str]]:
    plan = _Plan()
    bound: list[str] = []
    # The private /tmp comes first: a virtual environment, a package or a read-only input may
    # live under the host's /tmp, and a later tmpfs would hide it.
    plan.tmpfs("/tmp", limits.tmp_bytes, 0o1777)
    plan.special("proc", "/proc")
    plan.special("dev", "/dev")
    plan.tmpfs("/dev/shm", limits.tmp_bytes, 0o1777)

    def bind_ro(path: str) -> None:
        if not any(_under(path, done) for done in bound):
            plan.bind(path, path)
            bound.append(path)

    # /usr holds the dynamic loader and the C libraries NumPy needs; /etc, /home, /root, /work,
    # /var, /opt stay out entirely.
    bind_ro("/usr")
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            plan.symlink(os.readlink(path), path)
        elif os.path.isdir(path):
            bind_ro(path)
    if os.path.isfile("/etc/ld.so.cache"):
        plan.bind("/etc/ld.so.cache", "/etc/ld.so.cache")
    for root in _python_roots():
        if os.path.isdir(root):
            bind_ro(root)

    masks = [path for path in _host_site_dirs() if any(_under(path, done) for done in bound)]
    for mask in masks:
        plan.tmpfs(mask, _MASK_BYTES, 0o755)
    pythonpath: list[str] = []
    for path in packages:
        if any(_under(path, mask) for mask in masks) or not any(_under(path, done) for done in bound):
            plan.bind(path, path)
        if not path.endswith((".libs", ".dist-info")):
            pythonpath.append(os.path.dirname(path))
    for mask in masks:
        plan.ops.append(["remount-ro", mask])

    # A read-only path inside workdir must be mounted after it, or workdir's bind would hide it.
    for path in readonly:
        if not _under(path, workdir):
            plan.bind(path, path)
    plan.bind(workdir, workdir, writable=True)
    for path in readonly:
        if _under(path, workdir):
            plan.bind(path, path)
    return plan.ops, list(dict.fromkeys(pythonpath))


def _private_site(directory: Path, packages: Sequence[str]) -> list[str]:
    """For "rlimits only": symlinks to the allowed packages, and a sitecustomize that takes the
    host's site directories off ``sys.path``. Hides torch & co. from imports, not from reads."""
    directory.chmod(0o755)
    for path in packages:
        (directory / os.path.basename(path)).symlink_to(path)
    hidden = _host_site_dirs()
    (directory / "sitecustomize.py").write_text(
        f"import sys\n_HIDDEN = set({hidden!r})\nsys.path[:] = [p for p in sys.path if p not in _HIDDEN]\n",
        encoding="utf-8",
    )
    return [str(directory)]


def _environment(
    workdir: str, pythonpath: Sequence[str], extra: Mapping[str, str] | None, level: str
) -> dict[str, str]:
    bindir = os.path.dirname(os.path.abspath(sys.executable))
    environment = {
        "PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin",
        "HOME": workdir,
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONNOUSERSITE": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "OPENBLAS_NUM_THREADS": "1",
    }
    if level == RLIMITS_ONLY:
        environment["TMPDIR"] = workdir  # the host's /tmp is shared at this level
    extra = dict(extra or {})
    paths = [p for p in extra.pop("PYTHONPATH", "").split(os.pathsep) if p] + list(pythonpath)
    environment.update(extra)
    if paths:
        environment["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return environment


# --- limits and the commands ------------------------------------------------------------------

_PRLIMIT_OPTIONS = {
    "RLIMIT_CPU": "--cpu",
    "RLIMIT_AS": "--as",
    "RLIMIT_FSIZE": "--fsize",
    "RLIMIT_NPROC": "--nproc",
    "RLIMIT_NOFILE": "--nofile",
    "RLIMIT_CORE": "--core",
}


def _rlimits(limits: Limits, level: str, as_root: bool, uid: int) -> dict[str, list[int]]:
    """(soft, hard) per rlimit, never above what the grader itself is allowed."""
    cpu = math.ceil(limits.cpu_seconds)
    processes = limits.processes
    if not as_root:
        # Without a uid of its own, the worker's NPROC count includes the grader's own tasks
        # (and, under bubblewrap, bwrap's outer process and its init).
        processes += _uid_tasks(uid) + (2 if level == BUBBLEWRAP else 0)
    wanted = {
        "RLIMIT_CPU": (cpu, cpu + 1),  # SIGXCPU first, SIGKILL a second later if it is caught
        "RLIMIT_AS": (limits.memory_bytes, limits.memory_bytes),
        "RLIMIT_FSIZE": (limits.file_bytes, limits.file_bytes),
        "RLIMIT_NPROC": (processes, processes),
        "RLIMIT_NOFILE": (limits.open_files, limits.open_files),
        "RLIMIT_CORE": (0, 0),
    }
    result: dict[str, list[int]] = {}
    for name, (soft, hard) in wanted.items():
        _, current = resource.getrlimit(getattr(resource, name))
        if current != resource.RLIM_INFINITY:
            soft, hard = min(soft, current), min(hard, current)
        result[name] = [soft, hard]
    return result


def _prlimit_command(rlimits: Mapping[str, Sequence[int]]) -> list[str]:
    # prlimit(1) rather than preexec_fn: preexec_fn can deadlock a grader that uses threads.
    command = [_tool("prlimit")]
    for name, (soft, hard) in rlimits.items():
        command.append(f"{_PRLIMIT_OPTIONS[name]}={soft}:{hard}")
    return [*command, "--"]


def _bwrap_namespace_flags(as_root: bool) -> list[str]:
    if as_root:
        # No user namespace: it would map the worker to host uid 0. setpriv drops to the slot's
        # uid instead and needs SETUID/SETGID (and SETPCAP to empty the bounding set) for that;
        # DAC_READ_SEARCH lets bwrap chdir into the 0700 workdir that the slot's uid owns.
        return [
            "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP",
            "--cap-add", "CAP_DAC_READ_SEARCH", "--die-with-parent", "--new-session",
        ]  # fmt: skip
    return [
        "--unshare-all",
        "--unshare-user",
        "--disable-userns",
        "--cap-drop",
        "ALL",
        "--die-with-parent",
        "--new-session",
    ]


def _bwrap_command(plan: Sequence[Sequence[Any]], workdir: str, as_root: bool) -> list[str]:
    command = [_tool("bwrap"), *_bwrap_namespace_flags(as_root), "--hostname", "sandbox"]
    for op in plan:
        kind = op[0]
        if kind == "dir":
            command += ["--perms", "0755", "--dir", op[1]]
        elif kind in ("ro-bind", "bind"):
            command += [f"--{kind}", op[1], op[2]]
        elif kind == "symlink":
            command += ["--symlink", op[1], op[2]]
        elif kind == "tmpfs":
            command += ["--perms", f"{op[3]:04o}", "--size", str(op[2]), "--tmpfs", op[1]]
        elif kind in ("remount-ro", "proc", "dev"):
            command += [f"--{kind}", op[1]]
        else:
            raise ValueError(kind)
    return [*command, "--chdir", workdir, "--"]


# --- running and watching ---------------------------------------------------------------------


class _Capture:
    """Keeps the first and last ``keep // 2`` bytes of a stream and counts the rest."""

    def __init__(self, keep: int) -> None:
        self.head_room = keep // 2
        self.tail_room = keep - self.head_room
        self.head = bytearray()
        self.tail = bytearray()
        self.total = 0

    def feed(self, data: bytes) -> None:
        self.total += len(data)
        room = self.head_room - len(self.head)
        if room > 0:
            self.head += data[:room]
            data = data[room:]
        if data and self.tail_room:
            self.tail += data[-self.tail_room :]
            if len(self.tail) > self.tail_room:
                del self.tail[: len(self.tail) - self.tail_room]

    def text(self) -> str:
        cut = self.total - len(self.head) - len(self.tail)
        head = self.head.decode("utf-8", errors="replace")
        tail = self.tail.decode("utf-8", errors="replace")
        if cut <= 0:
            return (self.head + self.tail).decode("utf-8", errors="replace")
        return f"{head}\n[... {cut} bytes cut]\n{tail}"


def _supervise(
    command: list[str],
    *,
    cwd: str,
    workdir: str,
    env: dict[str, str],
    pass_fds: Sequence[int],  # closed here once the child has them
    popen_kwargs: dict[str, Any],
    limits: Limits,
    uid: int | None,
    wrapped: bool,
    cpu_known: bool,
    info_fd: int | None = None,
) -> SandboxResult:
    start = time.monotonic()
    deadline = start + limits.wall_seconds
    try:
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=cwd,
            env=env,
            pass_fds=tuple(pass_fds),
            start_new_session=True,
            **popen_kwargs,
        )
    except PermissionError as error:
        raise SandboxError(f"cannot start the worker as uid {uid}: {error}") from error
    finally:
        for fd in pass_fds:
            os.close(fd)  # the child has them now; bwrap's info pipe must close for its EOF
    with _RUNNING_LOCK:
        _RUNNING.add(process.pid)
    assert process.stdout is not None and process.stderr is not None
    out, err = _Capture(limits.output_bytes), _Capture(limits.output_bytes)
    captures = {process.stdout.fileno(): out, process.stderr.fileno(): err}
    selector = selectors.DefaultSelector()
    for fd in captures:
        os.set_blocking(fd, False)
        selector.register(fd, selectors.EVENT_READ)
    init = _InitWatch(info_fd, selector) if info_fd is not None else None
    try:
        pidfd: int | None = os.pidfd_open(process.pid)
        selector.register(pidfd, selectors.EVENT_READ)
    except (AttributeError, OSError):
        pidfd = None  # old kernel: poll for the exit instead

    disk = _DiskWatch(workdir, limits, uid, process.pid)
    killed_for: str | None = None
    exited = False
    try:
        while not (exited and len(selector.get_map()) == 0):
            now = time.monotonic()
            remaining = deadline - now
            if remaining <= 0:
                killed_for = LIMIT_WALL
                break
            if now >= disk.next_scan and disk.over(processes=True):
                killed_for = LIMIT_DISK
                break
            timeout = remaining if pidfd is not None else min(remaining, 0.02)
            timeout = min(timeout, max(0.0, disk.next_scan - now))
            for key, _ in selector.select(timeout):
                if key.fd == pidfd:
                    selector.unregister(pidfd)
                    exited = True
                elif init is not None and key.fd == init.info_fd:
                    init.read()
                elif _read_into(key.fd, captures[key.fd], selector) > limits.output_kill_bytes:
                    killed_for = LIMIT_OUTPUT
            if killed_for:
                break
            if not exited and _has_exited(process.pid):
                exited = True
                if pidfd is not None:
                    selector.unregister(pidfd)
            if exited and init is not None and init.info_fd in selector.get_map():
                init.read()  # bwrap died before writing it: nothing to wait for
            if exited and any(fd in selector.get_map() for fd in captures):
                # The worker is gone but something it started holds the pipes ("rlimits only"):
                # kill the rest now rather than wait for the wall clock.
                break
        _kill_everything(process.pid, uid)
        status, usage = _reap(process)
        if pidfd is not None and pidfd in selector.get_map():
            selector.unregister(pidfd)
        if init is not None:
            init.wait()
        drain_until = time.monotonic() + _DRAIN_SECONDS
        while selector.get_map() and time.monotonic() < drain_until:
            for key, _ in selector.select(max(0.0, drain_until - time.monotonic())):
                _read_into(key.fd, captures[key.fd], selector)
    finally:
        if process.returncode is None:
            _kill_everything(process.pid, uid)
            _reap(process)
        if init is not None:
            init.close()
        selector.close()
        if pidfd is not None:
            os.close(pidfd)
        process.stdout.close()
        process.stderr.close()

    wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    if wrapped and 128 < code < 128 + signal.NSIG:
        code = 128 - code  # bwrap and the init stub report "killed by signal n" as exit 128 + n
    stdout, stderr = out.text(), err.text()
    cpu = usage.ru_utime + usage.ru_stime if cpu_known else None
    returncode = None if killed_for else code
    # What it wrote just before it ended, faster than the scans came, counts too.
    limit = killed_for or (LIMIT_DISK if disk.over(processes=False) else None)
    limit = limit or _diagnose(code, stderr, cpu, wall, usage.ru_maxrss * 1024, limits)
    return SandboxResult(returncode, stdout, stderr, wall, limit, isolation="", cpu_seconds=cpu)


class _InitWatch:
    """Waits for bwrap's init (PID 1 of the worker's namespace) to be gone.

    bwrap's outer process exits as soon as its init reports the worker's status, while the
    init, and the kernel's killing of everything left in the namespace, may still be under way.
    The init's pidfd turns readable only once every other process of the namespace is dead,
    so waiting for it makes "nothing survives the run" hold without root's uid sweep too.
    """

    def __init__(self, info_fd: int, selector: selectors.BaseSelector) -> None:
        self.info_fd = info_fd
        self.selector = selector
        self.buffer = b""
        self.pidfd: int | None = None
        os.set_blocking(info_fd, False)
        selector.register(info_fd, selectors.EVENT_READ)

    def read(self) -> None:
        try:
            data = os.read(self.info_fd, 4096)
        except BlockingIOError:
            return
        self.buffer += data
        if data and len(self.buffer) < 1 << 16:
            return
        self.selector.unregister(self.info_fd)
        with contextlib.suppress(ValueError, KeyError, TypeError, OSError):
            info = json.loads(self.buffer)
            pid = int(info["child-pid"])
            pidfd = os.pidfd_open(pid)
            # pid_max may be small: make sure the pid still names that namespace's init.
            if os.stat(f"/proc/{pid}/ns/pid").st_ino == int(info["pid-namespace"]):
                self.pidfd = pidfd
            else:
                os.close(pidfd)

    def wait(self) -> None:
        if self.info_fd in self.selector.get_map():
            self.read()
        if self.pidfd is not None and not select.select([self.pidfd], [], [], _SWEEP_SECONDS)[0]:
            warnings.warn("the sandbox's PID namespace outlived its run", SandboxWarning, stacklevel=4)

    def close(self) -> None:
        if self.info_fd in self.selector.get_map():
            self.selector.unregister(self.info_fd)
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None


class _DiskWatch:
    """Measures the disk space the worker takes, for ``Limits.disk_bytes`` and ``disk_files``.

    That is the blocks of everything in ``workdir`` (``_tree_usage``) and of the files the
    worker's processes hold open or mapped after deleting them (``_held_deleted``): a deleted
    file keeps its blocks until the last descriptor or mapping goes. Scans come every
    ``_DISK_SCAN_SECONDS``, or rarer when a scan takes long, so they cost the grader at most
    ~1/_DISK_SCAN_SHARE of a core.
    """

    def __init__(self, workdir: str, limits: Limits, uid: int | None, leader: int) -> None:
        self.workdir = workdir
        self.limits = limits
        self.uid = uid
        self.leader = leader
        self.next_scan = time.monotonic() + _DISK_SCAN_SECONDS

    def over(self, *, processes: bool) -> bool:
        started = time.monotonic()
        seen: set[tuple[int, int]] = set()
        used, entries = _tree_usage(self.workdir, self.limits.disk_bytes, self.limits.disk_files, seen)
        if processes and used <= self.limits.disk_bytes and entries <= self.limits.disk_files:
            pids = _uid_processes(self.uid) if self.uid is not None else _descendants(self.leader)
            used += _held_deleted(pids, self.workdir, self.limits.file_bytes, seen)
        took = time.monotonic() - started
        self.next_scan = time.monotonic() + max(_DISK_SCAN_SECONDS, _DISK_SCAN_SHARE * took)
        return used > self.limits.disk_bytes or entries > self.limits.disk_files


def _tree_usage(root: str, max_bytes: int, max_entries: int, seen: set[tuple[int, int]]) -> tuple[int, int]:
    """Bytes of disk (blocks, so a sparse file counts what it takes) and entries under ``root``.

    Walks by directory descriptors, never following a symlink, so neither a link nor a path
    longer than PATH_MAX leads it astray; a file with several hard links counts once. Stops
    once a count passes its maximum. A folder nested deeper than ``_DISK_SCAN_DEPTH`` or one
    it may not read (only a worker that hides its files makes one) counts as over the entries.
    Entries that vanish or change meanwhile are skipped.
    """
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
    over = (0, max_entries + 1)
    used = entries = 0
    stack: list[int] = []  # a descriptor per level of the walk, down to the folder being read
    pending: list[list[str]] = [[root]]  # per level: the folders still to read in it
    try:
        while pending:
            if used > max_bytes or entries > max_entries:
                break
            if not pending[-1]:
                pending.pop()
                if stack:
                    os.close(stack.pop())
                continue
            name = pending[-1].pop()
            if len(stack) >= _DISK_SCAN_DEPTH:
                return over
            try:
                fd = os.open(name, flags, dir_fd=stack[-1] if stack else None)
            except PermissionError:
                return over
            except OSError:
                continue
            stack.append(fd)
            try:
                level_used, level_entries, folders = _read_folder(fd, seen)
            except PermissionError:
                return over
            except OSError:
                level_used, level_entries, folders = 0, 0, []
            used += level_used
            entries += level_entries
            pending.append(folders)
    finally:
        for fd in stack:
            os.close(fd)
    return used, entries


def _read_folder(fd: int, seen: set[tuple[int, int]]) -> tuple[int, int, list[str]]:
    """Blocks (in bytes) and entries of the open folder ``fd``, and the names of its subfolders.

    Raises PermissionError for an entry it may not look at."""
    used = entries = 0
    folders: list[str] = []
    with os.scandir(fd) as listing:
        for entry in listing:
            entries += 1
            try:
                info = entry.stat(follow_symlinks=False)
            except PermissionError:
                raise
            except OSError:
                continue
            if stat.S_ISDIR(info.st_mode):
                folders.append(entry.name)
            elif info.st_nlink > 1:
                if (info.st_dev, info.st_ino) in seen:
                    continue
                seen.add((info.st_dev, info.st_ino))
            used += info.st_blocks * 512
    return used, entries, folders


def _held_deleted(pids: Sequence[int], workdir: str, file_bytes: int, seen: set[tuple[int, int]]) -> int:
    """Bytes of disk taken by deleted files that the processes ``pids`` still hold open or mapped.

    Mappings are sized through /proc/PID/map_files, which only root may read; without root, a
    deleted mapped file that was in ``workdir`` counts as ``file_bytes``, the most it can hold.
    Shared memory (memfd, SysV, shared anonymous maps) is not on disk and does not count.
    """
    used = 0
    for pid in pids:
        base = f"/proc/{pid}"
        with contextlib.suppress(OSError):
            for fd in os.listdir(f"{base}/fd"):
                with contextlib.suppress(OSError):
                    info = os.stat(f"{base}/fd/{fd}")
                    if not stat.S_ISREG(info.st_mode) or info.st_nlink or (info.st_dev, info.st_ino) in seen:
                        continue
                    if os.readlink(f"{base}/fd/{fd}").startswith(_NOT_ON_DISK):
                        continue
                    seen.add((info.st_dev, info.st_ino))
                    used += info.st_blocks * 512
        try:
            with open(f"{base}/maps", encoding="utf-8", errors="replace") as maps:
                lines = [line.rstrip("\n") for line in maps if line.rstrip("\n").endswith(" (deleted)")]
        except OSError:
            continue
        for line in lines:
            fields = line.split(maxsplit=5)
            if len(fields) < 6 or fields[5].startswith(_NOT_ON_DISK):
                continue
            try:
                # maps pads addresses to 8 hex digits; map_files names them without leading zeros.
                start, end = (int(address, 16) for address in fields[0].split("-"))
                info = os.stat(f"{base}/map_files/{start:x}-{end:x}")
            except PermissionError:
                key = (-1, hash((fields[3], fields[4])))
                if _under(fields[5][: -len(" (deleted)")], workdir) and key not in seen:
                    seen.add(key)
                    used += file_bytes
                continue
            except (OSError, ValueError):
                continue
            if stat.S_ISREG(info.st_mode) and not info.st_nlink and (info.st_dev, info.st_ino) not in seen:
                seen.add((info.st_dev, info.st_ino))
                used += info.st_blocks * 512
    return used


def _descendants(leader: int) -> list[int]:
    """``leader`` and every process below it (without root, the worker's processes)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", encoding="ascii", errors="replace") as status:
                parent = int(status.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry.name))
    found = [leader]
    for pid in found:
        found.extend(children.get(pid, []))
    return found


def _read_into(fd: int, capture: _Capture, selector: selectors.BaseSelector) -> int:
    try:
        data = os.read(fd, 1 << 16)
    except BlockingIOError:
        return capture.total
    if data:
        capture.feed(data)
    else:
        selector.unregister(fd)
    return capture.total


def _has_exited(pid: int) -> bool:
    # WNOWAIT leaves the zombie in place, so its pid and process group cannot be reused before
    # _kill_everything has signalled the group.
    return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None


def _reap(process: subprocess.Popen[bytes]) -> tuple[int, resource.struct_rusage]:
    with _RUNNING_LOCK:
        # Before the wait: once reaped, the pid (and so the group id) may be reused.
        _RUNNING.discard(process.pid)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)  # Popen must not wait for it again
    return status, usage


def kill_running() -> None:
    """SIGKILL every worker this process runs now: each ``run_sandboxed`` then returns at once
    (as killed), instead of at its time limit. For stopping a whole run, e.g. on Ctrl-C."""
    with _RUNNING_LOCK:  # held, so that no group in the set is reaped (and reused) meanwhile
        for group in _RUNNING:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(group, signal.SIGKILL)


def _kill_everything(pid: int, uid: int | None) -> None:
    """Kill the wrapper's process group (the namespaces die with it) and, when root, every
    process that still runs as the slot's uid (what "rlimits only" has started)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)
    if uid is not None:
        _kill_uid(uid)


def _diagnose(code: int, stderr: str, cpu: float | None, wall: float, max_rss: int, limits: Limits) -> str | None:
    if code == 0:
        return None
    # A worker that ignores SIGXCPU gets SIGKILL at the hard limit; without its CPU time, the
    # wall time (which bounds a single thread's CPU time from above) is the best evidence left.
    used = cpu if cpu is not None else wall
    if code == -signal.SIGXCPU or (code == -signal.SIGKILL and used >= math.ceil(limits.cpu_seconds)):
        return LIMIT_CPU
    if code == -signal.SIGXFSZ or "File too large" in stderr or "EFBIG" in stderr:
        return LIMIT_FILE_SIZE
    if "MemoryError" in stderr or "Cannot allocate memory" in stderr or "bad_alloc" in stderr:
        return LIMIT_MEMORY
    if code == -signal.SIGKILL and max_rss >= 0.9 * limits.memory_bytes:
        return LIMIT_MEMORY
    if "BlockingIOError" in stderr or "Resource temporarily unavailable" in stderr:
        return LIMIT_PROCESSES
    return None


# --- uids and their processes -----------------------------------------------------------------


def _chown_tree(root: Path, uid: int, gid: int) -> None:
    os.chown(root, uid, gid, follow_symlinks=False)
    os.chmod(root, 0o700)
    for directory, subdirs, files in os.walk(root):
        for name in subdirs + files:
            os.chown(os.path.join(directory, name), uid, gid, follow_symlinks=False)


def _uid_processes(uid: int) -> list[int]:
    """Live (not zombie) processes with ``uid`` as any of their uids."""
    pids: list[int] = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="ascii", errors="replace") as status:
                fields = dict(line.split(":", 1) for line in status if ":" in line)
        except OSError:
            continue
        if fields.get("State", "").strip().startswith("Z"):
            continue
        if str(uid) in fields.get("Uid", "").split():
            pids.append(int(entry.name))
    return pids


def _uid_tasks(uid: int) -> int:
    """Threads of all processes of ``uid``: what RLIMIT_NPROC counts."""
    tasks = 0
    for pid in _uid_processes(uid):
        with contextlib.suppress(OSError, ValueError):
            tasks += len(os.listdir(f"/proc/{pid}/task"))
    return tasks


def _kill_uid(uid: int) -> None:
    """SIGKILL every process of ``uid`` (root only): kill(-1) sent *as* that uid reaches exactly
    its processes, in one sweep that a fork bomb cannot outrun."""
    deadline = time.monotonic() + _SWEEP_SECONDS
    while _uid_processes(uid):
        if time.monotonic() > deadline:
            raise SandboxError(f"processes of uid {uid} survive SIGKILL")
        subprocess.run(
            ["/bin/sh", "-c", "kill -KILL -1"],
            user=uid,
            group=uid,
            extra_groups=[],
            env={},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            check=False,
        )
        time.sleep(0.005)


# --- the init of the "namespaces" level -------------------------------------------------------
# Runs as root inside fresh namespaces made by unshare (python -I -S sandbox.py --ns-init SPEC),
# so it must need nothing but this file and the standard library.

_MS_RDONLY = 1
_MS_NOSUID = 2
_MS_NODEV = 4
_MS_NOEXEC = 8
_MS_REMOUNT = 32
_MS_BIND = 4096
_MS_REC = 16384
_MS_PRIVATE = 1 << 18
_PR_SET_PDEATHSIG = 1
_PR_SET_NO_NEW_PRIVS = 38
_DEVICES = ("null", "zero", "full", "random", "urandom")


def _ns_init(spec: dict[str, Any]) -> None:
    libc = ctypes.CDLL(None, use_errno=True)

    def mount(source: str | None, target: str, fstype: str | None, flags: int, data: str | None = None) -> None:
        def raw(text: str | None) -> bytes | None:
            return None if text is None else os.fsencode(text)

        if libc.mount(raw(source), raw(target), raw(fstype), ctypes.c_ulong(flags), raw(data)) != 0:
            code = ctypes.get_errno()
            raise OSError(code, f"mount {source} on {target}: {os.strerror(code)}")

    def prctl(option: int, value: int) -> None:
        if libc.prctl(option, ctypes.c_ulong(value), ctypes.c_ulong(0), ctypes.c_ulong(0), ctypes.c_ulong(0)) != 0:
            raise OSError(ctypes.get_errno(), "prctl")

    life_fd = spec["life_fd"]
    os.set_inheritable(life_fd, False)
    os.umask(0o022)
    mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    root = spec["root"]
    mount("tmpfs", root, "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=0755,size=1m")
    for op in spec["ops"]:
        kind = op[0]
        target = root + (op[2] if kind in ("ro-bind", "bind", "symlink") else op[1])
        if kind == "dir":
            os.makedirs(target, mode=0o755, exist_ok=True)
        elif kind in ("ro-bind", "bind"):
            if os.path.isdir(op[1]):
                os.makedirs(target, exist_ok=True)
            else:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                open(target, "ab").close()
            mount(op[1], target, None, _MS_BIND | _MS_REC)
            ro = _MS_RDONLY if kind == "ro-bind" else 0
            mount(None, target, None, _MS_REMOUNT | _MS_BIND | _MS_NOSUID | _MS_NODEV | ro)
        elif kind == "symlink":
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.symlink(op[1], target)
        elif kind == "tmpfs":
            os.makedirs(target, exist_ok=True)
            mount("tmpfs", target, "tmpfs", _MS_NOSUID | _MS_NODEV, f"mode={op[3]:o},size={op[2]}")
        elif kind == "remount-ro":
            mount(None, target, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
        elif kind == "proc":
            os.makedirs(target, exist_ok=True)
            mount("proc", target, "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
        elif kind == "dev":
            os.makedirs(target, exist_ok=True)
            mount("tmpfs", target, "tmpfs", _MS_NOSUID | _MS_NOEXEC, "mode=0755,size=64k")
            for name in _DEVICES:
                node = os.path.join(target, name)
                open(node, "ab").close()
                mount(f"/dev/{name}", node, None, _MS_BIND)
            for name, link in (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"),
                               ("stderr", "/proc/self/fd/2")):  # fmt: skip
                os.symlink(link, os.path.join(target, name))
            os.mkdir(os.path.join(target, "shm"))
        else:
            raise ValueError(kind)
    mount(None, root, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | _MS_NOSUID | _MS_NODEV)
    os.chdir(root)
    os.chroot(".")
    os.chdir(spec["cwd"])

    # Installed before the fork so no SIGCHLD is missed; exec resets both in the worker.
    wake_read, wake_write = os.pipe()
    os.set_blocking(wake_write, False)
    signal.set_wakeup_fd(wake_write)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    child = os.fork()
    if child == 0:
        try:
            os.close(life_fd)
            os.setsid()
            os.setgroups([])
            os.setresgid(spec["gid"], spec["gid"], spec["gid"])
            os.setresuid(spec["uid"], spec["uid"], spec["uid"])
            prctl(_PR_SET_NO_NEW_PRIVS, 1)
            for name, (soft, hard) in spec["rlimits"].items():
                resource.setrlimit(getattr(resource, name), (soft, hard))
            os.execvpe(spec["argv"][0], spec["argv"], spec["env"])
        except BaseException as error:
            os.write(2, f"sandbox: cannot start {spec['argv'][0]}: {error}\n".encode())
        os._exit(127)

    # PID 1: reap orphans until the worker exits; exiting then tears the namespace down, which
    # kills everything the worker left behind. Runs as nobody so the worker cannot touch it.
    os.setgroups([])
    os.setresgid(INIT_UID, INIT_UID, INIT_UID)
    os.setresuid(INIT_UID, INIT_UID, INIT_UID)
    prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)  # setresuid cleared the one unshare --kill-child set
    while True:
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                os._exit(127)
            if pid == child:
                code = os.waitstatus_to_exitcode(status)
                os._exit(code if code >= 0 else 128 - code)
            if pid == 0:
                break
        readable, _, _ = select.select([life_fd, wake_read], [], [])
        if life_fd in readable and not os.read(life_fd, 1):
            os._exit(128 + signal.SIGKILL)  # the grader is gone: so is the worker
        if wake_read in readable:
            os.read(wake_read, 4096)


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--ns-init":
    _ns_init(json.loads(sys.argv[2]))
