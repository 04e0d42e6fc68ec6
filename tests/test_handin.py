"""Intake: every accepted layout becomes a tree laid out like exercises/; bad archives are refused."""

from __future__ import annotations

import json
import os
import stat
import zipfile
from pathlib import Path

from grader import handin
from grader.calling import EXERCISES, module_name

REPO = Path(__file__).resolve().parent.parent
SOLUTIONS = REPO / "solutions"
WRITTEN = [e for e in EXERCISES if (SOLUTIONS / e).is_dir()]


def solution(exercise: str) -> str:
    return (SOLUTIONS / exercise / f"{module_name(exercise)}.py").read_text()


def flat(root: Path) -> Path:
    root.mkdir(parents=True)
    for exercise in WRITTEN:
        (root / f"{module_name(exercise)}.py").write_text(solution(exercise))
    return root


def assert_complete(intake: handin.Intake) -> None:
    assert intake.notes == []
    assert sorted(intake.found) == WRITTEN
    for exercise in WRITTEN:
        assert (intake.root / exercise / f"{module_name(exercise)}.py").read_text() == solution(exercise)


def test_exercises_layout(tmp_path: Path) -> None:
    assert_complete(handin.normalise(SOLUTIONS, tmp_path / "tree"))


def test_flattened_and_nested_layouts(tmp_path: Path) -> None:
    assert_complete(handin.normalise(flat(tmp_path / "flat"), tmp_path / "a"))
    assert_complete(handin.normalise(flat(tmp_path / "nested" / "alice-work"), tmp_path / "b"))


def test_the_same_content_hashes_the_same(tmp_path: Path) -> None:
    one = handin.normalise(SOLUTIONS, tmp_path / "one")
    two = handin.normalise(flat(tmp_path / "flat"), tmp_path / "two")
    assert one.content_hash == two.content_hash
    (tmp_path / "flat" / "neuron.py").write_text("# changed\n")
    assert handin.normalise(tmp_path / "flat", tmp_path / "three").content_hash != one.content_hash


def test_a_zip_of_a_folder(tmp_path: Path) -> None:
    archive = tmp_path / "alice.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for exercise in WRITTEN:
            z.writestr(f"alice/{exercise}/{module_name(exercise)}.py", solution(exercise))
    assert_complete(handin.normalise(archive, tmp_path / "tree"))


def _refused(tmp_path: Path, build) -> str:
    archive = tmp_path / "bad.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        build(z)
    target = tmp_path / "tree"
    intake = handin.normalise(archive, target)
    assert intake.found == {}
    assert list(target.rglob("*")) == []
    assert len(intake.notes) == 1 and "was not extracted" in intake.notes[0]
    return intake.notes[0]


def test_dangerous_zips_are_reported_not_extracted(tmp_path: Path) -> None:
    escape = tmp_path / "escaped.py"
    note = _refused(tmp_path, lambda z: z.writestr("../escaped.py", "x = 1\n"))
    assert "outside" in note and not escape.exists()
    assert "absolute" in _refused(tmp_path, lambda z: z.writestr("/tmp/neuron.py", "x = 1\n"))

    def symlink(z: zipfile.ZipFile) -> None:
        info = zipfile.ZipInfo("neuron.py")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        z.writestr(info, "/etc/passwd")

    assert "symbolic link" in _refused(tmp_path, symlink)
    assert "members" in _refused(tmp_path, lambda z: [z.writestr(f"f{i}", "") for i in range(3000)])
    bomb = "0" * (handin.MAX_FILE_BYTES + 1)  # compresses to almost nothing
    assert "uncompressed" in _refused(tmp_path, lambda z: [z.writestr(f"b{i}.py", bomb) for i in range(40)])
    clash = _refused(tmp_path, lambda z: [z.writestr("kata/neuron.py", "x = 1\n"), z.writestr("kata/neuron.py/x", "")])
    assert "clashes with another one" in clash


def test_a_zip_that_lies_about_its_sizes_is_stopped(tmp_path: Path) -> None:
    archive = tmp_path / "liar.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_STORED) as z:
        z.writestr("neuron.py", "x" * 4096)
    data = bytearray(archive.read_bytes())
    # Claim 10 bytes in the central directory: reading must not trust it.
    central = data.rfind(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    intake = handin.normalise(archive, tmp_path / "tree")
    assert intake.found == {} and intake.notes


def test_symlinks_in_a_folder_are_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "handin"
    root.mkdir()
    os.symlink("/etc/passwd", root / "neuron.py")
    intake = handin.normalise(root, tmp_path / "tree")
    assert intake.found == {}
    assert not (tmp_path / "tree" / "01_neuron").exists()


def notebook(cells: list[str]) -> str:
    return json.dumps(
        {
            "cells": [{"cell_type": "code", "metadata": {}, "source": c, "outputs": []} for c in cells]
            + [{"cell_type": "markdown", "metadata": {}, "source": "# notes"}],
            "metadata": {},
            "nbformat": 4,
            "nbformat_minor": 5,
        }
    )


def test_one_notebook_with_every_exercise_is_split_by_the_functions_it_defines(tmp_path: Path) -> None:
    path = tmp_path / "alice.ipynb"
    path.write_text(notebook(["import numpy as np\n%matplotlib inline"] + [solution(e) for e in WRITTEN]))
    intake = handin.normalise(path, tmp_path / "tree")
    assert intake.notes == []
    assert sorted(intake.found) == WRITTEN
    sigmoid = (tmp_path / "tree" / "02_sigmoid" / "sigmoid.py").read_text()
    assert "def sigmoid(" in sigmoid and "def weighted_sum(" not in sigmoid
    assert "from neuron import *" in sigmoid


def test_a_future_import_in_a_later_cell_compiles_as_it_does_for_pytest(tmp_path: Path) -> None:
    pasted = "from __future__ import annotations\n\n" + solution("01_neuron")
    root = tmp_path / "handin"
    root.mkdir()
    (root / "neuron.ipynb").write_text(notebook(["import numpy as np", pasted]))
    (root / "alice.ipynb").write_text(notebook(["import numpy as np", pasted, solution("02_sigmoid")]))
    for handed_in in (root / "neuron.ipynb", root / "alice.ipynb"):
        intake = handin.normalise(handed_in, tmp_path / handed_in.stem)
        module = (intake.root / "01_neuron" / "neuron.py").read_text()
        compile(module, "neuron.py", "exec")
        assert module.startswith("from __future__ import annotations\n")


def test_one_notebook_per_exercise(tmp_path: Path) -> None:
    root = tmp_path / "handin"
    root.mkdir()
    for exercise in WRITTEN:
        (root / f"{module_name(exercise)}.ipynb").write_text(notebook([solution(exercise)]))
    intake = handin.normalise(root, tmp_path / "tree")
    assert intake.notes == [] and sorted(intake.found) == WRITTEN


def test_an_invalid_notebook_is_reported_not_fatal(tmp_path: Path) -> None:
    root = flat(tmp_path / "handin")
    (root / "broken.ipynb").write_text('{"cells": [oops')
    intake = handin.normalise(root, tmp_path / "tree")
    assert sorted(intake.found) == WRITTEN
    assert len(intake.notes) == 1 and "broken.ipynb is not a valid Jupyter notebook" in intake.notes[0]


def test_nothing_to_grade_is_reported(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    intake = handin.normalise(tmp_path / "empty", tmp_path / "tree")
    assert intake.found == {} and "no exercise module" in intake.notes[0]
    (tmp_path / "notes.txt").write_text("hello")
    assert "expected a folder" in handin.normalise(tmp_path / "notes.txt", tmp_path / "t2").notes[0]
