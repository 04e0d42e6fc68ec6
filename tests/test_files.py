"""Atomic writes: an interrupted write leaves the old file whole and no debris."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
from pathlib import Path

import pytest

from grader.files import atomic_file, remove_tree, write_atomically

REPO = Path(__file__).resolve().parent.parent
NOBODY = 65534
# The venv's Python may live under /root (pyenv), out of nobody's reach; Debian's is not.
SYSTEM_PYTHON = "/usr/bin/python3"


def test_a_failed_write_keeps_the_old_file_and_leaves_nothing_behind(tmp_path):
    path = tmp_path / "gradebook.csv"
    write_atomically(path, "learner,total\nada,100\n")
    with pytest.raises(KeyboardInterrupt), atomic_file(path) as file:
        file.write(b"learner,total\nada,")
        raise KeyboardInterrupt  # Ctrl-C in the middle of writing
    assert path.read_text() == "learner,total\nada,100\n"
    assert [p.name for p in tmp_path.iterdir()] == ["gradebook.csv"]


def test_the_mode_is_set_before_the_file_gets_its_name(tmp_path):
    path = tmp_path / "deeper" / "results.json"
    write_atomically(path, "{}", mode=0o600)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    write_atomically(tmp_path / "weights.npz", b"\x00")
    assert stat.S_IMODE((tmp_path / "weights.npz").stat().st_mode) == 0o644


# What a worker running as the grader's own uid may leave: folders it locked, with things inside.
LOCK_THE_TREE = """
import os, sys
root = sys.argv[1]
os.makedirs(f"{root}/read_only/unreadable/deeper")
for folder in ("read_only", "read_only/unreadable", "read_only/unreadable/deeper"):
    with open(f"{root}/{folder}/ballast.bin", "wb") as file:
        file.write(bytes(1024))
os.symlink(sys.argv[2], f"{root}/read_only/outside")
os.symlink(sys.argv[2], f"{root}/read_only/outside_file.txt")
os.chmod(f"{root}/read_only/unreadable/deeper", 0o000)
os.chmod(f"{root}/read_only/unreadable", 0o000)
os.chmod(f"{root}/read_only", 0o500)
os.chmod(root, 0o500)
"""
REMOVE_THE_TREE = "import sys; from grader.files import remove_tree; remove_tree(sys.argv[1])"


def _as_nobody(*argv: str) -> None:
    environment = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    subprocess.run(
        [SYSTEM_PYTHON, *argv],
        user=NOBODY,
        group=NOBODY,
        extra_groups=[],
        cwd=REPO,
        env=environment,
        check=True,
        timeout=60,
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root, to run the grader's side as a user permissions bind")
@pytest.mark.skipif(not os.path.exists(SYSTEM_PYTHON), reason=f"needs {SYSTEM_PYTHON}, which any user may run")
def test_a_worker_folder_made_read_only_or_unreadable_is_removed_whole() -> None:
    # As root, permissions bind nobody: both sides run as one unprivileged uid, as without root.
    base = Path(tempfile.mkdtemp(prefix="nnkata-remove-tree-"))
    try:
        os.chown(base, NOBODY, NOBODY)
        outside = base / "outside"
        outside.mkdir(mode=0o555)
        (outside / "keep.txt").write_text("not the worker's")
        workdir = base / "workdir"
        _as_nobody("-c", LOCK_THE_TREE, str(workdir), str(outside))
        _as_nobody("-c", REMOVE_THE_TREE, str(workdir))
        assert not os.path.lexists(workdir)
        # The links were removed, not followed.
        assert (outside / "keep.txt").read_text() == "not the worker's"
        assert stat.S_IMODE(outside.stat().st_mode) == 0o555
    finally:
        shutil.rmtree(base, ignore_errors=True)


def test_a_missing_folder_or_a_symlink_to_a_folder_is_no_error(tmp_path):
    remove_tree(tmp_path / "never made")
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "keep.txt").write_text("kept")
    (tmp_path / "link").symlink_to(tmp_path / "target")
    remove_tree(tmp_path / "link")
    assert not os.path.lexists(tmp_path / "link")
    assert (tmp_path / "target" / "keep.txt").read_text() == "kept"
