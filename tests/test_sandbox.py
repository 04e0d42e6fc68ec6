"""Tests of grader.sandbox: limits, the private view of the machine, and hostile workers.

Every worker that attacks something (kills, forks, eats memory, fills the disk, floods output,
writes outside its directory) runs through ``tests.confined``: the grader side of the test runs
in its own PID namespace under file-size and process caps, so a sandbox bug fails the test
instead of taking the session down. The ``_confined_*`` functions below are that confined side;
they return plain JSON. Benign workers (reads, imports, a socket connect) run in-process.
"""

from __future__ import annotations

import dataclasses
import json
import os
import resource
import shutil
import socket
import sys
import tempfile
import threading
import time
import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from grader import sandbox
from grader.sandbox import Limits, SandboxResult, SandboxWarning, run_sandboxed
from tests.confined import call_confined, requires_namespaces

HOSTILE = Path(__file__).resolve().parent / "hostile"
REPO = Path(__file__).resolve().parent.parent
AS_ROOT = os.geteuid() == 0
NAMESPACE_LEVELS = [
    pytest.param(
        level,
        marks=pytest.mark.skipif(level not in sandbox.available_levels(), reason=f"{level} not available here"),
    )
    for level in (sandbox.BUBBLEWRAP, sandbox.NAMESPACES)
]
# The strongest level with namespaces, for the hostile tests that need only one level.
STRONGEST = next((lvl for lvl in sandbox.available_levels() if lvl != sandbox.RLIMITS_ONLY), None)
requires_isolation = pytest.mark.skipif(STRONGEST is None, reason="neither bubblewrap nor namespaces work here")
# As root, "rlimits only" runs the worker as the slot's uid, which cannot reach a Python under
# /root (pyenv); Debian's own interpreter is readable by everyone.
SYSTEM_PYTHON = "/usr/bin/python3"
RLIMITS_PYTHON = SYSTEM_PYTHON if AS_ROOT else sys.executable


def _python_for(level: str) -> str:
    return RLIMITS_PYTHON if level == sandbox.RLIMITS_ONLY else sys.executable


def _scratch() -> Path:
    """A fresh directory whose parents the slot's uid may traverse (needed by "rlimits only")."""
    base = Path(tempfile.mkdtemp(prefix="nnkata-sandbox-test-"))
    base.chmod(0o711)
    return base


@pytest.fixture
def scratch() -> Iterator[Path]:
    base = _scratch()
    yield base
    shutil.rmtree(base, ignore_errors=True)


def _run(level: str, script: str, *args: str, workdir: Path, **kwargs: Any) -> SandboxResult:
    """Hand in ``script`` (copied into workdir, as a learner's file would be) and run it."""
    workdir.mkdir(parents=True, exist_ok=True)
    shutil.copy(HOSTILE / script, workdir / script)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SandboxWarning)
        return run_sandboxed([_python_for(level), script, *args], workdir, isolation=level, **kwargs)


# --- the confined side (runs inside tests.confined; returns JSON) ------------------------------


