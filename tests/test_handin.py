"""Intake: every accepted layout becomes a tree laid out like exercises/; bad archives are refused."""

from __future__ import annotations

import codecs
import contextlib
import json
import os
import re
import shutil
import signal
import stat
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from grader import handin
from grader.calling import EXERCISES, module_name
from tests.conftest import EXERCISES_DIR, SOLUTIONS, notebook_json, solution_text, solution_texts, write_handin

WRITTEN = [e for e in EXERCISES if (SOLUTIONS / e).is_dir()]


def flat(root: Path) -> Path:
    """Every written exercise's solution, all at the top of ``root``."""
    return write_handin(root, solution_texts(WRITTEN), flat=True)


def assert_complete(intake: handin.Intake) -> None:
    assert intake.notes == []
    assert sorted(intake.found) == WRITTEN
    for exercise in WRITTEN:
        assert (intake.root / exercise / f"{module_name(exercise)}.py").read_text() == solution_text(exercise)


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
            z.writestr(f"alice/{exercise}/{module_name(exercise)}.py", solution_text(exercise))
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
    many = _refused(tmp_path, lambda z: [z.writestr(f"f{i}.py", "") for i in range(3000)])
    assert "3000 modules and notebooks" in many
    bomb = "0" * handin.MAX_FILE_BYTES  # compresses to almost nothing; 40 of them are too much together
    assert "uncompressed" in _refused(tmp_path, lambda z: [z.writestr(f"b{i}.py", bomb) for i in range(40)])
    clash = _refused(
        tmp_path, lambda z: [z.writestr("kata/neuron.py", "x = 1\n"), z.writestr("kata/neuron.py/x.py", "")]
    )
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


def test_a_zip_with_corrupt_compressed_data_is_reported_not_a_crash(tmp_path: Path) -> None:
    archive = tmp_path / "torn.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("neuron.py", solution_text("01_neuron") * 20)
    data = bytearray(archive.read_bytes())
    start = data.find(b"neuron.py") + len("neuron.py")  # the local header's name, then the data
    data[start + 40 : start + 200] = bytes(160)  # zlib.error, which is not an OSError
    archive.write_bytes(bytes(data))
    intake = handin.normalise(archive, tmp_path / "tree")
    assert intake.found == {} and any("unreadable" in note for note in intake.notes), intake.notes
    klass = tmp_path / "class"
    klass.mkdir()
    shutil.copy(archive, klass / "torn.zip")
    assert handin.folder_of_handins(klass) is None


def test_a_near_miss_is_named_even_where_a_clone_leaves_the_stub(tmp_path: Path) -> None:
    root = clone(tmp_path / "nnkata")
    (root / "exercises" / "02_sigmoid" / "sigmoid.py.txt").write_text(solution_text("02_sigmoid"))
    intake = handin.normalise(root, tmp_path / "tree")
    assert "exercises/02_sigmoid/sigmoid.py.txt was not graded: if it is your 02_sigmoid, rename it sigmoid.py" in (
        intake.notes
    )


def test_symlinks_in_a_folder_are_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "handin"
    root.mkdir()
    os.symlink("/etc/passwd", root / "neuron.py")
    intake = handin.normalise(root, tmp_path / "tree")
    assert intake.found == {}
    assert not (tmp_path / "tree" / "01_neuron").exists()


def test_one_notebook_with_every_exercise_is_split_by_the_functions_it_defines(tmp_path: Path) -> None:
    path = tmp_path / "alice.ipynb"
    path.write_text(notebook_json(["import numpy as np\n%matplotlib inline"] + [solution_text(e) for e in WRITTEN]))
    intake = handin.normalise(path, tmp_path / "tree")
    assert intake.notes == []
    assert sorted(intake.found) == WRITTEN
    sigmoid = (tmp_path / "tree" / "02_sigmoid" / "sigmoid.py").read_text()
    assert "def sigmoid(" in sigmoid and "def weighted_sum(" not in sigmoid
    assert "from neuron import *" in sigmoid


def without_exercise_imports(code: str) -> str:
    """``code`` without its ``from sigmoid import sigmoid`` lines: in one notebook, the cells above define those."""
    modules = "|".join(module_name(e) for e in EXERCISES)
    return re.sub(rf"^from ({modules}) import .*$", "", code, flags=re.M)


def test_every_exercise_in_a_notebook_named_after_one_of_them_is_graded(tmp_path: Path) -> None:
    # A learner who went on writing every exercise in neuron.ipynb: the notebook is each one's code, whole.
    from grader.checks import checks_of
    from grader.pytest_plugin import Runner

    path = tmp_path / "neuron.ipynb"
    cells = [without_exercise_imports(solution_text(exercise)) for exercise in WRITTEN]
    path.write_text(notebook_json(["import numpy as np", *cells]))
    intake = handin.normalise(path, tmp_path / "tree")
    assert intake.found == {exercise: "neuron.ipynb" for exercise in WRITTEN}
    others = f"{', '.join(WRITTEN[1:-1])} and {WRITTEN[-1]}"
    assert intake.notes == [
        f"neuron.ipynb's cells that define the functions of {others} were taken as their code: "
        "the hand-in has no file of their own with work"
    ]
    for exercise in WRITTEN:  # each module imports and passes, as the notebook ran in Jupyter
        Runner(intake.root).run(exercise, checks_of(exercise)[0].name)


def test_a_function_written_again_in_another_exercises_notebook_is_graded_only_without_a_file_of_its_own(
    tmp_path: Path,
) -> None:
    root = tmp_path / "handin"
    root.mkdir()
    own_sigmoid = without_exercise_imports(solution_text("02_sigmoid"))
    backprop = without_exercise_imports(solution_text("05_backprop"))
    (root / "backprop.ipynb").write_text(notebook_json([own_sigmoid, backprop]))
    (root / "sigmoid.py").write_text(solution_text("02_sigmoid").replace("return", "return 0 +", 1))
    intake = handin.normalise(root, tmp_path / "tree")
    assert intake.found["02_sigmoid"] == "sigmoid.py" and intake.found["05_backprop"] == "backprop.ipynb"
    assert not [note for note in intake.notes if "backprop.ipynb" in note]
    (root / "sigmoid.py").write_text(stub("02_sigmoid"))  # the untouched stub holds no work
    intake = handin.normalise(root, tmp_path / "tree2")
    assert intake.found["02_sigmoid"] == "backprop.ipynb"
    assert intake.notes[0] == (
        "backprop.ipynb's cells that define the functions of 02_sigmoid were taken as its code: "
        "the hand-in has no file of its own with work"
    )
    # A notebook that imports sigmoid is never sigmoid's code, whatever helper of 02 it defines:
    # that module would import itself. The reference stands in when the rubric grades 05 alone.
    helper = "def sigmoid_prime(z):\n    s = sigmoid(z)\n    return s * (1 - s)\n"
    (root / "backprop.ipynb").write_text(notebook_json([solution_text("05_backprop"), helper]))
    (root / "sigmoid.py").unlink()
    intake = handin.normalise(root, tmp_path / "tree3")
    assert "02_sigmoid" not in intake.found and intake.notes == []
    assert "02_sigmoid" in handin.stand_in_for_ungraded(intake, ["05_backprop"], SOLUTIONS)


def test_a_named_notebook_that_imports_functions_it_defines_is_told_how_to_have_them_graded(tmp_path: Path) -> None:
    # Every exercise pasted into neuron.ipynb, with feedforward's `from sigmoid import sigmoid`.
    root = tmp_path / "handin"
    root.mkdir()
    cells = [solution_text(e) for e in ("01_neuron", "02_sigmoid", "03_feedforward")]
    (root / "neuron.ipynb").write_text(notebook_json(cells))
    intake = handin.normalise(root, tmp_path / "tree")
    assert "02_sigmoid" not in intake.found  # the module would import itself
    assert intake.notes[-1] == (
        "neuron.ipynb defines `sigmoid` itself, yet also imports it from 02_sigmoid (code cell 3, line 10: "
        "`from sigmoid import sigmoid`): an exercise that a notebook imports is graded from a file of its own, "
        "never from that notebook, and this hand-in has none with work for 02_sigmoid. Delete those import "
        "lines, and the notebook's own `sigmoid` will be graded."
    )
    (root / "sigmoid.py").write_text(stub("02_sigmoid"))  # the untouched stub is no work either
    assert handin.normalise(root, tmp_path / "stub").notes[-1] == intake.notes[-1]
    # As the note says: without the import, the notebook's own sigmoid is graded.
    cells[2] = cells[2].replace("from sigmoid import sigmoid\n", "")
    (root / "neuron.ipynb").write_text(notebook_json(cells))
    intake = handin.normalise(root, tmp_path / "deleted")
    assert intake.found["02_sigmoid"] == "neuron.ipynb" and not [n for n in intake.notes if "imports" in n]
    # A file of 02's own with work is graded: nothing of the notebook's is lost, nothing is said.
    cells[2] = solution_text("03_feedforward")
    (root / "neuron.ipynb").write_text(notebook_json(cells))
    (root / "sigmoid.py").write_text(solution_text("02_sigmoid"))
    intake = handin.normalise(root, tmp_path / "own")
    assert intake.found["02_sigmoid"] == "sigmoid.py" and not [n for n in intake.notes if "imports" in n]


def test_the_reference_stands_in_for_what_a_graded_exercise_imports_only_when_ungraded_and_unwritten(
    tmp_path: Path,
) -> None:
    root = tmp_path / "handin"
    root.mkdir()
    (root / "backprop.ipynb").write_text(notebook_json([solution_text("05_backprop")]))
    (root / "sigmoid.py").write_text(stub("02_sigmoid"))  # the untouched stub holds no work
    intake = handin.normalise(root, tmp_path / "tree")
    before = intake.content_hash
    assert sorted(handin.stand_in_for_ungraded(intake, ["05_backprop"], SOLUTIONS)) == ["01_neuron", "02_sigmoid"]
    for exercise in ("01_neuron", "02_sigmoid"):
        assert (intake.root / exercise / f"{module_name(exercise)}.py").read_text() == solution_text(exercise)
    assert intake.notes[-1] == (
        "01_neuron and 02_sigmoid are not graded by this rubric and have no work in the hand-in: their reference "
        "solutions stood in, for the graded exercises that import them"
    )
    assert intake.content_hash != before and "02_sigmoid" not in intake.found
    # A stub the learner only signed is still no work on it.
    (root / "sigmoid.py").write_text("# Ann Lee, week 2\n" + stub("02_sigmoid"))
    intake = handin.normalise(root, tmp_path / "signed")
    assert sorted(handin.stand_in_for_ungraded(intake, ["05_backprop"], SOLUTIONS)) == ["01_neuron", "02_sigmoid"]
    # The learner's own work is kept, however wrong; a graded exercise is never stood in for.
    (root / "sigmoid.py").write_text(solution_text("02_sigmoid").replace("return", "return 0 +", 1))
    intake = handin.normalise(root, tmp_path / "tree2")
    assert handin.stand_in_for_ungraded(intake, ["05_backprop"], SOLUTIONS) == ["01_neuron"]
    intake = handin.normalise(root, tmp_path / "tree3")
    assert handin.stand_in_for_ungraded(intake, ["01_neuron", "05_backprop"], SOLUTIONS) == []
    assert not (intake.root / "01_neuron").exists()


def test_a_future_import_in_a_later_cell_compiles_as_it_does_for_pytest(tmp_path: Path) -> None:
    pasted = "from __future__ import annotations\n\n" + solution_text("01_neuron")
    root = tmp_path / "handin"
    root.mkdir()
    (root / "neuron.ipynb").write_text(notebook_json(["import numpy as np", pasted]))
    (root / "alice.ipynb").write_text(notebook_json(["import numpy as np", pasted, solution_text("02_sigmoid")]))
    for handed_in in (root / "neuron.ipynb", root / "alice.ipynb"):
        intake = handin.normalise(handed_in, tmp_path / handed_in.stem)
        module = (intake.root / "01_neuron" / "neuron.py").read_text()
        compile(module, "neuron.py", "exec")
        assert module.startswith("from __future__ import annotations\n")


