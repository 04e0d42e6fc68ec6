"""Atomic writes: an interrupted write leaves the old file whole and no debris."""

from __future__ import annotations

import stat

import pytest

from grader.files import atomic_file, write_atomically


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