def _leftovers() -> list[str]:
    """Live processes in the confinement other than this one (it is PID 1 there)."""
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            status = Path(f"/proc/{entry.name}/status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if not fields.get("State", "").strip().startswith("Z"):
            found.append(f"{entry.name} uid={fields.get('Uid', '').split()[:1]} {fields.get('Name', '').strip()}")
    return found


def _confined_run(level: str, script: str, args: list[str], limits: dict[str, Any], slot: int = 0) -> dict[str, Any]:
    base = _scratch()
    workdir = base / "work"
    try:
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        result = _run(level, script, *args, workdir=workdir, limits=Limits(**limits), slot=slot)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {
            "result": dataclasses.asdict(result),
            "files": {path.name: path.stat().st_size for path in workdir.iterdir()},
            "leftovers": _leftovers(),
            "uid_left": sandbox._uid_processes(sandbox.UID_BASE + slot) if AS_ROOT else [],
            "rss_growth_kib": rss_after - rss_before,
            "workdir": str(workdir),
        }
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _confined_kill_all(level: str) -> dict[str, Any]:
    """A bystander sandbox (slot 1) runs while a killer (slot 2) tries to kill everything."""
    base = _scratch()
    outcome: dict[str, Any] = {}

    def victim() -> None:
        outcome["victim"] = _run(level, "victim.py", workdir=base / "victim", slot=1, limits=Limits(wall_seconds=20))

    thread = threading.Thread(target=victim)
    thread.start()
    try:
        time.sleep(0.4)
        outcome["killer"] = _run(level, "kill_all.py", workdir=base / "killer", slot=2, limits=Limits(wall_seconds=20))
    finally:
        thread.join()
    try:
        return {
            "victim": dataclasses.asdict(outcome["victim"]),
            "killer": dataclasses.asdict(outcome["killer"]),
            "victim_files": sorted(path.name for path in (base / "victim").iterdir()),
            "leftovers": _leftovers(),
        }
    finally:
        shutil.rmtree(base, ignore_errors=True)


def _confined_write_outside(level: str, tag: str) -> dict[str, Any]:
    base = _scratch()
    workdir = base / "work"
    targets = [
        f"/tmp/{tag}",
        f"/work/{tag}",
        f"{base}/{tag}",
        f"/root/{tag}",
        f"{sys.prefix}/{tag}",
        f"/usr/{tag}",
        f"/{tag}",
        f"/dev/shm/{tag}",
        f"{REPO}/{tag}",
        f"{workdir}/{tag}",  # the one place that must work
    ]
    try:
        result = _run(level, "write_outside.py", *targets, workdir=workdir)
    finally:
        on_host = [path for path in targets if os.path.exists(path)]
        for path in on_host:
            if not path.startswith(str(workdir)):
                os.unlink(path)  # a sandbox bug must not leave litter behind
        shutil.rmtree(base, ignore_errors=True)
    return {"result": dataclasses.asdict(result), "on_host": on_host, "workdir": str(workdir)}


def _call(function: str, *args: Any, timeout: float = 40.0) -> Any:
    return call_confined(__file__, function, *args, timeout=timeout)


# --- plain behaviour --------------------------------------------------------------------------


@pytest.mark.parametrize("level", NAMESPACE_LEVELS)
def test_normal_script_runs_and_writes_in_workdir(level: str, scratch: Path) -> None:
    workdir = scratch / "work"
    result = _run(level, "report.py", "numpy", workdir=workdir)
    assert result.returncode == 0, result.stderr
    assert result.limit_hit is None
    assert result.isolation == level
    assert (workdir / "result.txt").read_text() == "42\n"
    report = json.loads(result.stdout)
    assert report["cwd"] == str(workdir)
    assert report["modules"] == {"numpy": "ok"}
    if AS_ROOT:
        assert report["uid"] == report["gid"] == sandbox.UID_BASE  # slot 0, not root
        assert (workdir / "result.txt").stat().st_uid == sandbox.UID_BASE
    assert 0 < result.wall_seconds < 10


@pytest.mark.parametrize("level", NAMESPACE_LEVELS)
def test_only_the_allowed_packages_are_importable(level: str, scratch: Path) -> None:
    result = _run(level, "report.py", "numpy", "pytest", "torch", "scipy", "_pytest", workdir=scratch / "w")
    report = json.loads(result.stdout)
    assert report["modules"]["numpy"] == "ok"
    for name in ("pytest", "torch", "scipy", "_pytest"):
        assert report["modules"][name] == "ModuleNotFoundError", name
    # The site directories the worker sees hold numpy and nothing else.
    for path, listing in report["site_listing"].items():
        assert all(name.startswith("numpy") for name in listing), (path, listing)


@pytest.mark.parametrize("level", NAMESPACE_LEVELS)
def test_environment_is_scrubbed(level: str, scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NNKATA_TEST_SECRET", "hunter2")
    workdir = scratch / "w"
    result = _run(level, "report.py", workdir=workdir, env={"NNKATA_GIVEN": "yes"})
    seen = json.loads(result.stdout)["env"]
    assert "NNKATA_TEST_SECRET" not in seen
    assert "hunter2" not in json.dumps(seen)
    assert seen["NNKATA_GIVEN"] == "yes"
    assert seen["HOME"] == str(workdir)
    assert seen["LANG"] == "C.UTF-8"
    assert seen["OPENBLAS_NUM_THREADS"] == seen["OMP_NUM_THREADS"] == seen["MKL_NUM_THREADS"] == "1"
    assert seen["PYTHONDONTWRITEBYTECODE"] == "1"
    assert set(seen) <= {*sandbox._environment(str(workdir), ["x"], {"NNKATA_GIVEN": "yes"}, level), "PWD"}


@pytest.mark.parametrize("level", NAMESPACE_LEVELS)
def test_files_elsewhere_are_unreadable_and_readonly_paths_readable(level: str, scratch: Path) -> None:
    # World-readable on the host: only the sandbox's view of the file system hides it.
    secrets = scratch / "other-hand-in"
    secrets.mkdir(mode=0o755)
    (secrets / "solution.py").write_text("SECRET = 'hunter2'\n")
    (secrets / "solution.py").chmod(0o644)
    shared = scratch / "shared-data.txt"
    shared.write_text("public data\n")
    shared.chmod(0o644)
    wanted = [str(secrets / "solution.py"), str(secrets), str(REPO / "pyproject.toml"), "/root", "/work"]
    wanted += ["/etc/passwd", "/home", str(shared)]
    result = _run(level, "read_files.py", *wanted, workdir=scratch / "w", readonly=[shared])
    assert result.returncode == 0, result.stderr
    outcomes = {line["path"]: line for line in map(json.loads, result.stdout.splitlines())}
    assert outcomes[str(shared)] == {"path": str(shared), "read": "public data\n"}
    assert "hunter2" not in result.stdout
    # A directory on the way to something exposed (e.g. /root on the way to a pyenv Python) is
    # seen as a skeleton holding just that way on.
    exposed = [Path(sys.prefix), Path(sys.base_prefix), scratch / "w", shared]
    for path in wanted[:-1]:
        skeleton = {e.relative_to(path).parts[0] for e in exposed if e.is_relative_to(path) and e != Path(path)}
        assert "error" in outcomes[path] or set(outcomes[path]["read"]) <= skeleton, outcomes[path]


@pytest.mark.parametrize("level", NAMESPACE_LEVELS)
def test_a_readonly_file_inside_workdir_stays_readonly(level: str, scratch: Path) -> None:
    workdir = scratch / "w"
    workdir.mkdir()
    given = workdir / "given.txt"
    given.write_text("do not change\n")
    code = "open('given.txt', 'a').write('changed')"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SandboxWarning)
        result = run_sandboxed([sys.executable, "-c", code], workdir, readonly=[given], isolation=level)
    assert "Read-only file system" in result.stderr
    assert given.read_text() == "do not change\n"


@pytest.mark.parametrize("level", NAMESPACE_LEVELS)
def test_no_network(level: str, scratch: Path) -> None:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(5)
    port = server.getsockname()[1]

    def serve() -> None:
        with server:
            try:
                while True:
                    connection, _ = server.accept()
                    with connection:
                        connection.sendall(b"hello")
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    with socket.create_connection(("127.0.0.1", port), timeout=2) as control:  # the server works
        assert control.recv(5) == b"hello"
    result = _run(level, "connect.py", str(port), workdir=scratch / "w")
    server.close()
    assert result.stdout.startswith("refused:"), result.stdout + result.stderr


@requires_isolation
def test_output_is_cut_in_the_middle_with_a_marker(scratch: Path) -> None:
    code = "import sys\nsys.stdout.write('A' * 1000 + 'B' * 100000 + 'C' * 1000)\nsys.stderr.write('E' * 10)"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SandboxWarning)
        result = run_sandboxed(
            [sys.executable, "-c", code], scratch / "w", limits=Limits(output_bytes=2000), isolation=STRONGEST
        )
    assert result.stdout == "A" * 1000 + "\n[... 100000 bytes cut]\n" + "C" * 1000
    assert result.stderr == "E" * 10
    assert result.limit_hit is None
    assert result.returncode == 0