def test_one_notebook_per_exercise(tmp_path: Path) -> None:
    root = tmp_path / "handin"
    root.mkdir()
    for exercise in WRITTEN:
        (root / f"{module_name(exercise)}.ipynb").write_text(notebook_json([solution_text(exercise)]))
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


def stub(exercise: str) -> str:
    return (EXERCISES_DIR / exercise / f"{module_name(exercise)}.py").read_text(encoding="utf-8")


def untouched_notebook(exercise: str) -> Path:
    return EXERCISES_DIR / exercise / f"{module_name(exercise)}.ipynb"


def test_a_stub_with_windows_line_endings_is_untouched_so_the_notebook_beside_it_is_graded(tmp_path: Path) -> None:
    assert handin.is_untouched_stub(stub("01_neuron").replace("\n", "\r\n"))  # git's core.autocrlf
    assert handin.is_untouched_stub(stub("01_neuron").replace("\n", "\r"))
    root = tmp_path / "handin"
    for exercise in WRITTEN:
        folder = root / exercise
        folder.mkdir(parents=True)
        name = module_name(exercise)
        (folder / f"{name}.py").write_bytes(stub(exercise).replace("\n", "\r\n").encode("utf-8"))
        (folder / f"{name}.ipynb").write_text(notebook_json([solution_text(exercise)]))
    intake = handin.normalise(root, tmp_path / "tree")
    assert intake.notes == []
    assert intake.found == {e: f"{e}/{module_name(e)}.ipynb" for e in WRITTEN}


def test_a_worked_notebook_set_aside_for_a_worked_module_is_noted(tmp_path: Path) -> None:
    root = tmp_path / "handin"
    folder = root / "01_neuron"
    folder.mkdir(parents=True)
    (folder / "neuron.py").write_text(solution_text("01_neuron"))
    (folder / "neuron.ipynb").write_text(
        notebook_json([solution_text("01_neuron") + "\n# tried in the notebook too\n"])
    )
    (root / "scratch.ipynb").write_text(notebook_json([solution_text("01_neuron").replace("return", "return 0 +")]))
    (root / "copy.ipynb").write_text(notebook_json([solution_text("01_neuron")]))  # the same code: nothing is lost
    intake = handin.normalise(root, tmp_path / "tree")
    assert intake.found == {"01_neuron": "01_neuron/neuron.py"}
    assert intake.notes == [
        "01_neuron/neuron.ipynb was set aside for 01_neuron: 01_neuron/neuron.py was graded instead",
        "scratch.ipynb was set aside for 01_neuron: 01_neuron/neuron.py was graded instead",
    ]
    # An untouched notebook beside the module holds no work to lose: nothing to tell.
    (root / "scratch.ipynb").unlink()
    (root / "copy.ipynb").unlink()
    shutil.copy(untouched_notebook("01_neuron"), folder / "neuron.ipynb")
    assert handin.normalise(root, tmp_path / "tree2").notes == []


def beside_untouched_notebooks(root: Path, modules: dict[str, str]) -> Path:
    """A hand-in laid out like exercises/: each of ``modules`` (exercise -> text) beside its untouched
    notebook, the last one run through (Jupyter then leaves an empty cell below the last)."""
    write_handin(root, modules)
    for exercise in modules:
        shutil.copy(untouched_notebook(exercise), root / exercise)
    run = root / exercise / f"{module_name(exercise)}.ipynb"
    notebook = json.loads(run.read_text())
    notebook["cells"].append({"cell_type": "code", "id": "below", "metadata": {}, "source": "", "outputs": []})
    run.write_text(json.dumps(notebook))
    return root


@pytest.mark.parametrize("zipped", [False, True], ids=["folder", "zip"])
def test_an_untouched_notebook_is_never_graded_instead_of_a_written_module(tmp_path: Path, zipped: bool) -> None:
    # Its exercise cell is not the stub word for word (it speaks to notebook learners), yet holds no work.
    root = beside_untouched_notebooks(tmp_path / "handin", solution_texts(["01_neuron", "02_sigmoid"]))
    handed_in = zip_folder(root, tmp_path / "handin.zip") if zipped else root
    intake = handin.normalise(handed_in, tmp_path / "tree")
    prefix = "handin/" if zipped else ""
    assert intake.found == {e: f"{prefix}{e}/{module_name(e)}.py" for e in ("01_neuron", "02_sigmoid")}
    assert intake.notes == []  # no untouched notebook is named as set aside: it holds nothing to lose
    for exercise in ("01_neuron", "02_sigmoid"):
        assert (intake.root / exercise / f"{module_name(exercise)}.py").read_text() == solution_text(exercise)


def test_untouched_notebooks_alone_are_untouched_stubs(tmp_path: Path) -> None:
    root = tmp_path / "handin"
    for exercise in WRITTEN:
        (root / exercise).mkdir(parents=True)
        shutil.copy(untouched_notebook(exercise), root / exercise)
    intake = handin.normalise(root, tmp_path / "tree")
    assert intake.found == {e: f"{e}/{module_name(e)}.ipynb" for e in WRITTEN} and intake.notes == []
    for exercise in WRITTEN:
        assert handin.is_untouched_stub((intake.root / exercise / f"{module_name(exercise)}.py").read_text())
    # One learner's versions, the untouched download and the worked one, are not two learners' work.
    versions = tmp_path / "versions"
    shutil.copytree(root, versions / "v1")
    write_handin(versions / "v2", solution_texts(["01_neuron"]))
    assert handin.folder_of_handins(versions) is None


SLOT = 400  # sandbox slots of its own (see test_grading.SLOT)


def test_untouched_notebooks_grade_as_not_started_and_never_instead_of_written_modules(tmp_path: Path) -> None:
    from grader import grading, rubric

    beside = beside_untouched_notebooks(
        tmp_path / "beside", {"01_neuron": solution_text("01_neuron"), "02_sigmoid": stub("02_sigmoid")}
    )
    notebooks = tmp_path / "notebooks"
    for exercise in ("01_neuron", "02_sigmoid"):
        (notebooks / exercise).mkdir(parents=True)
        shutil.copy(untouched_notebook(exercise), notebooks / exercise)
    handins = {"beside": beside, "zipped": zip_folder(beside, tmp_path / "zipped.zip"), "notebooks": notebooks}
    plan = grading.build_plan(rubric.parse('total = 100\n[exercises]\n"01_neuron" = 1\n"02_sigmoid" = 1\n'), seed=3)
    submissions = [grading.Submission(name, path) for name, path in handins.items()]
    results = {r["learner"]: r for r in grading.grade(submissions, tmp_path / "out", plan, jobs=2, first_slot=SLOT)}

    def messages(result: dict, exercise: str) -> list[str]:
        return [check["message"] for check in result["exercises"][exercise]["checks"].values()]

    for learner in ("beside", "zipped"):
        neuron = results[learner]["exercises"]["01_neuron"]
        assert neuron["score"] == neuron["max"] > 0, messages(results[learner], "01_neuron")
        assert results[learner]["total"] == pytest.approx(50)
        assert results[learner]["notes"] == []
    for learner, exercises in (("beside", ["02_sigmoid"]), ("notebooks", ["01_neuron", "02_sigmoid"])):
        for exercise in exercises:
            assert results[learner]["exercises"][exercise]["score"] == 0
            assert all("is not written yet" in m for m in messages(results[learner], exercise)), exercise
        assert not grading.problems(results[learner])  # not started: nothing else to look at
    assert results["notebooks"]["total"] == 0


def test_the_notebook_named_after_the_exercise_is_graded_before_one_named_otherwise(tmp_path: Path) -> None:
    root = tmp_path / "handin"
    root.mkdir()
    (root / "neuron.ipynb").write_text(notebook_json([solution_text("01_neuron")]))
    # Sorted first by name, and holding other work on 01_neuron (plus the only 02_sigmoid).
    tried = solution_text("01_neuron").replace("return", "return 0 +")
    (root / "kata.ipynb").write_text(notebook_json(["import numpy as np", tried, solution_text("02_sigmoid")]))
    intake = handin.normalise(root, tmp_path / "tree")
    assert intake.found == {"01_neuron": "neuron.ipynb", "02_sigmoid": "kata.ipynb"}
    assert intake.notes == ["kata.ipynb was set aside for 01_neuron: neuron.ipynb was graded instead"]
    assert (intake.root / "01_neuron" / "neuron.py").read_text().strip() == solution_text("01_neuron").strip()


def test_names_that_are_not_utf8_are_shown_escaped(tmp_path: Path) -> None:
    root = os.fsencode(tmp_path) + b"/devoir_\xe9"  # named on a system whose names are Latin-1
    try:
        os.makedirs(root + b"/\xe9tape")
    except OSError:
        pytest.skip("this file system stores only UTF-8 names")
    Path(os.fsdecode(root + b"/\xe9tape/neuron.py")).write_text(solution_text("01_neuron"))
    Path(os.fsdecode(root + b"/brouillon_\xe9t\xe9.ipynb")).write_text(notebook_json(["x = 1"]))
    Path(os.fsdecode(root + b"/cass\xe9.ipynb")).write_text('{"cells": [oops')
    intake = handin.normalise(Path(os.fsdecode(root)), tmp_path / "tree")
    assert intake.found == {"01_neuron": "\\xe9tape/neuron.py"}
    assert intake.notes[0] == "brouillon_\\xe9t\\xe9.ipynb: no code cell defines an exercise function"
    assert intake.notes[1].startswith("cass\\xe9.ipynb: cass\\xe9.ipynb is not a valid Jupyter notebook")
    json.dumps([intake.notes, intake.found], ensure_ascii=False).encode("utf-8")  # feedback can be written
    other = Path(os.fsdecode(root + b"/notes_\xe9.txt"))
    other.write_text("hello")
    assert handin.normalise(other, tmp_path / "t2").notes == [
        "notes_\\xe9.txt: expected a folder, a .zip, a .py or an .ipynb"
    ]


NOT_THEIRS = "raise SystemExit('not the learner's work')\n"


def clone(root: Path) -> Path:
    """A learner's clone of nnkata: 01 worked in neuron.py, 02 untouched, and the repository around it."""
    for exercise, text in (("01_neuron", solution_text("01_neuron")), ("02_sigmoid", stub("02_sigmoid"))):
        folder = root / "exercises" / exercise
        folder.mkdir(parents=True)
        (folder / f"{module_name(exercise)}.py").write_text(text)
        shutil.copy(untouched_notebook(exercise), folder)
        checkpoints = folder / ".ipynb_checkpoints"
        checkpoints.mkdir()
        (checkpoints / f"{module_name(exercise)}-checkpoint.ipynb").write_text(notebook_json([NOT_THEIRS]))
    # The repository's own modules and notebooks, named like the exercises (some of them worked).
    for place in ("solutions/01_neuron", "tests/independent/02_sigmoid", "grader/checks", "build/lib/grader/checks"):
        (root / place).mkdir(parents=True)
        (root / place / "neuron.py").write_text(NOT_THEIRS)
        (root / place / "sigmoid.py").write_text(NOT_THEIRS)
    (root / "examples" / "submissions").mkdir(parents=True)
    (root / "examples" / "submissions" / "dee_notebook.ipynb").write_text(notebook_json([solution_text("02_sigmoid")]))
    # What a clone holds besides: git's objects, environments, caches, MNIST.
    for i in range(100):
        (root / ".git" / "objects" / f"{i:02x}").mkdir(parents=True)
        (root / ".git" / "objects" / f"{i:02x}" / "0123abcd").write_bytes(b"x")
    for environment in (".venv", "venv"):
        (root / environment / "lib" / "site").mkdir(parents=True)
        (root / environment / "lib" / "site" / "sigmoid.py").write_text(NOT_THEIRS)
        os.symlink("/usr/bin/python3", root / environment / "python")
    (root / "exercises" / "01_neuron" / "__pycache__").mkdir()
    (root / "exercises" / "01_neuron" / "__pycache__" / "neuron.py").write_text(NOT_THEIRS)
    (root / "data" / "mnist").mkdir(parents=True)
    (root / "data" / "mnist" / "train-images-idx3-ubyte.gz").write_bytes(bytes(handin.MAX_FILE_BYTES + 1))
    return root


