"""`grade --shard I/N` and `merge`: a run split over machines gives the gradebook of one run.

Real hand-ins (solution modules, the stubs, a wrong one) are graded through the sandbox with a
one-exercise rubric, in shards and whole, and the merged outputs are compared with the whole.
"""

from __future__ import annotations

import csv
import json
import random
import re
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from grader import grading, rubric, shards
from grader.calling import module_name

REPO = Path(__file__).resolve().parent.parent
# Sandbox slots of its own: test_grading uses 100-101 and 150-151, test_hostile_grading 110-149,
# test_gradescope 160.
SLOT = 170
RUBRIC = 'total = 100\n[exercises]\n"01_neuron" = 1\n[limits]\nseconds = 20\n'
SEED = 21
# By the hash of their ids, ada and cy fall in shard 1/2, bo and dee in 2/2 (pinned below).
LEARNERS = ("ada", "bo", "cy", "dee")


def neuron(tree: str) -> str:
    return (REPO / tree / "01_neuron" / f"{module_name('01_neuron')}.py").read_text()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "grader", *args], cwd=REPO, capture_output=True, text=True, timeout=180, check=False
    )


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The batch graded whole and as shards 1/2 and 2/2, each by the command line."""
    root = tmp_path_factory.mktemp("shards")
    batch = root / "batch"
    texts = {
        "ada": neuron("solutions"),
        "bo": neuron("exercises"),
        "cy": neuron("solutions").replace("np.dot(weights, activations) + bias", "np.dot(weights, activations)"),
        "dee": neuron("solutions"),
    }
    assert texts["cy"] != texts["ada"]
    for learner, text in texts.items():
        (batch / learner).mkdir(parents=True)
        (batch / learner / "neuron.py").write_text(text)
    (root / "rubric.toml").write_text(RUBRIC)
    common = ["--each", "--rubric", str(root / "rubric.toml"), "--seed", str(SEED), "-j", "2"]
    common += ["--first-slot", str(SLOT)]
    outs = {"whole": root / "whole", "1": root / "shard-1", "2": root / "shard-2"}
    for name, out in outs.items():
        shard = [] if name == "whole" else ["--shard", f"{name}/2"]
        done = run_cli("grade", str(batch), "--out", str(out), *common, *shard)
        assert done.returncode == 0, done.stderr
        if shard:
            assert f"shard {name}/2: 2 of the 4 hand-ins" in done.stderr
    outs["batch"] = batch
    outs["rubric"] = root / "rubric.toml"
    return outs


def learners_in(out: Path) -> list[str]:
    with (out / "gradebook.csv").open(encoding="utf-8-sig") as file:
        return [row["learner"] for row in csv.DictReader(file)]


def without_times(text: str) -> str:
    return re.sub(r"time used: [0-9.]+ s", "time used: _", text)


def test_shard_arguments_are_checked() -> None:
    assert shards.parse_shard("2/8") == shards.Shard(2, 8) and str(shards.parse_shard(" 1 / 1 ")) == "1/1"
    for text, message in [
        ("0/3", "counts from 1 to 3"),
        ("4/3", "counts from 1 to 3"),
        ("1/0", "at least 1"),
        ("2", "expected I/N"),
        ("a/b", "expected I/N"),
        ("-1/2", "expected I/N"),
    ]:
        with pytest.raises(ValueError, match=message):
            shards.parse_shard(text)
    done = run_cli("grade", "anything", "--out", "nowhere", "--shard", "3/2")
    assert done.returncode == 2 and "argument --shard: the shard number counts from 1 to 2" in done.stderr


def test_slices_are_disjoint_complete_and_the_same_whatever_the_order() -> None:
    ids = [f"learner-{n:03d}" for n in range(300)]
    for count in (1, 2, 3, 7):
        slices = [shards.Shard(i, count) for i in range(1, count + 1)]
        chosen = [[learner for learner in ids if s.holds(learner)] for s in slices]
        assert sorted(learner for mine in chosen for learner in mine) == ids  # each in exactly one slice
        assert all(len(c) > 300 / count / 2 for c in chosen)  # and roughly even
        shuffled = random.Random(count).sample(ids, len(ids))
        for s, mine in zip(slices, chosen):
            assert sorted(x for x in shuffled[:100] if s.holds(x)) == sorted(set(mine) & set(shuffled[:100]))
    # Pinned: a hash of the id alone decides, on every machine and Python.
    assert [shards.shard_of(learner, 2) for learner in LEARNERS] == [1, 2, 1, 2]
    assert shards.shard_of("alice", 50) == 8


def test_each_shard_grades_only_its_slice(graded: dict[str, Path]) -> None:
    assert learners_in(graded["1"]) == ["ada", "cy"] and learners_in(graded["2"]) == ["bo", "dee"]
    header = json.loads((graded["2"] / "results.json").read_text())
    assert header["shard"] == {"index": 2, "count": 2, "submissions": 4}
    assert json.loads((graded["whole"] / "results.json").read_text())["shard"] is None
    assert stat.S_IMODE((graded["whole"] / "results.json").stat().st_mode) == 0o600  # it holds the seed


def test_merged_shards_give_the_gradebook_of_one_whole_run(graded: dict[str, Path], tmp_path: Path) -> None:
    merged = tmp_path / "merged"
    done = run_cli("merge", str(graded["2"]), str(graded["1"]), "--out", str(merged))
    assert done.returncode == 0, done.stderr
    assert "warning" not in done.stderr and "merged 2 shard(s), 4 learners" in done.stdout
    whole = graded["whole"]
    assert (merged / "gradebook.csv").read_text() == (whole / "gradebook.csv").read_text()
    with (merged / "gradebook.csv").open(encoding="utf-8-sig") as file:
        rows = {row["learner"]: row["total"] for row in csv.DictReader(file)}
    assert rows == {"ada": "100", "bo": "0", "cy": rows["cy"], "dee": "100"}
    assert 0 < float(rows["cy"]) < 100
    assert sorted(p.name for p in (merged / "feedback").iterdir()) == [f"{x}.md" for x in LEARNERS]
    for learner in LEARNERS:
        ours = (merged / "feedback" / f"{learner}.md").read_text()
        assert without_times(ours) == without_times((whole / "feedback" / f"{learner}.md").read_text())
        assert (merged / "results" / f"{learner}.json").is_file()
    joined, single = (json.loads((d / "results.json").read_text()) for d in (merged, whole))
    for key in ("seed", "rubric", "fingerprint", "checks", "exercises", "total"):
        assert joined[key] == single[key], key
    assert joined["shard"] is None and joined["merged_from"] == 2
    assert {k: v["total"] for k, v in joined["learners"].items()} == {
        k: v["total"] for k, v in single["learners"].items()
    }
    # The merged folder is a `grade --out` like any other: a re-run there keeps every result.
    lines: list[str] = []
    plan = grading.build_plan(rubric.parse(RUBRIC), SEED)
    submissions = grading.discover([graded["batch"]], each=True)
    grading.grade(submissions, merged, plan, jobs=2, progress=lines.append, first_slot=SLOT)
    assert sum("unchanged, kept" in line for line in lines) == 4


def test_merge_refuses_shards_graded_differently(graded: dict[str, Path], tmp_path: Path) -> None:
    ada = [grading.Submission("ada", graded["batch"] / "ada")]
    other_seed = tmp_path / "other-seed"
    grading.grade(ada, other_seed, grading.build_plan(rubric.parse(RUBRIC), SEED + 1), jobs=1, first_slot=SLOT)
    with pytest.raises(shards.ShardError, match="different seeds"):
        shards.merge([graded["2"], other_seed], tmp_path / "m1")
    other_rubric = tmp_path / "other-rubric"
    plan = grading.build_plan(rubric.parse(RUBRIC.replace("seconds = 20", "seconds = 30")), SEED)  # same points
    grading.grade(ada, other_rubric, plan, jobs=1, first_slot=SLOT)
    with pytest.raises(shards.ShardError, match="different rubrics"):
        shards.merge([graded["2"], other_rubric], tmp_path / "m2")
    done = run_cli("merge", str(graded["1"]), str(other_seed), "--out", str(tmp_path / "m3"))
    assert done.returncode == 1 and "different seeds" in done.stderr
    assert not re.search(rf"\b{SEED}\b", done.stderr)  # the secret is never printed (paths may hold its digits)
    assert not (tmp_path / "m1").exists() and not (tmp_path / "m3").exists()


def test_a_learner_in_two_shards_must_have_the_same_result(graded: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(graded["1"], copy)
    merged = shards.merge([graded["1"], copy, graded["2"]], tmp_path / "same")  # identical: fine
    assert [r["learner"] for r in merged.results] == list(LEARNERS)
    data = json.loads((copy / "results.json").read_text())
    data["learners"]["cy"]["total"] = 100.0
    (copy / "results.json").write_text(json.dumps(data))
    with pytest.raises(shards.ShardError, match=r"learner 'cy' is in .* with different results"):
        shards.merge([graded["1"], copy], tmp_path / "different")


def test_a_shard_given_twice_is_merged_once(graded: dict[str, Path], tmp_path: Path) -> None:
    one, two = graded["1"], graded["2"]
    again = two.parent / ".." / two.parent.name / two.name  # the same folder, spelt otherwise
    done = run_cli("merge", str(one), str(two), str(one), str(again), "--out", str(tmp_path / "m"))
    assert done.returncode == 0, done.stderr
    assert done.stderr.splitlines() == [
        f"warning: {one} was given twice: merged once",
        f"warning: {two} and {again} are the same folder: merged once",
    ]
    assert "merged 2 shard(s), 4 learners" in done.stdout
    assert learners_in(tmp_path / "m") == list(LEARNERS)
    assert json.loads((tmp_path / "m" / "results.json").read_text())["merged_from"] == 2
    # A copy of a shard is another folder, but the same slice: merged, and said.
    copy = tmp_path / "copy"
    shutil.copytree(one, copy)
    merged = shards.merge([one, copy, two], tmp_path / "m2")
    assert merged.warnings == [f"{one} and {copy} are both shard 1/2: each learner is counted once"]
    assert [r["learner"] for r in merged.results] == list(LEARNERS)


def test_merge_warns_of_a_missing_shard_and_refuses_what_is_not_a_shard(
    graded: dict[str, Path], tmp_path: Path
) -> None:
    alone = run_cli("merge", str(graded["1"]), "--out", str(tmp_path / "alone"))
    assert alone.returncode == 0 and "warning: shard 2/2 is missing" in alone.stderr
    assert learners_in(tmp_path / "alone") == ["ada", "cy"]
    with pytest.raises(shards.ShardError, match=r"has no results\.json"):
        shards.merge([graded["batch"]], tmp_path / "m")
    with pytest.raises(shards.ShardError, match="is one of the shards"):
        shards.merge([graded["1"], graded["2"]], graded["2"])


def test_merge_into_a_place_it_cannot_write_says_so_in_one_line(graded: dict[str, Path], tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    for out, message in [
        (blocker, f"--out {blocker} is a file: give a folder"),
        (blocker / "merged", f"cannot write to --out {blocker / 'merged'}: Not a directory"),
    ]:
        done = run_cli("merge", str(graded["1"]), str(graded["2"]), "--out", str(out))
        assert done.returncode != 0 and message in done.stderr and "Traceback" not in done.stderr
    # The folder is fine but a file inside it is not: the writer's own one-line error, not a traceback.
    out = tmp_path / "merged"
    (out / "gradebook.csv").mkdir(parents=True)
    done = run_cli("merge", str(graded["1"]), str(graded["2"]), "--out", str(out))
    assert done.returncode != 0 and f"cannot write {out / 'gradebook.csv'}" in done.stderr
    assert "Traceback" not in done.stderr


def test_an_empty_shard_writes_an_empty_gradebook(graded: dict[str, Path], tmp_path: Path) -> None:
    empty = next(i for i in range(1, 51) if not any(shards.shard_of(x, 50) == i for x in LEARNERS))
    out = tmp_path / "empty"
    done = run_cli(
        "grade", str(graded["batch"]), "--each", "--out", str(out), "--rubric", str(graded["rubric"]),
        "--seed", str(SEED), "--shard", f"{empty}/50", "--first-slot", str(SLOT),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert learners_in(out) == [] and f"shard {empty}/50: 0 of the 4 hand-ins" in done.stderr
    merged = shards.merge([graded["1"], out], tmp_path / "merged")
    assert [r["learner"] for r in merged.results] == ["ada", "cy"]