def test_capture_keeps_head_and_tail() -> None:
    capture = sandbox._Capture(6)
    for piece in (b"ab", b"cdef", b"ghij"):
        capture.feed(piece)
    assert capture.text() == "abc\n[... 4 bytes cut]\nhij"
    short = sandbox._Capture(100)
    short.feed(b"hello")
    assert short.text() == "hello"


# --- levels -----------------------------------------------------------------------------------


def test_isolation_level_reports_the_best_and_obeys_the_override(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(sandbox.ENV_VAR, raising=False)
    best = sandbox.isolation_level()
    assert best == sandbox.available_levels()[0]
    if shutil.which("bwrap"):
        assert best == sandbox.BUBBLEWRAP
    monkeypatch.setenv(sandbox.ENV_VAR, "rlimits")
    assert sandbox.isolation_level() == sandbox.RLIMITS_ONLY
    monkeypatch.setenv(sandbox.ENV_VAR, "namespaces")
    assert sandbox.isolation_level() == sandbox.NAMESPACES
    monkeypatch.setenv(sandbox.ENV_VAR, "chroot-ish")
    with pytest.raises(ValueError, match="unknown isolation level"):
        sandbox.isolation_level()


@pytest.mark.parametrize("level", [sandbox.NAMESPACES, sandbox.RLIMITS_ONLY])
def test_fallback_levels_warn_and_still_run(level: str, scratch: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    if level not in sandbox.available_levels():
        pytest.skip(f"{level} not available here")
    if AS_ROOT and level == sandbox.RLIMITS_ONLY and not os.path.exists(SYSTEM_PYTHON):
        pytest.skip("no interpreter that the dropped uid may execute")
    workdir = scratch / "w"
    workdir.mkdir()
    shutil.copy(HOSTILE / "report.py", workdir / "report.py")
    monkeypatch.setenv(sandbox.ENV_VAR, level)
    with pytest.warns(SandboxWarning, match=f"'{level}'" if level == sandbox.NAMESPACES else "rlimits only"):
        result = run_sandboxed([_python_for(level), "report.py"], workdir, python_packages=())
    assert result.isolation == level
    assert result.returncode == 0, result.stderr
    assert (workdir / "result.txt").read_text() == "42\n"
    if AS_ROOT:
        assert json.loads(result.stdout)["uid"] == sandbox.UID_BASE


def test_bad_arguments_are_refused(scratch: Path) -> None:
    with pytest.raises(ValueError):
        Limits(wall_seconds=0)
    with pytest.raises(ValueError):
        Limits(disk_bytes=0)
    with pytest.raises(ValueError):
        Limits(disk_files=0)
    with pytest.raises(ValueError):
        run_sandboxed([], scratch)
    with pytest.raises(ValueError):
        run_sandboxed([sys.executable, "-c", "pass"], scratch, slot=-1)
    with pytest.raises(FileNotFoundError):
        run_sandboxed([sys.executable, "-c", "pass"], scratch, readonly=[scratch / "missing"])
    with pytest.raises(sandbox.SandboxError, match="not installed"):
        run_sandboxed([sys.executable, "-c", "pass"], scratch, python_packages=["no_such_package_xyz"])


# --- hostile workers, confined ----------------------------------------------------------------


@requires_namespaces
@requires_isolation
def test_infinite_loop_hits_the_wall_clock() -> None:
    out = _call("_confined_run", STRONGEST, "spin.py", [], {"wall_seconds": 1, "cpu_seconds": 30})
    result = out["result"]
    assert result["limit_hit"] == "wall time"
    assert result["returncode"] is None
    assert 1 <= result["wall_seconds"] < 4
    assert out["leftovers"] == [] and out["uid_left"] == []


@requires_namespaces
@pytest.mark.parametrize("level", NAMESPACE_LEVELS)
def test_cpu_burner_hits_the_cpu_limit(level: str) -> None:
    out = _call("_confined_run", level, "spin.py", [], {"wall_seconds": 20, "cpu_seconds": 1})
    result = out["result"]
    assert result["limit_hit"] == "cpu time", result
    assert result["returncode"] == -24  # SIGXCPU
    assert result["wall_seconds"] < 5
    assert out["leftovers"] == []


@requires_namespaces
@requires_isolation
def test_memory_hog_is_contained() -> None:
    out = _call("_confined_run", STRONGEST, "eat_memory.py", [], {"memory_bytes": 512 * 1024**2})
    result = out["result"]
    assert result["limit_hit"] == "memory", result
    assert result["returncode"] == 1
    assert "MemoryError" in result["stderr"]
    assert out["leftovers"] == []


@requires_namespaces
@pytest.mark.parametrize("level", NAMESPACE_LEVELS)
def test_fork_bomb_is_contained_and_leaves_nothing(level: str) -> None:
    limits = {"wall_seconds": 2, "processes": 16}
    out = _call("_confined_run", level, "fork_bomb.py", [], limits)
    result = out["result"]
    assert "started" in out["files"]
    assert result["limit_hit"] in ("wall time", "processes"), result
    assert result["wall_seconds"] < 6
    assert out["leftovers"] == [] and out["uid_left"] == []


@requires_namespaces
@requires_isolation
def test_running_out_of_processes_is_reported() -> None:
    out = _call("_confined_run", STRONGEST, "many_processes.py", [], {"processes": 8, "wall_seconds": 20})
    result = out["result"]
    assert result["limit_hit"] == "processes", result
    assert "BlockingIOError" in result["stderr"]
    assert int(result["stdout"].split()[-1]) < 8  # its children counted against the same cap
    assert out["leftovers"] == [] and out["uid_left"] == []


@requires_namespaces
@requires_isolation
def test_a_gigabyte_of_output_is_cut_and_stopped() -> None:
    limits = {"output_bytes": 4096, "output_kill_bytes": 8 * 1024**2, "wall_seconds": 30}
    out = _call("_confined_run", STRONGEST, "print_forever.py", [], limits)
    result = out["result"]
    assert result["limit_hit"] == "output"
    assert result["returncode"] is None
    assert result["stdout"].startswith("y" * 2048) and result["stdout"].endswith("y" * 2048)
    assert "bytes cut]" in result["stdout"]
    assert len(result["stdout"]) < 4096 + 64
    assert result["stderr"] == "starting\n"
    assert result["wall_seconds"] < 5
    assert out["rss_growth_kib"] < 32 * 1024  # the grader kept no more than the cap
    assert out["leftovers"] == []


@requires_namespaces
@requires_isolation
def test_a_gigabyte_file_hits_the_file_size_limit() -> None:
    out = _call("_confined_run", STRONGEST, "big_file.py", [], {"file_bytes": 8 * 1024**2})
    result = out["result"]
    assert result["limit_hit"] == "file size", result
    assert "File too large" in result["stderr"]
    assert out["files"]["big.bin"] == 8 * 1024**2


DISK_LIMITS = {"disk_bytes": 4 * 1024**2, "disk_files": 100, "wall_seconds": 20}  # fill_disk.py writes <= 64 MiB


def _assert_stopped_for_disk(level: str, mode: str, count: str, slot: int) -> None:
    out = _call("_confined_run", level, "fill_disk.py", [mode, count], DISK_LIMITS, slot)
    result = out["result"]
    assert result["limit_hit"] == sandbox.LIMIT_DISK, result
    assert result["returncode"] is None  # killed by the sandbox, long before its wall time
    assert result["wall_seconds"] < 5
    assert out["leftovers"] == [] and out["uid_left"] == []


@requires_namespaces
@pytest.mark.parametrize("level", [*NAMESPACE_LEVELS, sandbox.RLIMITS_ONLY])
def test_many_files_hit_the_disk_limit(level: str) -> None:
    # Each file is within the file size limit: only the total stops it, while it waits.
    if level == sandbox.RLIMITS_ONLY and not os.path.exists(RLIMITS_PYTHON):
        pytest.skip("no interpreter that the dropped uid may execute")
    _assert_stopped_for_disk(level, "files", "64", 180)


@requires_namespaces
@requires_isolation
@pytest.mark.parametrize(
    "mode",
    [
        "deep",  # a folder whose path is longer than PATH_MAX
        "unlinked",  # deleted files kept by open descriptors
        "mapped",  # deleted files kept by mappings, their descriptors closed
        "empty",  # files without data, more of them than disk_files
    ],
)
def test_hidden_or_many_files_still_hit_the_disk_limit(mode: str) -> None:
    _assert_stopped_for_disk(STRONGEST, mode, "200" if mode == "empty" else "64", 181)


@requires_namespaces
@requires_isolation
def test_files_written_just_before_the_end_still_count() -> None:
    out = _call("_confined_run", STRONGEST, "fill_disk.py", ["exit", "16"], DISK_LIMITS, 182)
    result = out["result"]
    assert result["returncode"] == 0, result  # it ended by itself, before a scan came
    assert result["limit_hit"] == sandbox.LIMIT_DISK


@requires_namespaces
@pytest.mark.parametrize("level", [*NAMESPACE_LEVELS, sandbox.RLIMITS_ONLY])
def test_a_worker_within_the_disk_limit_is_unaffected(level: str) -> None:
    if level == sandbox.RLIMITS_ONLY and not os.path.exists(RLIMITS_PYTHON):
        pytest.skip("no interpreter that the dropped uid may execute")
    out = _call("_confined_run", level, "fill_disk.py", ["small", "8"], DISK_LIMITS, 183)
    result = out["result"]
    assert result["returncode"] == 0, result["stderr"]
    assert result["limit_hit"] is None
    assert result["stdout"] == "wrote 8\n"
    assert len(out["files"]) == 9


def test_disk_usage_counts_blocks_once_and_follows_no_link(scratch: Path) -> None:
    root = scratch / "w"
    (root / "a" / "b").mkdir(parents=True)
    (root / "a" / "b" / "data").write_bytes(b"x" * 1024**2)
    os.link(root / "a" / "b" / "data", root / "hard-link")  # the same blocks again
    with open(root / "sparse", "wb") as sparse:
        sparse.truncate(1024**3)  # a GiB long, no data
    outside = scratch / "outside"
    outside.write_bytes(b"y" * 4 * 1024**2)
    (root / "link").symlink_to(outside)
    (root / "link-to-folder").symlink_to(scratch)
    used, entries = sandbox._tree_usage(str(root), 1024**3, 1000, set())
    assert 1024**2 <= used < 1024**2 + 64 * 1024
    assert entries == 7
    # A tree that passes a cap is not read to its end.
    assert sandbox._tree_usage(str(root), 1024**3, 3, set())[1] <= 6
    assert sandbox._tree_usage(str(root), 1000, 1000, set())[0] > 1000


def test_disk_usage_reaches_past_path_max_and_stops_at_its_depth(scratch: Path) -> None:
    root = scratch / "w"
    root.mkdir()
    folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(30):  # 30 * 201 characters: far beyond PATH_MAX (4096)
            os.mkdir("d" * 200, dir_fd=folder)
            inner = os.open("d" * 200, os.O_RDONLY | os.O_DIRECTORY, dir_fd=folder)
            os.close(folder)
            folder = inner
        data = os.open("data", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=folder)
        os.write(data, b"z" * 2 * 1024**2)
        os.close(data)
        used, entries = sandbox._tree_usage(str(root), 1024**3, 1000, set())
        assert used >= 2 * 1024**2 and entries == 31
        for _ in range(sandbox._DISK_SCAN_DEPTH):
            os.mkdir("n", dir_fd=folder)
            inner = os.open("n", os.O_RDONLY | os.O_DIRECTORY, dir_fd=folder)
            os.close(folder)
            folder = inner
    finally:
        os.close(folder)
    assert sandbox._tree_usage(str(root), 1024**3, 1000, set())[1] > 1000  # too deep counts as over


@requires_namespaces
@pytest.mark.parametrize("level", NAMESPACE_LEVELS)
def test_writes_outside_workdir_go_nowhere(level: str) -> None:
    tag = f"nnkata-escape-{uuid.uuid4().hex[:10]}"
    out = _call("_confined_write_outside", level, tag)
    assert out["result"]["returncode"] == 0, out["result"]["stderr"]
    assert out["on_host"] == [f"{out['workdir']}/{tag}"]
    attempts = {line["path"]: line["outcome"] for line in map(json.loads, out["result"]["stdout"].splitlines())}
    assert attempts[f"{out['workdir']}/{tag}"] == "written"
    assert attempts[f"/usr/{tag}"] != "written"


@requires_namespaces
@pytest.mark.parametrize("level", NAMESPACE_LEVELS)
def test_killing_everything_spares_the_grader_and_other_sandboxes(level: str) -> None:
    out = _call("_confined_kill_all", level)  # returning at all means the grader survived
    killer, victim = out["killer"], out["victim"]
    assert killer["returncode"] == 0, killer["stderr"]
    assert "signals sent" in killer["stdout"]
    assert victim["returncode"] == 0, victim
    assert victim["stdout"] == "victim done\n"
    assert "alive" in out["victim_files"]
    assert out["leftovers"] == []


@requires_namespaces
@pytest.mark.parametrize("level", [*NAMESPACE_LEVELS, sandbox.RLIMITS_ONLY])
def test_a_double_forked_daemon_does_not_survive(level: str) -> None:
    if level == sandbox.RLIMITS_ONLY and not os.path.exists(RLIMITS_PYTHON):
        pytest.skip("no interpreter that the dropped uid may execute")
    if level == sandbox.RLIMITS_ONLY and not AS_ROOT:
        pytest.skip("without root, 'rlimits only' cannot kill a daemon that left the process group")
    out = _call("_confined_run", level, "daemon.py", [], {"wall_seconds": 20})
    result = out["result"]
    assert result["returncode"] == 0, result["stderr"]
    assert result["stdout"] == "parent leaves\n"
    assert "daemon-started" in out["files"]
    assert "daemon-survived" not in out["files"]
    assert result["wall_seconds"] < 5  # it did not wait for the daemon
    assert out["uid_left"] == [] and out["leftovers"] == []