def zip_folder(folder: Path, archive: Path) -> Path:
    """``folder`` zipped as ``zip -ry`` does: the folder's name first, symlinks stored as links."""
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for path in sorted(folder.rglob("*")):
            name = str(path.relative_to(folder.parent))
            if path.is_symlink():
                info = zipfile.ZipInfo(name)
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                z.writestr(info, os.readlink(path))
            elif path.is_file():
                z.write(path, name)
    return archive


CLONE_PLACES = ["ivy/Submission attachment(s)/ivy-nnkata-main", "kai/nnkata"]


@pytest.mark.parametrize("place", CLONE_PLACES)
def test_a_clone_in_a_download_folder_is_found_as_a_folder_and_as_a_zip(
    tmp_path: Path, place: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    learner, inside = place.split("/", 1)
    clone(tmp_path / place)
    # Small limits: the clone's irrelevant files alone would break them if they counted.
    monkeypatch.setattr(handin, "MAX_ZIP_MEMBERS", 50)
    monkeypatch.setattr(handin, "MAX_ZIP_BYTES", 1024**2)
    for handed_in, prefix in (
        (tmp_path / learner, inside),
        (zip_folder(tmp_path / learner, tmp_path / "a.zip"), place),
    ):
        tree = tmp_path / f"tree-{handed_in.suffix}"
        intake = handin.normalise(handed_in, tree)
        assert intake.notes == []
        assert intake.found == {
            "01_neuron": f"{prefix}/exercises/01_neuron/neuron.py",
            "02_sigmoid": f"{prefix}/exercises/02_sigmoid/sigmoid.ipynb",  # the untouched stub's notebook
        }
        assert (tree / "01_neuron" / "neuron.py").read_text() == solution_text("01_neuron")
        assert handin.is_untouched_stub((tree / "02_sigmoid" / "sigmoid.py").read_text())


@pytest.mark.parametrize(("depth", "found"), [(handin.SCAN_DEPTH, True), (handin.SCAN_DEPTH + 1, False)])
def test_folders_and_zips_are_searched_to_the_same_depth(tmp_path: Path, depth: int, found: bool) -> None:
    folders = [f"level{i}" for i in range(1, depth)]
    module = tmp_path.joinpath("handin", *folders, "neuron.py")
    module.parent.mkdir(parents=True)
    module.write_text(solution_text("01_neuron"))
    archive = tmp_path / "handin.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("/".join([*folders, "neuron.py"]), solution_text("01_neuron"))
    for handed_in in (tmp_path / "handin", archive):
        intake = handin.normalise(handed_in, tmp_path / f"tree-{handed_in.suffix}")
        assert ("01_neuron" in intake.found) is found


def test_only_the_modules_and_notebooks_of_a_zipped_clone_are_extracted(tmp_path: Path) -> None:
    archive = zip_folder(clone(tmp_path / "kai" / "nnkata"), tmp_path / "kai.zip")
    with zipfile.ZipFile(archive) as z:
        assert handin.check_zip(z) == []
    target = tmp_path / "extracted"
    assert handin._extract(archive, target) == []
    extracted = sorted(str(p.relative_to(target)) for p in target.rglob("*") if not p.is_dir())
    assert extracted == [
        f"nnkata/exercises/{e}/{module_name(e)}{suffix}"
        for e in ("01_neuron", "02_sigmoid")
        for suffix in (".ipynb", ".py")
    ]


def test_a_module_too_large_in_a_zip_is_skipped_with_a_note(tmp_path: Path) -> None:
    archive = tmp_path / "bob.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for exercise in WRITTEN:
            z.writestr(f"bob/{module_name(exercise)}.py", solution_text(exercise))
        z.writestr("bob/weights.py", "w = " + "0" * handin.MAX_FILE_BYTES)
    intake = handin.normalise(archive, tmp_path / "tree")
    assert sorted(intake.found) == WRITTEN
    assert intake.notes == [
        f"bob.zip: member 'bob/weights.py' would be {handin.MAX_FILE_BYTES + 4} bytes uncompressed, "
        f"more than the {handin.MAX_FILE_BYTES} accepted: it was skipped"
    ]


def test_a_code_cell_that_does_not_parse_is_left_out_with_a_note(tmp_path: Path) -> None:
    root = tmp_path / "handin"
    root.mkdir()
    (root / "alice.ipynb").write_text(
        notebook_json(["import numpy as np", solution_text("01_neuron"), "f(a b)", solution_text("02_sigmoid")])
    )
    (root / "pooling.ipynb").write_text(
        notebook_json([solution_text("07_pooling"), "%timeit max_pool2d(x)", "def oops(:"])
    )
    intake = handin.normalise(root, tmp_path / "tree")
    assert sorted(intake.found) == ["01_neuron", "02_sigmoid", "07_pooling"]
    assert [note.split(" (")[0] for note in intake.notes] == [
        "code cell 3 of pooling.ipynb does not parse",  # named after an exercise: read first
        "code cell 3 of alice.ipynb does not parse",
    ]
    assert all(note.endswith(", line 1): it was left out") for note in intake.notes)
    for exercise in intake.found:
        compile((intake.root / exercise / f"{module_name(exercise)}.py").read_text(), exercise, "exec")
    assert "%timeit" in (intake.root / "07_pooling" / "pooling.py").read_text()  # kept, commented out


def test_a_byte_order_mark_does_not_break_a_module_or_a_notebook(tmp_path: Path) -> None:
    root = tmp_path / "handin"
    root.mkdir()
    (root / "neuron.py").write_bytes(codecs.BOM_UTF8 + solution_text("01_neuron").encode("utf-8"))
    (root / "sigmoid.ipynb").write_bytes(codecs.BOM_UTF8 + notebook_json([solution_text("02_sigmoid")]).encode("utf-8"))
    intake = handin.normalise(root, tmp_path / "tree")
    assert intake.notes == [] and sorted(intake.found) == ["01_neuron", "02_sigmoid"]
    assert (intake.root / "01_neuron" / "neuron.py").read_text() == solution_text("01_neuron")


def test_names_in_other_case_or_downloaded_again_are_accepted_the_exact_name_first(tmp_path: Path) -> None:
    root = tmp_path / "handin"
    (root / "04_parameters").mkdir(parents=True)
    (root / "Neuron.py").write_text(solution_text("01_neuron"))
    (root / "SIGMOID.ipynb").write_text(notebook_json([solution_text("02_sigmoid")]))
    (root / "feedforward (1).py").write_text("# the first download\n")
    (root / "feedforward(2).py").write_text(solution_text("03_feedforward"))
    (root / "04_parameters" / "parameters.py").write_text(solution_text("04_parameters"))
    (root / "parameters (1).py").write_text("# not this one: parameters.py is there\n")
    intake = handin.normalise(root, tmp_path / "tree")
    assert intake.found == {
        "01_neuron": "Neuron.py",
        "02_sigmoid": "SIGMOID.ipynb",
        "03_feedforward": "feedforward(2).py",
        "04_parameters": "04_parameters/parameters.py",
    }
    assert intake.notes == [
        "feedforward(2).py was graded as 03_feedforward: there is no feedforward.py in the hand-in",
        "feedforward (1).py was set aside for 03_feedforward: feedforward(2).py was graded instead",
        "parameters (1).py was set aside for 04_parameters: 04_parameters/parameters.py was graded instead",
    ]
    for exercise in ("03_feedforward", "04_parameters"):
        assert (intake.root / exercise / f"{module_name(exercise)}.py").read_text() == solution_text(exercise)


def versions(root: Path, texts: dict[str, str], exercise: str = "01_neuron") -> Path:
    """One learner's hand-in holding ``exercise`` several times: ``root/<version>/<exercise>/<module>.py``."""
    for version, text in texts.items():
        write_handin(root / version, {exercise: text})
    return root


def test_a_written_module_is_graded_before_an_untouched_stub_and_every_module_set_aside_is_named(
    tmp_path: Path,
) -> None:
    ursula = versions(tmp_path / "ursula", {"v1": stub("01_neuron"), "v2": solution_text("01_neuron")})
    for handed_in in (ursula, zip_folder(ursula, tmp_path / "ursula.zip")):
        intake = handin.normalise(handed_in, tmp_path / f"tree{handed_in.suffix}")
        prefix = "ursula/" if handed_in.suffix else ""
        assert intake.found == {"01_neuron": f"{prefix}v2/01_neuron/neuron.py"}
        assert intake.notes == [
            f"{prefix}v1/01_neuron/neuron.py, the untouched stub, was set aside for 01_neuron: "
            f"{prefix}v2/01_neuron/neuron.py was graded instead"
        ]
        assert (intake.root / "01_neuron" / "neuron.py").read_text() == solution_text("01_neuron")
    # Two written versions alike in name and depth: the first by name, and the learner is told so.
    (ursula / "v1" / "01_neuron" / "neuron.py").write_text(solution_text("01_neuron").replace("+ b", "+ 0 * b"))
    intake = handin.normalise(ursula, tmp_path / "tied")
    assert intake.found == {"01_neuron": "v1/01_neuron/neuron.py"}
    assert intake.notes == [
        "v2/01_neuron/neuron.py was set aside for 01_neuron: v1/01_neuron/neuron.py, the first by name, "
        "was graded instead; hand in only the one to grade"
    ]
    # The same code twice loses nothing; stubs only, nothing to tell.
    (ursula / "v1" / "01_neuron" / "neuron.py").write_text(solution_text("01_neuron"))
    assert handin.normalise(ursula, tmp_path / "copies").notes == []
    for version in ("v1", "v2"):
        (ursula / version / "01_neuron" / "neuron.py").write_text(stub("01_neuron"))
    intake = handin.normalise(ursula, tmp_path / "stubs")
    assert intake.found == {"01_neuron": "v1/01_neuron/neuron.py"} and intake.notes == []


def test_a_downloaded_copy_with_the_work_is_graded_before_the_stub_of_the_exact_name(tmp_path: Path) -> None:
    root = tmp_path / "handin"
    root.mkdir()
    (root / "neuron.py").write_text(stub("01_neuron"))
    (root / "neuron (1).py").write_text(solution_text("01_neuron"))
    intake = handin.normalise(root, tmp_path / "tree")
    assert intake.found == {"01_neuron": "neuron (1).py"}
    assert intake.notes == [
        "neuron.py, the untouched stub, was set aside for 01_neuron: neuron (1).py was graded instead"
    ]


def class_folder(root: Path) -> Path:
    """A class's hand-ins in one folder, in every form: a folder, a flat folder, a zip, a notebook."""
    write_handin(root / "alice", solution_texts(WRITTEN))
    (root / "bob").mkdir()
    (root / "bob" / "neuron.py").write_text(solution_text("01_neuron").replace("+ b", "+ 0 * b"))
    with zipfile.ZipFile(root / "carol.zip", "w") as z:
        z.writestr("carol/sigmoid.py", solution_text("02_sigmoid").replace("1.0", "1"))
    (root / "dee.ipynb").write_text(notebook_json([solution_text("01_neuron").replace("return", "return 1 *")]))
    (root / "README.txt").write_text("hand-ins of week 1")
    return root


def test_a_folder_of_hand_ins_given_as_one_is_recognised(tmp_path: Path) -> None:
    klass = class_folder(tmp_path / "download" / "class")
    expected = (
        f"{klass} looks like a folder of hand-ins (alice/, bob/, carol.zip, …): grade each with --each "
        "(if it is one learner's, give the folder that holds their exercises)"
    )
    assert handin.folder_of_handins(klass) == expected
    # Folders that only wrap it are looked through; a zip of it says to extract it.
    assert handin.folder_of_handins(tmp_path / "download") == expected.replace(str(klass), str(tmp_path / "download"))
    archive = zip_folder(klass, tmp_path / "class.zip")  # the zip in the zip is looked into too
    assert handin.folder_of_handins(archive) == (
        f"{archive} looks like a zip of hand-ins (alice/, bob/, carol.zip, …): extract it and grade the folder "
        "with --each"
    )
    # Two zips, or two notebooks, of different work are two hand-ins too.
    shutil.rmtree(klass / "alice")
    shutil.rmtree(klass / "bob")
    (klass / "dee.ipynb").unlink()
    with zipfile.ZipFile(klass / "eve.zip", "w") as z:
        z.writestr("sigmoid.py", solution_text("02_sigmoid"))
    assert (
        handin.folder_of_handins(klass)
        == f"{klass} looks like a folder of hand-ins (carol.zip, eve.zip): grade each with --each "
        "(if it is one learner's, give the folder that holds their exercises)"
    )


def test_one_learners_hand_in_is_not_taken_for_a_folder_of_hand_ins(tmp_path: Path) -> None:
    for one in (SOLUTIONS, EXERCISES_DIR, clone(tmp_path / "kai" / "nnkata"), flat(tmp_path / "flat")):
        assert handin.folder_of_handins(one) is None
    assert handin.folder_of_handins(tmp_path / "kai") is None
    # Versions: one untouched, or the later one changing some exercises only.
    assert (
        handin.folder_of_handins(versions(tmp_path / "u1", {"v1": stub("01_neuron"), "v2": solution_text("01_neuron")}))
        is None
    )
    later = versions(
        tmp_path / "u2", {"v1": solution_text("01_neuron"), "v2": solution_text("01_neuron") + "\n# tidied\n"}
    )
    versions(
        later, {"v1": solution_text("02_sigmoid"), "v2": solution_text("02_sigmoid").replace("1.0", "1")}, "02_sigmoid"
    )
    assert handin.folder_of_handins(later) is None
    # The modules and a notebook of the same work; modules lying loose beside the other folders.
    both = tmp_path / "both"
    shutil.copytree(SOLUTIONS, both / "exercises")
    (both / "all.ipynb").write_text(notebook_json(["import numpy as np", *map(solution_text, WRITTEN)]))
    assert handin.folder_of_handins(both) is None
    loose = class_folder(tmp_path / "loose")
    (loose / "neuron.py").write_text(solution_text("01_neuron"))
    assert handin.folder_of_handins(loose) is None


def test_grade_without_each_stops_on_a_folder_of_hand_ins(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from grader import cli

    klass = class_folder(tmp_path / "class")
    rubric_path = tmp_path / "rubric.toml"
    rubric_path.write_text('total = 100\n[exercises]\n"01_neuron" = 1\n')
    command = ["grade", str(klass), "--out", str(tmp_path / "out"), "--rubric", str(rubric_path)]
    assert cli.main(command) == 1
    assert capsys.readouterr().err.startswith(
        f"error: {klass} looks like a folder of hand-ins (alice/, bob/, carol.zip, …): grade each with --each"
    )
    assert not (tmp_path / "out" / "gradebook.csv").exists()


def test_a_child_holding_several_learners_is_refused_under_each(tmp_path: Path) -> None:
    batch = tmp_path / "batch"
    write_handin(batch / "ada", solution_texts(["01_neuron"]))
    bulk = zip_folder(class_folder(tmp_path / "bulk"), batch / "bulk.zip")
    shutil.copytree(tmp_path / "bulk", batch / "moodle")
    assert handin.several_in_one_child(batch / "ada", batch) is None
    assert handin.several_in_one_child(bulk, batch) == (
        f"{bulk} holds several learners' hand-ins (alice/, bob/, carol.zip, …): not graded. Extract it to a folder "
        f"outside {batch} and add that folder to the command (with --each)"
    )
    assert handin.several_in_one_child(batch / "moodle", batch) == (
        f"{batch / 'moodle'} holds several learners' hand-ins (alice/, bob/, carol.zip, …): not graded. To grade "
        f"each of them, add it to the command (grade {batch} {batch / 'moodle'} --each); if it is one learner's, "
        "leave in it only the work to grade"
    )


def test_grade_each_stops_when_every_child_holds_several_learners(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from grader import cli

    batch = tmp_path / "batch"
    batch.mkdir()
    bulk = zip_folder(class_folder(tmp_path / "bulk"), batch / "bulk.zip")
    rubric_path = tmp_path / "rubric.toml"
    rubric_path.write_text('total = 100\n[exercises]\n"01_neuron" = 1\n')
    command = ["grade", str(batch), "--each", "--out", str(tmp_path / "out"), "--rubric", str(rubric_path)]
    assert cli.main(command) == 1
    assert capsys.readouterr().err.splitlines() == [
        handin.several_in_one_child(bulk, batch),
        "error: no hand-in to grade: each holds several learners' hand-ins (see above)",
    ]
    assert not (tmp_path / "out").exists()


def test_modules_beside_the_exercise_modules_are_named_as_not_graded(tmp_path: Path) -> None:
    root = tmp_path / "handin"
    for exercise in ("01_neuron", "02_sigmoid"):
        (root / exercise).mkdir(parents=True)
    (root / "01_neuron" / "helpers.py").write_text("def dot_plus(w, x, b):\n    return w @ x + b\n")
    (root / "01_neuron" / "neuron.py").write_text("from helpers import dot_plus\n\n" + solution_text("01_neuron"))
    (root / "02_sigmoid" / "sigmoid.py").write_text("from .helpers import dot_plus\n\n" + solution_text("02_sigmoid"))
    (root / "02_sigmoid" / "plots.py").write_text("import matplotlib\n")
    # What a clone of nnkata holds beside the modules, and what nothing graded uses, far from them.
    for name in ("test_neuron.py", "conftest.py", "__init__.py"):
        (root / "01_neuron" / name).write_text("")
    (root / "other" / "deep").mkdir(parents=True)
    (root / "other" / "deep" / "unused.py").write_text("")
    for handed_in in (root, zip_folder(root, tmp_path / "handin.zip")):
        intake = handin.normalise(handed_in, tmp_path / f"tree{handed_in.suffix}")
        prefix = "handin/" if handed_in.suffix else ""
        assert sorted(intake.found) == ["01_neuron", "02_sigmoid"]
        assert intake.notes == [
            f"{prefix}01_neuron/helpers.py was not graded: only the eight exercise modules are; "
            "put what neuron.py and sigmoid.py need into each of them",
            f"{prefix}02_sigmoid/plots.py was not graded: only the eight exercise modules are",
        ]
    (root / "02_sigmoid" / "sigmoid.py").write_text(solution_text("02_sigmoid"))
    assert handin.normalise(root, tmp_path / "one").notes[0] == (
        "01_neuron/helpers.py was not graded: only the eight exercise modules are; "
        "put what neuron.py needs into neuron.py itself"
    )


def test_a_file_whose_name_just_misses_an_exercise_is_named_with_the_name_to_give_it(tmp_path: Path) -> None:
    root = tmp_path / "handin"
    (root / "05_backprop").mkdir(parents=True)
    (root / "06_convolution").mkdir()
    (root / "05_backprop" / "backprop.py.txt").write_text(solution_text("05_backprop"))
    (root / "06_convolution" / "solution.py").write_text(solution_text("06_convolution"))
    (root / "pooling - Copy.py").write_text(solution_text("07_pooling"))
    (root / "feed_forward.py").write_text(solution_text("03_feedforward"))
    (root / "sigmoid.ipynb.json").write_text(notebook_json([solution_text("02_sigmoid")]))
    (root / "neuron_v2.py").write_text(solution_text("01_neuron"))
    (root / "neuron.py").write_text(solution_text("01_neuron"))  # 01 is there: its near misses are no matter
    (root / "test_training.py").write_text("")
    (root / "backprop.png").write_bytes(b"\x89PNG")
    for handed_in in (root, zip_folder(root, tmp_path / "handin.zip")):
        intake = handin.normalise(handed_in, tmp_path / f"tree{handed_in.suffix}")
        prefix = "handin/" if handed_in.suffix else ""
        assert intake.found == {"01_neuron": f"{prefix}neuron.py"}
        assert intake.notes == [
            f"{prefix}sigmoid.ipynb.json was not graded: if it is your 02_sigmoid, rename it sigmoid.ipynb",
            f"{prefix}feed_forward.py was not graded: if it is your 03_feedforward, rename it feedforward.py",
            f"{prefix}05_backprop/backprop.py.txt was not graded: if it is your 05_backprop, rename it backprop.py",
            f"{prefix}06_convolution/solution.py was not graded: "
            "if it is your 06_convolution, rename it convolution.py",
            f"{prefix}pooling - Copy.py was not graded: if it is your 07_pooling, rename it pooling.py",
            f"{prefix}neuron_v2.py was not graded: only the eight exercise modules are",
        ]


@pytest.mark.parametrize("name", ["05_backprop/Backprop.py", "05_backprop/backprop (1).py", "BACKPROP.PY"])
def test_a_name_in_other_case_or_downloaded_again_is_graded(tmp_path: Path, name: str) -> None:
    module = tmp_path / "handin" / name
    module.parent.mkdir(parents=True)
    module.write_text(solution_text("05_backprop"))
    intake = handin.normalise(tmp_path / "handin", tmp_path / "tree")
    assert intake.found == {"05_backprop": name}
    assert (intake.root / "05_backprop" / "backprop.py").read_text() == solution_text("05_backprop")


def zip_of(archive: Path, members: dict[str, bytes | str]) -> Path:
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return archive


def test_a_zip_of_zips_and_notebooks_is_recognised_as_a_zip_of_hand_ins(tmp_path: Path) -> None:
    eve = zip_of(tmp_path / "eve.zip", {"eve/neuron.py": solution_text("01_neuron").replace("+ b", "+ 0 * b")})
    sol = zip_of(tmp_path / "sol.zip", {f"sol/{module_name(e)}.py": solution_text(e) for e in WRITTEN})
    dee = notebook_json([solution_text("01_neuron").replace("return", "return 1 *")])
    archive = zip_of(
        tmp_path / "class_all.zip",
        {"class_zips/dee.ipynb": dee, "class_zips/eve.zip": eve.read_bytes(), "class_zips/sol.zip": sol.read_bytes()},
    )
    assert handin.folder_of_handins(archive) == (
        f"{archive} looks like a zip of hand-ins (dee.ipynb, eve.zip, sol.zip): extract it and grade the folder "
        "with --each"
    )
    only_zips = zip_of(tmp_path / "zips.zip", {"eve.zip": eve.read_bytes(), "sol.zip": sol.read_bytes()})
    assert "looks like a zip of hand-ins (eve.zip, sol.zip)" in handin.folder_of_handins(only_zips)
    # Two zips of one learner's work: not a class, and not graded as nothing without a word.
    versions = zip_of(tmp_path / "versions.zip", {"v1.zip": sol.read_bytes(), "v2.zip": sol.read_bytes()})
    assert handin.folder_of_handins(versions) is None
    intake = handin.normalise(versions, tmp_path / "tree")
    assert intake.found == {}
    assert intake.notes == [
        "the hand-in holds no module or notebook, only zips (v1.zip, v2.zip): none was opened; "
        "hand in one zip, or the files themselves"
    ]


def test_telling_a_class_from_one_learner_is_bounded_work_however_many_zips_a_zip_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 40 small zips of 3 big modules each: 240 MiB of code from a zip of less than 2 MB, all of it
    # read and parsed in the grader's own process before the bounds (hours of work).
    big = "x = 1\n" * (2 * 1024**2 // 6 - 1)
    inner = zip_of(tmp_path / "inner.zip", {f"d{j}/neuron.py": big + f"y = {j}\n" for j in range(3)})
    archive = zip_of(tmp_path / "bomb.zip", {f"class/z{i}.zip": inner.read_bytes() for i in range(40)})
    read, parsed = [], []
    read_where, parse = handin._read_where, handin.parse_learner_code
    monkeypatch.setattr(
        handin, "_read_where", lambda where, most: read.append(len(data := read_where(where, most))) or data
    )
    monkeypatch.setattr(handin, "parse_learner_code", lambda code: parsed.append(len(code)) or parse(code))
    handin.folder_of_handins(archive)
    assert read and sum(read) <= handin.MAX_SCAN_BYTES
    assert all(length <= handin.MAX_PARSED_CHARS for length in parsed)


def test_the_one_zip_a_hand_in_holds_is_opened(tmp_path: Path) -> None:
    """How course sites download: each learner's folder holds their submission.zip."""
    lee = tmp_path / "lee"
    lee.mkdir()
    zip_of(lee / "submission.zip", {f"kata/{e}/{module_name(e)}.py": solution_text(e) for e in WRITTEN})
    lee_zip = zip_of(tmp_path / "lee.zip", {"lee/submission.zip": (lee / "submission.zip").read_bytes()})
    for handed_in, prefix in ((lee, "submission.zip"), (lee_zip, "lee/submission.zip")):
        assert handin.folder_of_handins(handed_in) is None
        intake = handin.normalise(handed_in, tmp_path / f"tree{handed_in.suffix}")
        assert_complete(intake)
        assert intake.found["01_neuron"] == f"{prefix}/kata/01_neuron/neuron.py"


def test_a_zip_inside_a_hand_in_is_opened_within_limits_and_one_level_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lee = tmp_path / "lee"
    lee.mkdir()
    inner = zip_of(lee / "submission.zip", {"../escaped.py": "x = 1\n"})
    assert handin.normalise(lee, tmp_path / "t1").notes == [
        "submission.zip was not extracted: member '../escaped.py' points outside the archive"
    ]
    zip_of(inner, {"neuron.py": solution_text("01_neuron"), "photo.jpg": os.urandom(2000)})
    monkeypatch.setattr(handin, "MAX_NESTED_ZIP_BYTES", 1000)
    assert handin.normalise(lee, tmp_path / "t2").notes == [
        "submission.zip was not opened: a zip inside a hand-in may be 1000 bytes at most; "
        "extract it and hand in what it holds"
    ]
    monkeypatch.undo()
    zip_of(inner, {"neuron.zip": zip_of(tmp_path / "neuron.zip", {"neuron.py": "x = 1\n"}).read_bytes()})
    intake = handin.normalise(lee, tmp_path / "t3")
    assert intake.found == {} and intake.notes == [
        "submission.zip/neuron.zip was not opened: only one zip inside a hand-in is; hand in the files themselves"
    ]
    os.remove(inner)
    os.symlink(tmp_path / "neuron.zip", inner)
    assert handin.normalise(lee, tmp_path / "t4").notes == ["submission.zip was not opened: it is not a regular file"]


def test_grade_refuses_paths_that_are_not_what_it_takes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from grader import cli, grading

    one = write_handin(tmp_path / "ada", solution_texts(["01_neuron", "02_sigmoid"]))
    with pytest.raises(grading.GradingError) as refused:
        grading.discover([one], each=True)
    assert str(refused.value) == (
        f"{one} looks like one learner's hand-in (it holds 01_neuron/, 02_sigmoid/): drop --each to grade it as one "
        "learner"
    )
    for learner in (flat(tmp_path / "flat"), clone(tmp_path / "kai")):
        with pytest.raises(grading.GradingError, match="drop --each"):
            grading.discover([learner], each=True)
    with pytest.raises(grading.GradingError, match=f"^{tmp_path / 'nowhere'} does not exist$"):
        grading.discover([tmp_path / "nowhere"], each=True)
    readme = tmp_path / "README.md"
    readme.write_text("# hand-ins of week 1\n")
    rubric_path = tmp_path / "rubric.toml"
    rubric_path.write_text('total = 100\n[exercises]\n"01_neuron" = 1\n')
    command = ["grade", str(one), str(readme), "--out", str(tmp_path / "out"), "--rubric", str(rubric_path)]
    assert cli.main(command) == 1
    assert capsys.readouterr().err == (
        f"error: {readme} cannot be a hand-in: give a learner's folder, .zip, .py or .ipynb "
        "(or with --each, a folder of them)\n"
    )
    assert not (tmp_path / "out").exists()


def test_a_hand_in_given_twice_is_graded_once_and_namesakes_are_named_by_path(tmp_path: Path) -> None:
    from grader import grading

    lee = write_handin(tmp_path / "week1" / "lee", solution_texts(["01_neuron"]))
    other = write_handin(tmp_path / "week2" / "lee", solution_texts(["01_neuron"]))
    lines: list[str] = []
    again = tmp_path / "week2" / ".." / "week1" / "lee"
    found = grading.discover([lee, Path(f"{lee}/"), again, other], each=False, say=lines.append)
    assert [(s.learner, s.path) for s in found] == [("lee", lee), ("lee-2", other)]
    assert lines == [
        f"{lee} was given twice: graded once",
        f"{lee} and {again} are the same hand-in: graded once",
        f"{lee} and {other} are both learner lee: graded as lee and lee-2",
    ]


def test_a_function_in_a_code_cell_that_does_not_parse_is_named_where_it_is(tmp_path: Path) -> None:
    from grader.calling import Call, perform
    from grader.calling import LearnerModules as Modules
    from grader.loading import load_exercise

    conv = solution_text("06_convolution")
    start = conv.index("def conv2d(")
    broken = conv[start:].replace("):\n", "):\n    y = (1\n", 1)
    (tmp_path / "kata.ipynb").write_text(
        notebook_json(["import numpy as np", conv[:start], broken, solution_text("07_pooling")])
    )
    (tmp_path / "convolution.ipynb").write_text(notebook_json([conv[:start], "x = 1", broken]))
    for name in ("kata.ipynb", "convolution.ipynb"):
        tree = tmp_path / f"tree-{name}"
        intake = handin.normalise(tmp_path / name, tree)
        assert intake.notes == [f"code cell 3 of {name} does not parse ('(' was never closed, line 2): it was left out"]
        loaded = load_exercise(Modules(tree, tree), "06_convolution")
        assert perform(loaded.module, Call("convolve2d", (np.ones((3, 3)), np.ones((2, 2))))).ok
        outcome = perform(loaded.module, Call("conv2d", ()), source=loaded.shown)
        assert outcome.message == (
            f"`conv2d` is in code cell 3 of {name}, which Python cannot read "
            "('(' was never closed, line 2): fix that cell."
        )
    assert "07_pooling" in handin.normalise(tmp_path / "kata.ipynb", tmp_path / "again").found
    # The cell alone held the exercise: the checks still say where its functions are.
    (tmp_path / "only.ipynb").write_text(notebook_json(["import numpy as np", broken]))
    tree = tmp_path / "tree-only"
    assert handin.normalise(tmp_path / "only.ipynb", tree).found == {"06_convolution": "only.ipynb"}
    loaded = load_exercise(Modules(tree, tree), "06_convolution")
    assert perform(loaded.module, Call("conv2d", ())).message.startswith("`conv2d` is in code cell 2 of only.ipynb")


# ----------------------------------------------------------------------------------------------
# Notebook hand-ins: messages name the notebook's cells, files that cannot be read are not stubs,
# the learner's own code in nnkata's setup and tests cells


def role_notebook_json(cells: list[tuple[str, str | None]]) -> str:
    """A notebook whose code cells carry nnkata's roles (None for a cell of the learner's)."""
    code = [
        {"cell_type": "code", "metadata": {"nnkata": {"role": role}} if role else {}, "source": text, "outputs": []}
        for text, role in cells
    ]
    return json.dumps({"cells": code, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})


def generated_cells(exercise: str) -> dict[str, str]:
    """The text of the generated notebook's setup, exercise and tests cells."""
    notebook = json.loads((EXERCISES_DIR / exercise / f"{module_name(exercise)}.ipynb").read_text())
    return {
        c["metadata"]["nnkata"]["role"]: "".join(c["source"])
        for c in notebook["cells"]
        if c["cell_type"] == "code" and "nnkata" in c["metadata"]
    }


def load_in_process(tree: Path, exercise: str):
    from grader.calling import LearnerModules
    from grader.loading import load_exercise

    return load_exercise(LearnerModules(tree, tree), exercise)


def test_a_notebooks_module_names_the_notebook_its_cell_and_line(tmp_path: Path) -> None:
    root = tmp_path / "hana"
    root.mkdir()
    setup, _, tests = generated_cells("04_parameters").values()
    broken = "x = 1\ny = 2\nmd = Markdown('hello')\n"
    cells = [(setup, "setup"), (solution_text("04_parameters"), "exercise"), (broken, None), (tests, "tests")]
    (root / "parameters.ipynb").write_text(role_notebook_json(cells))
    tree = tmp_path / "tree"
    intake = handin.normalise(root, tree)
    assert intake.found == {"04_parameters": "parameters.ipynb"} and intake.notes == []
    origin = json.loads((tree / "04_parameters" / "parameters.origin.json").read_text())
    assert origin["notebook"] == "parameters.ipynb" and [number for _, number in origin["cells"]] == [2, 3]
    loaded = load_in_process(tree, "04_parameters")
    assert loaded.shown == "parameters.ipynb"
    assert loaded.message.startswith("parameters.ipynb could not be imported: importing parameters raised NameError")
    assert "(code cell 3, line 3 of parameters.ipynb, in <module>: `md = Markdown('hello')`)" in loaded.message
    assert "parameters.py" not in loaded.message


def test_one_notebook_shared_out_keeps_its_cells_lines_after_the_imports_it_gets(tmp_path: Path) -> None:
    from grader.calling import Call, perform

    neuron = solution_text("01_neuron").replace("def layer_weighted_sums", "def layer_weighted_sum")
    feedforward = solution_text("03_feedforward") + "\n\nshown = not_defined_here\n"
    cells = ["import numpy as np", neuron, solution_text("02_sigmoid"), "%matplotlib inline", feedforward]
    (tmp_path / "kata.ipynb").write_text(notebook_json(cells))
    tree = tmp_path / "tree"
    intake = handin.normalise(tmp_path / "kata.ipynb", tree)
    assert set(intake.found) == {"01_neuron", "02_sigmoid", "03_feedforward"}
    module = (tree / "03_feedforward" / "feedforward.py").read_text()
    assert module.startswith("from neuron import *  # noqa (from the notebook)\n\nfrom sigmoid import *")
    origin = json.loads((tree / "03_feedforward" / "feedforward.origin.json").read_text())
    assert [number for _, number in origin["cells"]] == [1, 5]  # the imports added are no cell's
    line = feedforward.split("\n").index("shown = not_defined_here") + 1
    loaded = load_in_process(tree, "03_feedforward")
    # The first failure is the neuron's rename, in the notebook, not in a neuron.py the learner never saw.
    assert "kata.ipynb has no function layer_weighted_sums" in loaded.message
    (tree / "01_neuron" / "neuron.py").write_text(solution_text("01_neuron"))
    loaded = load_in_process(tree, "03_feedforward")
    assert f"(code cell 5, line {line} of kata.ipynb, in <module>: `shown = not_defined_here`)" in loaded.message
    sigmoid = load_in_process(tree, "02_sigmoid")
    assert perform(sigmoid.module, Call("sigmoid", (0.0,)), source=sigmoid.shown).ok


def test_a_forged_or_damaged_origin_file_changes_no_more_than_the_names_in_messages(tmp_path: Path) -> None:
    from grader.calling import notebook_origin

    tree = tmp_path / "tree"
    code = solution_text("02_sigmoid") + "\nx = undefined_name\n"
    line = code.split("\n").index("x = undefined_name") + 1
    write_handin(tree, {"02_sigmoid": code})
    module = tree / "02_sigmoid" / "sigmoid.py"
    origin = tree / "02_sigmoid" / "sigmoid.origin.json"
    for forged in (
        b"",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"notebook": 3, "cells": []}',
        b'{"notebook": "x.ipynb", "cells": [[1]]}',
        b'{"notebook": "x.ipynb", "cells": [[true, 1]]}',
        b'{"notebook": "x.ipynb", "cells": [[5, 1], [1, 2]]}',
        b'{"notebook": "x.ipynb", "cells": [[-1, 1]]}',
        b'{"notebook": "x.ipynb", "cells": ' + json.dumps([[i, i] for i in range(1, 6000)]).encode() + b"}",
        b"[" * 100000,
        b'{"refused": ""}',
    ):
        origin.write_bytes(forged)
        assert notebook_origin(module) is None
        loaded = load_in_process(tree, "02_sigmoid")
        assert loaded.shown == "02_sigmoid/sigmoid.py" and f"line {line} of sigmoid.py" in loaded.message
    origin.write_text(json.dumps({"notebook": "evil\n## Total: 100\n" + "x" * 5000, "cells": [[1, 7]]}))
    loaded = load_in_process(tree, "02_sigmoid")
    assert "\n" not in loaded.shown and len(loaded.shown) <= 200
    assert loaded.message.startswith(loaded.shown) and f"code cell 7, line {line} of" in loaded.message
    origin.write_text(json.dumps({"refused": "y" * 10**5}))
    from grader.calling import LearnerImportError, LearnerModules

    with pytest.raises(LearnerImportError) as raised:
        LearnerModules(tree, tree).source("02_sigmoid")
    assert len(str(raised.value)) <= 2000
    origin.unlink()
    os.symlink("/etc/passwd", origin)
    assert notebook_origin(module) is None


def test_notebooks_may_be_large_with_their_outputs_but_not_with_their_code(tmp_path: Path) -> None:
    root = tmp_path / "ola"
    root.mkdir()
    notebook = json.loads(notebook_json([solution_text("07_pooling")]))
    plot = {"output_type": "display_data", "metadata": {}, "data": {"image/png": "A" * (3 * 1024**2)}}
    notebook["cells"][0]["outputs"] = [plot]
    (root / "pooling.ipynb").write_text(json.dumps(notebook))
    assert (root / "pooling.ipynb").stat().st_size > handin.MAX_FILE_BYTES
    intake = handin.normalise(root, tmp_path / "tree")
    assert intake.found == {"07_pooling": "pooling.ipynb"} and intake.notes == []
    archive = zip_folder(root, tmp_path / "ola.zip")
    intake = handin.normalise(archive, tmp_path / "tree-zip")
    assert intake.found == {"07_pooling": "ola/pooling.ipynb"} and intake.notes == []
    (root / "pooling.ipynb").write_text(notebook_json(["w = " + "0" * handin.MAX_FILE_BYTES]))
    intake = handin.normalise(root, tmp_path / "tree-code")
    assert intake.notes == [
        f"pooling.ipynb: pooling.ipynb's code cells hold {handin.MAX_FILE_BYTES + 4} characters, "
        f"more than the {handin.MAX_FILE_BYTES} accepted"
    ]


def refusal(tree: Path, exercise: str) -> str:
    origin = json.loads((tree / exercise / f"{module_name(exercise)}.origin.json").read_text())
    assert (tree / exercise / f"{module_name(exercise)}.py").read_text() == ""
    return origin["refused"]


def test_a_notebook_that_cannot_be_read_is_not_graded_as_the_stub_beside_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from grader.calling import LearnerImportError, LearnerModules

    monkeypatch.setattr(handin, "MAX_NOTEBOOK_BYTES", 4096)
    root = tmp_path / "uma"
    shutil.copytree(EXERCISES_DIR / "06_convolution", root / "06_convolution", ignore=shutil.ignore_patterns("*.md"))
    shutil.copytree(EXERCISES_DIR / "07_pooling", root / "07_pooling", ignore=shutil.ignore_patterns("*.md"))
    big = root / "06_convolution" / "convolution.ipynb"
    big.write_text(notebook_json([solution_text("06_convolution"), "x = '" + "0" * 5000 + "'"]))
    torn = root / "07_pooling" / "pooling.ipynb"
    torn.write_text(notebook_json([solution_text("07_pooling")])[:300])
    (root / "sigmoid.py").write_text(solution_text("02_sigmoid"))
    tree = tmp_path / "tree"
    intake = handin.normalise(root, tree)
    size = big.stat().st_size
    assert intake.found == {
        "02_sigmoid": "sigmoid.py",
        "06_convolution": "06_convolution/convolution.ipynb",
        "07_pooling": "07_pooling/pooling.ipynb",
    }
    assert (
        intake.notes[0]
        == f"06_convolution/convolution.ipynb: convolution.ipynb is {size} bytes, more than the 4096 accepted"
    )
    assert refusal(tree, "06_convolution") == (
        f"06_convolution/convolution.ipynb could not be read by the grader, so none of its code was graded: "
        f"it is {size} bytes, more than the 4096 accepted. A notebook may take 4096 bytes, outputs included: clear "
        "them in Jupyter (Edit > Clear Outputs of All Cells), save it and hand it in again."
    )
    assert refusal(tree, "07_pooling").startswith(
        "07_pooling/pooling.ipynb could not be read by the grader, so none of its code was graded: "
        "it is not a valid Jupyter notebook ("
    )
    with pytest.raises(LearnerImportError, match=r"^07_pooling/pooling\.ipynb could not be read by the grader"):
        LearnerModules(tree, tree).source("07_pooling")
    # Written work beside a file that cannot be read is graded, and the note says what was not read.
    (root / "07_pooling" / "pooling.py").write_text(solution_text("07_pooling"))
    intake = handin.normalise(root, tmp_path / "tree2")
    assert intake.found["07_pooling"] == "07_pooling/pooling.py"
    assert any(
        note.startswith("07_pooling/pooling.ipynb: 07_pooling/pooling.ipynb is not a valid") for note in intake.notes
    )


def test_a_notebook_too_large_in_a_zip_is_not_graded_as_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handin, "MAX_NOTEBOOK_BYTES", 4096)
    archive = tmp_path / "bo.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("bo/sigmoid.py", solution_text("02_sigmoid"))
        z.writestr("bo/pooling.ipynb", notebook_json([solution_text("07_pooling"), "x = '" + "0" * 5000 + "'"]))
    tree = tmp_path / "tree"
    intake = handin.normalise(archive, tree)
    assert intake.found == {"02_sigmoid": "bo/sigmoid.py", "07_pooling": "bo/pooling.ipynb"}
    assert "member 'bo/pooling.ipynb' would be" in intake.notes[0]
    assert refusal(tree, "07_pooling").startswith("bo/pooling.ipynb could not be read by the grader, so none of")


def test_a_notebook_named_after_no_exercise_that_cannot_be_read_stands_for_the_stubs(tmp_path: Path) -> None:
    root = tmp_path / "vic"
    shutil.copytree(EXERCISES_DIR, root / "exercises", ignore=shutil.ignore_patterns("*.ipynb", "*.md", "test_*"))
    (root / "kata.ipynb").write_text('{"cells": [')
    tree = tmp_path / "tree"
    intake = handin.normalise(root, tree)
    assert set(intake.found) == set(EXERCISES) and set(intake.found.values()) == {"kata.ipynb"}
    assert refusal(tree, "03_feedforward").startswith("kata.ipynb could not be read by the grader")
    # Beside written work, it stands for the stubs only (what else it held is anyone's guess).
    (root / "exercises" / "02_sigmoid" / "sigmoid.py").write_text(solution_text("02_sigmoid"))
    shutil.rmtree(root / "exercises" / "08_training")
    intake = handin.normalise(root, tmp_path / "tree2")
    assert intake.found["02_sigmoid"] == "exercises/02_sigmoid/sigmoid.py"
    assert intake.found["01_neuron"] == "kata.ipynb" and "08_training" not in intake.found


def test_the_learners_own_code_in_nnkatas_setup_and_tests_cells_is_kept(tmp_path: Path) -> None:
    setup, exercise, tests = generated_cells("02_sigmoid").values()
    work = solution_text("02_sigmoid").replace("import numpy as np\n", "")
    helper = "def helper(z):\n    return z\n"
    root = tmp_path / "ron"
    root.mkdir()
    cells = [
        ("%matplotlib inline\nimport numpy as np\n" + setup + "\nprint('ready')\n", "setup"),
        (work, "exercise"),
        (helper + "\n" + tests, "tests"),
    ]
    (root / "sigmoid.ipynb").write_text(role_notebook_json(cells))
    tree = tmp_path / "tree"
    intake = handin.normalise(root, tree)
    assert intake.notes == []
    module = (tree / "02_sigmoid" / "sigmoid.py").read_text()
    assert "import numpy as np" in module and "def helper(z):" in module
    assert "grader" not in module.replace("# ", "") or "import grader" not in module
    assert "setup_notebook(" not in module and "run_checks(" not in module
    assert "# (not checked) print('ready')" in module
    assert load_in_process(tree, "02_sigmoid").module.helper(3) == 3
    # Untouched, they add nothing: the notebook reads as the stub it holds.
    (root / "sigmoid.ipynb").write_text(
        role_notebook_json([(setup, "setup"), (exercise, "exercise"), (tests, "tests")])
    )
    assert handin.is_untouched_stub(
        (handin.normalise(root, tmp_path / "t2").root / "02_sigmoid" / "sigmoid.py").read_text()
    )


def test_the_learners_code_that_cannot_be_kept_from_nnkatas_cells_is_named(tmp_path: Path) -> None:
    setup, _, tests = generated_cells("02_sigmoid").values()
    inside = setup.replace("    import grader\n", "    import grader\n    import numpy as np\n")
    line = inside.split("\n").index("    import numpy as np") + 1
    root = tmp_path / "sam"
    root.mkdir()
    cells = [(inside, "setup"), (solution_text("02_sigmoid"), "exercise"), ("def f(:\n" + tests, "tests")]
    (root / "sigmoid.ipynb").write_text(role_notebook_json(cells))
    intake = handin.normalise(root, tmp_path / "tree")
    assert intake.notes == [
        f"code cell 1 of sigmoid.ipynb, nnkata's setup cell: your line {line} was left out, being inside nnkata's "
        "own code there (or on one of its lines); move your code below nnkata's lines or into a cell of its own",
        "code cell 3 of sigmoid.ipynb, nnkata's tests cell, does not parse (invalid syntax, line 1): it was left "
        "out, with the code of yours it holds; fix it, or move your code into a cell of its own",
    ]


# ----------------------------------------------------------------------------------------------
# Bounded work on a notebook in the grader's own process (the intake and the class scan)


@contextlib.contextmanager
def finishes_within(seconds: float) -> Iterator[None]:
    """Fail, rather than wait, when the block runs longer than ``seconds``: for work that must be
    linear in its input, on an input that quadratic work takes many times longer over."""

    def stop(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {seconds} s: not linear work")

    previous = signal.signal(signal.SIGALRM, stop)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def never_called(*args: object, **kwargs: object) -> None:
    raise AssertionError("called on a notebook refused by its size")


def test_a_notebooks_code_is_measured_as_saved_before_any_of_it_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 30 MiB of code in one cell took 66 s and 10 GB in the grader's process before it was refused.
    line = "x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n"
    lines = [line] * (28 * 1024**2 // len(line))
    size = len(line) * len(lines)
    root = tmp_path / "big"
    root.mkdir()
    (root / "sigmoid.ipynb").write_text(role_notebook_json([([*lines], None)]))  # saved as a list of lines
    monkeypatch.setattr(handin, "numbered_code_cells", never_called)
    with finishes_within(5):
        intake = handin.normalise(root, tmp_path / "tree")
    assert intake.notes == [
        f"sigmoid.ipynb: sigmoid.ipynb's code cells hold {size} characters, more than the {handin.MAX_FILE_BYTES} "
        "accepted"
    ]
    assert intake.refused == {"02_sigmoid"} and refusal(tmp_path / "tree", "02_sigmoid").endswith(
        "Keep only the exercises' code in it (no data) and hand it in again."
    )
    # The empty line that joins two cells counts: the module written never takes more.
    small = 4096
    monkeypatch.setattr(handin, "MAX_FILE_BYTES", small)
    half = "x = 1\n" * (small // 12)
    cells = [half, half, "y"]
    assert sum(map(len, cells)) == small - 3  # and two empty lines
    (root / "sigmoid.ipynb").write_text(notebook_json(cells))
    assert handin.normalise(root, tmp_path / "t2").notes == [
        f"sigmoid.ipynb: sigmoid.ipynb's code cells hold {small + 1} characters, more than the {small} accepted"
    ]
    # So does what the experiments commented out add; and what a notebook shared out adds.
    monkeypatch.undo()
    monkeypatch.setattr(handin, "MAX_FILE_BYTES", small)
    (root / "sigmoid.ipynb").write_text(notebook_json(["x\n" * 1000]))
    assert handin.normalise(root, tmp_path / "t3").notes == [
        f"sigmoid.ipynb: sigmoid.ipynb's code cells make a module of {18 * 1000 - 1} characters, more than the "
        f"{small} accepted"
    ]
    (root / "sigmoid.ipynb").unlink()
    neuron, sigmoid = "def weighted_sum(w, x, b):\n    return 0", "def sigmoid(z):\n    return z"
    feedforward = "def feedforward(network, x):\n    return x"
    cells = ["p = 0\n" * 500, neuron, sigmoid, feedforward]
    monkeypatch.setattr(handin, "MAX_FILE_BYTES", sum(map(len, cells)) + 2 * 3 + 10)
    (root / "kata.ipynb").write_text(notebook_json(cells))
    intake = handin.normalise(root, tmp_path / "t4")
    assert len(intake.notes) == 1 and "kata.ipynb's code cells make a module of " in intake.notes[0]
    assert intake.refused == set(EXERCISES) - {"08_training"} or intake.refused == set(intake.found)
    assert all(p.stat().st_size <= handin.MAX_FILE_BYTES for p in (tmp_path / "t4").rglob("*.py"))


def test_a_notebook_of_more_code_cells_than_a_hand_in_holds_is_refused(tmp_path: Path) -> None:
    root = tmp_path / "many"
    root.mkdir()
    (root / "sigmoid.ipynb").write_text(notebook_json(["x = 1"] * (handin.MAX_CODE_CELLS + 1)))
    intake = handin.normalise(root, tmp_path / "tree")
    assert intake.notes == [
        f"sigmoid.ipynb: sigmoid.ipynb has {handin.MAX_CODE_CELLS + 1} code cells, more than the "
        f"{handin.MAX_CODE_CELLS} accepted"
    ]
    assert refusal(tmp_path / "tree", "02_sigmoid").endswith(
        "Delete the cells you no longer need (keep the exercises' code), save it and hand it in again."
    )


def test_reading_a_notebooks_cells_is_linear_work() -> None:
    from grader.calling import join_cells, own_code, strip_experiments

    # Each took from 6 to 12 s (quadratic), and now takes well under 1 s.
    with finishes_within(2):
        kept, left_out = own_code("run_checks\n" * 40_000)
    assert kept is None and left_out == []
    with finishes_within(2):
        stripped = strip_experiments("a = 1\nb\n" * 20_000).split("\n")
    assert stripped[:3] == ["a = 1", "# (not checked) b", "a = 1"]
    with finishes_within(2):
        text, starts = join_cells(["\n".join(f"from __future__ import a{i}" for i in range(60_000)), "x = 1"])
    assert starts == [60_001, 120_002] and text.count("from __future__") == 60_000


def test_telling_a_class_from_one_learner_parses_no_notebook_of_more_code_than_that(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 0.72 MiB in bob's tests cell took 26 s (own_code was quadratic, and it was parsed whole).
    klass = tmp_path / "class"
    (klass / "alice").mkdir(parents=True)
    (klass / "alice" / "neuron.py").write_text(solution_text("01_neuron"))
    (klass / "bob").mkdir()
    (klass / "bob" / "neuron.ipynb").write_text(role_notebook_json([("run_checks()\nx=1\n" * 40_000, "tests")]))
    (klass / "cy").mkdir()
    (klass / "cy" / "sigmoid.ipynb").write_text(notebook_json([solution_text("02_sigmoid")]))
    (klass / "dee").mkdir()
    (klass / "dee" / "sigmoid.ipynb").write_text(notebook_json([solution_text("02_sigmoid").replace("1.0", "1")]))
    parsed = []
    numbered = handin.numbered_code_cells
    monkeypatch.setattr(
        handin,
        "numbered_code_cells",
        lambda notebook, left_out: (
            parsed.append(sum(len(c["source"]) for c in notebook["cells"])) or numbered(notebook, left_out)
        ),
    )
    with finishes_within(5):
        assert handin.folder_of_handins(klass) is not None  # cy and dee
    assert len(parsed) == 2 and all(size <= handin.MAX_PARSED_CHARS for size in parsed)
    # A notebook larger than what is left to read is not read at all (one of 32 MiB got through).
    size = (klass / "cy" / "sigmoid.ipynb").stat().st_size
    monkeypatch.setattr(handin, "MAX_SCAN_BYTES", size + len(solution_text("01_neuron")) + 10)
    read = []
    read_where = handin._read_where
    monkeypatch.setattr(
        handin, "_read_where", lambda where, most: read.append(len(data := read_where(where, most))) or data
    )
    assert handin.folder_of_handins(klass) is None  # dee's notebook was not read
    assert sum(read) <= handin.MAX_SCAN_BYTES


def test_a_learners_line_that_needs_one_of_nnkatas_is_left_out_and_named(tmp_path: Path) -> None:
    from grader.calling import Call, perform

    setup, _, tests = generated_cells("02_sigmoid").values()
    work = solution_text("02_sigmoid").replace("import numpy as np\n", "")
    setup = setup.replace(
        'setup_notebook("02_sigmoid");',
        'modules = setup_notebook("02_sigmoid")\nroot = modules.impl_root\nimport numpy as np\ny = 2; z = root',
    )
    tests = tests.replace('run_checks("02_sigmoid", globals());', 'report = run_checks("02_sigmoid", globals())\n')
    tests += "assert report.ok, report\nDONE = True\n"
    root_line = setup.split("\n").index("root = modules.impl_root") + 1
    assert_line = tests.split("\n").index("assert report.ok, report") + 1
    (tmp_path / "ron").mkdir()
    cells = [(setup, "setup"), (work, "exercise"), (tests, "tests")]
    (tmp_path / "ron" / "sigmoid.ipynb").write_text(role_notebook_json(cells))
    tree = tmp_path / "tree"
    intake = handin.normalise(tmp_path / "ron", tree)
    assert intake.notes == [  # `y = 2; z = root`: y is left out with z
        f"code cell 1 of sigmoid.ipynb, nnkata's setup cell: your lines {root_line}, {root_line + 2} were left out, "
        "as they use `modules`, `root`, which only code the grader leaves out there defines (nnkata's, or yours "
        "inside it); define what your functions need in a cell of your own",
        f"code cell 3 of sigmoid.ipynb, nnkata's tests cell: your line {assert_line} was left out, as it uses "
        "`report`, which only code the grader leaves out there defines (nnkata's, or yours inside it); define what "
        "your functions need in a cell of your own",
    ]
    module = (tree / "02_sigmoid" / "sigmoid.py").read_text()
    assert "import numpy as np" in module and "DONE = True" in module
    assert "report" not in module and "root" not in module and "y = 2" not in module
    loaded = load_in_process(tree, "02_sigmoid")
    assert loaded.module is not None and loaded.module.DONE
    assert perform(loaded.module, Call("sigmoid", (0.0,)), source=loaded.shown).ok


def test_a_cell_that_does_not_parse_moves_no_line_of_the_others(tmp_path: Path) -> None:
    from grader.calling import LearnerModules, where

    cells = ["", "def sigmoid(z):\n    return z  # MARK", "def sigmoid_prime(z) oops:\n    pass"]
    (tmp_path / "sigmoid.ipynb").write_text(notebook_json(cells))
    tree = tmp_path / "tree"
    assert handin.normalise(tmp_path / "sigmoid.ipynb", tree).found == {"02_sigmoid": "sigmoid.ipynb"}
    module = tree / "02_sigmoid" / "sigmoid.py"
    LearnerModules(tree, tree).source("02_sigmoid")
    line = module.read_text().split("\n").index("    return z  # MARK") + 1
    assert where(str(module), line) == "code cell 2, line 2 of sigmoid.ipynb"


def test_a_refusal_naming_a_file_that_is_not_utf8_is_written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from grader.calling import LearnerImportError, LearnerModules

    def unreadable(path: Path, limit: int | None = None) -> bytes:  # an error that names the file as it is
        raise OSError("cannot read " + os.fsdecode(b"/handin/sigmoid\xe9.ipynb"))

    (tmp_path / "zoe").mkdir()
    (tmp_path / "zoe" / "sigmoid.ipynb").write_text(notebook_json([solution_text("02_sigmoid")]))
    monkeypatch.setattr(handin, "_read_regular", unreadable)
    tree = tmp_path / "tree"
    intake = handin.normalise(tmp_path / "zoe", tree)  # UnicodeEncodeError: the grader failed on the hand-in
    assert intake.found == {"02_sigmoid": "sigmoid.ipynb"} and intake.refused == {"02_sigmoid"}
    with pytest.raises(LearnerImportError) as raised:
        LearnerModules(tree, tree).source("02_sigmoid")
    assert str(raised.value).startswith(
        "sigmoid.ipynb could not be read by the grader, so none of its code was graded: cannot read "
        "/handin/sigmoid?.ipynb."
    )


def test_the_grader_flags_what_the_intake_refused_not_what_a_message_says() -> None:
    from grader.calling import IMPORT_FAILED, Outcome
    from grader.grading import NOT_IMPORTED, NOT_READ, exercise_cause

    message = "sigmoid.ipynb could not be imported: importing sigmoid raised Exception: could not be read by the grader"
    run = {"problem": None, "outcomes": [Outcome(IMPORT_FAILED, message=message)] * 3}
    assert exercise_cause(run) == (NOT_IMPORTED, message)
    assert exercise_cause({**run, "refused": True}) == (NOT_READ, message)


def test_a_sidecar_of_more_cells_than_are_read_names_the_notebook_only(tmp_path: Path) -> None:
    from grader.calling import MAX_ORIGIN_CELLS, notebook_origin

    cells = tuple((number, number) for number in range(1, MAX_ORIGIN_CELLS + 2))
    module = handin._Module("x = 1\n", tmp_path / "kata.ipynb", "kata.ipynb", ((0, 0), 0), cells)
    handin._write_module(tmp_path, "02_sigmoid", module)
    origin = tmp_path / "02_sigmoid" / "sigmoid.origin.json"
    assert json.loads(origin.read_text()) == {"notebook": "kata.ipynb", "cells": []}
    assert notebook_origin(tmp_path / "02_sigmoid" / "sigmoid.py") == {"notebook": "kata.ipynb", "cells": []}


def test_a_cell_whose_source_is_damaged_is_empty_not_a_crash(tmp_path: Path) -> None:
    from grader.calling import cell_source

    assert cell_source({"source": ["a\n", "b"]}) == "a\nb" and cell_source({"source": "a"}) == "a"
    for damaged in ([1, 2], [None], ["x = 1\n", {"a": 1}], None, 3, {"a": "b"}):
        assert cell_source({"source": damaged}) == ""
        root = tmp_path / f"h{len(list(tmp_path.iterdir()))}"
        root.mkdir()
        cells = [{"cell_type": "code", "metadata": {}, "source": damaged, "outputs": []}]
        cells.append({"cell_type": "code", "metadata": {}, "source": solution_text("02_sigmoid"), "outputs": []})
        (root / "sigmoid.ipynb").write_text(json.dumps({"cells": cells, "metadata": {}}))
        intake = handin.normalise(root, root.with_suffix(".tree"))
        assert intake.found == {"02_sigmoid": "sigmoid.ipynb"} and intake.notes == []
    # Nor in telling a class from one learner, which stopped `grade CLASS` for everyone.
    klass = tmp_path / "class"
    (klass / "alice").mkdir(parents=True)
    (klass / "alice" / "neuron.py").write_text(solution_text("01_neuron"))
    (klass / "bob").mkdir()
    cell = {"cell_type": "code", "metadata": {}, "source": [1], "outputs": []}
    (klass / "bob" / "neuron.ipynb").write_text(json.dumps({"cells": [cell], "metadata": {}}))
    handin.folder_of_handins(klass)


def test_magics_are_commented_out_and_python_is_not() -> None:
    from grader.calling import code_cells, strip_magics

    # A line that continues an expression or a string is Python, whatever it starts with.
    for python in ("ok = (a\n    != b)", "r = (7\n% 2)", "s = '''\n%d items\n!done\n'''"):
        assert strip_magics(python) == python
    assert strip_magics("%timeit f(x)\nok = (a\n    != b)\n!pip install numpy") == (
        "# (jupyter) %timeit f(x)\nok = (a\n    != b)\n# (jupyter) !pip install numpy"
    )
    assert strip_magics("%%time\nx = 1") == ""
    # Lines end where Python ends them: a form feed or U+2028 inside a line starts none.
    assert strip_magics("a = 1\r\nb = 2\rc = '\x0c\u2028'\n") == "a = 1\nb = 2\nc = '\x0c\u2028'"
    cells = code_cells(json.loads(notebook_json(["%matplotlib inline\nx = '\u2028'\ny = (1\n!= 2)"])))
    assert cells == ["# (jupyter) %matplotlib inline\nx = '\u2028'\ny = (1\n!= 2)"]


def test_the_intake_and_notebook_code_join_a_notebook_alike(tmp_path: Path) -> None:
    from grader.calling import _NOTEBOOK_CELLS, notebook_code, notebook_origin

    pasted = "from __future__ import annotations\n\n" + solution_text("02_sigmoid")
    (tmp_path / "sigmoid.ipynb").write_text(notebook_json(["import numpy as np", "%timeit 1", pasted]))
    tree = tmp_path / "tree"
    handin.normalise(tmp_path / "sigmoid.ipynb", tree)
    code = notebook_code(tmp_path / "sigmoid.ipynb")
    assert (tree / "02_sigmoid" / "sigmoid.py").read_text() == code
    origin = notebook_origin(tree / "02_sigmoid" / "sigmoid.py")
    assert origin is not None and _NOTEBOOK_CELLS[str(tmp_path / "sigmoid.ipynb")] == ("sigmoid.ipynb", origin["cells"])


# ----------------------------------------------------------------------------------------------
# Lines of a notebook's own that the checks leave out: Colab's setup, comparisons with PyTorch,
# and nnkata's setup and tests cells told by their text when their metadata is gone


def test_colabs_setup_lines_are_left_out_like_display_imports(tmp_path: Path) -> None:
    colab = "from google.colab import drive\ndrive.mount('/content/drive')\n"
    colab += "from google import colab\nimport google.colab"
    (tmp_path / "neuron.ipynb").write_text(notebook_json([colab, solution_text("01_neuron")]))
    tree = tmp_path / "tree"
    intake = handin.normalise(tmp_path / "neuron.ipynb", tree)
    assert intake.notes == []
    module = (tree / "01_neuron" / "neuron.py").read_text()
    assert module.startswith(
        "# (not checked) from google.colab import drive\n# (not checked) drive.mount('/content/drive')\n"
        "# (not checked) from google import colab\n# (not checked) import google.colab\n"
    )
    assert load_in_process(tree, "01_neuron").module is not None
    # Only Colab's own modules: another of Google's is the learner's to answer for, named where it is.
    (tmp_path / "other.ipynb").write_text(notebook_json(["import google.not_colab", solution_text("01_neuron")]))
    tree = handin.normalise(tmp_path / "other.ipynb", tmp_path / "t2").root
    assert (tree / "01_neuron" / "neuron.py").read_text().startswith("import google.not_colab\n")
    assert load_in_process(tree, "01_neuron").message.endswith(
        " (code cell 1, line 1 of other.ipynb: `import google.not_colab`): where your code is checked, only NumPy, "
        "the standard library and your exercises can be imported"
    )


def test_torch_used_only_outside_the_exercise_functions_is_left_out(tmp_path: Path) -> None:
    from grader.calling import FORBIDDEN_IMPORT, OK

    comparison = (
        "import torch\nimport torch.nn.functional as F\n"
        "W, a, b = np.ones((3, 4)), np.ones(4), np.ones(3)\n"
        "expected = F.linear(torch.tensor(a), torch.tensor(W), torch.tensor(b)).numpy()\n"
        "def close(mine):\n    return np.allclose(mine, expected)\n"
        "ok = close(layer_weighted_sums(W, a, b))\nprint(ok)\n"
        "z = 1; t = torch.zeros(1)"
    )
    (tmp_path / "neuron.ipynb").write_text(notebook_json([solution_text("01_neuron"), comparison]))
    tree = tmp_path / "tree"
    assert handin.normalise(tmp_path / "neuron.ipynb", tree).notes == []
    module = (tree / "01_neuron" / "neuron.py").read_text()
    cell = module[module.index("import torch\n") - len("# (not checked: torch) ") :].split("\n")
    assert cell == [
        "# (not checked: torch) import torch",
        "# (not checked: torch) import torch.nn.functional as F",
        "W, a, b = np.ones((3, 4)), np.ones(4), np.ones(3)",
        "# (not checked: torch) expected = F.linear(torch.tensor(a), torch.tensor(W), torch.tensor(b)).numpy()",
        "# (not checked: torch) def close(mine):",
        "# (not checked: torch)     return np.allclose(mine, expected)",
        "# (not checked: torch) ok = close(layer_weighted_sums(W, a, b))",
        "# (not checked) print(ok)",
        "# (not checked: torch) z = 1; t = torch.zeros(1)",  # a line is left out whole
        "",
    ]
    assert load_in_process(tree, "01_neuron").status == OK
    # An exercise function that uses it, itself or through a helper, leaves nothing out: refused, and said why.
    uses = solution_text("01_neuron").replace(
        "return activations @ weights.T + biases", "return close(activations @ weights.T + biases)"
    )
    assert uses != solution_text("01_neuron")
    for name, work in (("helper", uses), ("itself", uses.replace("close(", "torch.as_tensor("))):
        (tmp_path / f"{name}.ipynb").write_text(notebook_json(["import numpy as np", work, comparison]))
        tree = tmp_path / f"tree-{name}"
        handin.normalise(tmp_path / f"{name}.ipynb", tree)
        assert "# (not checked: torch)" not in (tree / "01_neuron" / "neuron.py").read_text()
        loaded = load_in_process(tree, "01_neuron")
        line = work.split("\n").index("def layer_weighted_sums(weights, activations, biases):") + 1
        through = " through `close`" if name == "helper" else ""
        assert loaded.status == FORBIDDEN_IMPORT and loaded.message == (
            f"{name}.ipynb imports torch, and `layer_weighted_sums` uses it{through} (code cell 2, line {line} of "
            f"{name}.ipynb): write the exercises with NumPy only (the grader runs your code where no other library "
            "can be imported)."
        )


def test_a_name_the_comparison_binds_is_not_a_use_where_python_scopes_it_apart() -> None:
    from grader.calling import forbidden_use, leave_out_forbidden

    cells = [
        "import torch\nW = torch.ones(3, 4).numpy()",
        "def layer_weighted_sums(W, a, b):\n    return a @ W.T + b\n\nclass Net:\n    W = 1",
        "def helper():\n    global G\n    G = torch.zeros(1)\n\n"
        "def flatten(images):\n    return images.reshape(len(images), G)",
    ]
    found = forbidden_use(cells)
    assert found is not None and found.refused and (found.function, found.through) == ("flatten", "G")
    assert (found.cell, found.line) == (2, 5)
    assert leave_out_forbidden(cells[:2])[1] == cells[1]  # a parameter W is not the comparison's W
    assert forbidden_use(["import numpy as np"]) is None
    starred = forbidden_use(["from torch import *\nx = tensor(1)"])
    assert starred is not None and starred.refused and not starred.function


def test_nnkatas_cells_without_their_metadata_are_told_by_their_text(tmp_path: Path) -> None:
    setup, exercise, tests = generated_cells("02_sigmoid").values()
    root = tmp_path / "pia"
    root.mkdir()
    # Pasted into a new notebook: no cell metadata; a line of hers in the setup cell and inside its try.
    mine = setup.replace("    import grader\n", "    import grader\n    import math\n")
    checked = tests.replace('run_checks("02_sigmoid"', 'report = run_checks("02_sigmoid"')
    cells = ["import numpy as np\n" + mine, solution_text("02_sigmoid"), checked + "\nassert report.ok"]
    (root / "sigmoid.ipynb").write_text(notebook_json(cells))
    tree = tmp_path / "tree"
    intake = handin.normalise(root, tree)
    module = (tree / "02_sigmoid" / "sigmoid.py").read_text()
    assert "grader" not in module and "setup_notebook" not in module and "run_checks" not in module
    assert module.startswith("import numpy as np\n")
    line = cells[0].split("\n").index("    import math") + 1
    assert intake.notes == [
        f"code cell 1 of sigmoid.ipynb, nnkata's setup cell: your line {line} was left out, being inside nnkata's "
        "own code there (or on one of its lines); move your code below nnkata's lines or into a cell of its own",
        f"code cell 3 of sigmoid.ipynb, nnkata's tests cell: your line {len(checked.split(chr(10))) + 1} was left "
        "out, as it uses `report`, which only code the grader leaves out there defines (nnkata's, or yours inside "
        "it); define what your functions need in a cell of your own",
    ]
    assert load_in_process(tree, "02_sigmoid").module is not None
    # Untouched, it reads as the stub it holds, as with its metadata.
    (root / "sigmoid.ipynb").write_text(notebook_json([setup, exercise, tests]))
    assert handin.is_untouched_stub(
        (handin.normalise(root, tmp_path / "t2").root / "02_sigmoid" / "sigmoid.py").read_text()
    )
    # Its lines in a cell of the learner's (its check pasted below their code) are left out there too.
    (root / "sigmoid.ipynb").write_text(notebook_json([solution_text("02_sigmoid") + "\n" + tests]))
    module = (handin.normalise(root, tmp_path / "t3").root / "02_sigmoid" / "sigmoid.py").read_text()
    assert "def sigmoid_prime(" in module and "run_checks" not in module


def test_leaving_out_a_notebooks_comparisons_with_torch_is_linear_work() -> None:
    from grader.calling import FORBIDDEN_MARK, leave_out_forbidden

    # Statements sharing one line, and names that each use the one before: each met once.
    with finishes_within(3):
        (one_line,) = leave_out_forbidden(["import torch\n" + "a = torch; " * 30_000])
    assert one_line.split("\n")[1].startswith(FORBIDDEN_MARK.format("torch") + "a = torch; ")
    chain = "import torch\nx0 = torch\n" + "".join(f"x{i + 1} = x{i}\n" for i in range(30_000))
    with finishes_within(3):
        (left,) = leave_out_forbidden([chain + "def weighted_sum(w, a, b):\n    return 0.0\n"])
    assert left.count(FORBIDDEN_MARK.format("torch")) == 30_002 and left.endswith("    return 0.0\n")


def test_torch_imported_on_a_line_with_what_the_exercises_use_is_named_when_that_is_lost(tmp_path: Path) -> None:
    from grader.calling import FORBIDDEN_IMPORT, OK

    work = solution_text("01_neuron")
    assert "\nimport numpy as np\n" in work
    # The exercise cell imports NumPy itself: the line that imports both can go.
    (tmp_path / "kept.ipynb").write_text(notebook_json(["import numpy as np, torch", work]))
    tree = tmp_path / "kept"
    handin.normalise(tmp_path / "kept.ipynb", tree)
    assert (tree / "01_neuron" / "neuron.py").read_text().startswith("# (not checked: torch) import numpy as np, torch")
    assert load_in_process(tree, "01_neuron").status == OK
    # It does not: the exercise functions would lose `np` with it. Refused, and said what to do.
    for name, line in (("mixed", "import numpy as np, torch"), ("shared", "import numpy as np; import torch")):
        (tmp_path / f"{name}.ipynb").write_text(notebook_json([line, work.replace("\nimport numpy as np\n", "\n")]))
        tree = tmp_path / name
        handin.normalise(tmp_path / f"{name}.ipynb", tree)
        loaded = load_in_process(tree, "01_neuron")
        assert loaded.status == FORBIDDEN_IMPORT and loaded.message == (
            f"{name}.ipynb imports torch on a line that also binds `np` (code cell 1, line 1 of {name}.ipynb), "
            "which `weighted_sum` uses (import torch on a line of its own): write the exercises with NumPy only "
            "(the grader runs your code where no other library can be imported)."
        )
