"""nnkata's command line: ``python -m grader <command>`` (also installed as ``nnkata-grade``)."""

from __future__ import annotations

import argparse
import difflib
import itertools
import math
import os
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from grader.calling import LearnerImportError, LearnerModules, unwritten_function
from grader.files import atomic_file
from grader.gradescope import TORCH_CPU_INDEX, VISIBILITIES

REPO_ROOT = Path(__file__).resolve().parent.parent
NETWORK = (784, 16, 16, 10)
# Takes the reference solution (seed 0) to 95.15% test accuracy in about 16 s on 2 cores. This
# small sigmoid network levels off near 95%: seeds 1 to 4 end between 94.1% and 94.9% (README).
DEFAULT_EPOCHS = (15, 15, 10)
DEFAULT_RATES = (3.0, 1.5, 0.5)
DEFAULT_BATCH_SIZE = 10
# Below this test accuracy after training, something is wrong (guessing gets 10%; one epoch, 90%).
LEARNED_LITTLE = 0.5


class UserError(Exception):
    """A problem the user can fix; printed as one line, without a traceback."""


def positive_seconds(text: str) -> float:
    """``--timeout``: a number of seconds above 0 (argparse prints the message as one line)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan  # refused below, with the same message as 0 or -5
    if not (math.isfinite(value) and value > 0):
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, got {text!r}")
    return value


def _whole_number(text: str, least: int, what: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if value < least:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return value


def non_negative_int(text: str) -> int:
    """``--seed`` (and a ``--seed-file``'s), ``--first-slot``: a whole number, 0 or more."""
    return _whole_number(text, 0, "a whole number, 0 or more")


def positive_int(text: str) -> int:
    """``--jobs``, ``--batch-size``: a whole number, 1 or more."""
    return _whole_number(text, 1, "a whole number, 1 or more")


def _numbers(text: str, kind: type) -> tuple:
    try:
        return tuple(kind(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated numbers, got {text!r}") from None


def initial_network(sizes: tuple[int, ...], rng: np.random.Generator) -> tuple[list, list]:
    """Weights from N(0, 1/n_in), biases from N(0, 1): the start every learner's network gets."""
    weights = [rng.normal(0.0, 1.0 / np.sqrt(n_in), (n_out, n_in)) for n_in, n_out in itertools.pairwise(sizes)]
    biases = [rng.normal(0.0, 1.0, n_out) for n_out in sizes[1:]]
    return weights, biases


def save_weights(path: Path, weights: list, biases: list) -> None:
    """``numpy.savez`` as weight_0, bias_0, ... (shapes as torch.nn.Linear), written atomically."""
    arrays = {}
    for i, (w, b) in enumerate(zip(weights, biases)):
        arrays[f"weight_{i}"], arrays[f"bias_{i}"] = w, b
    with atomic_file(path) as file:
        np.savez(file, **arrays)


def ensure_mnist() -> None:
    """Download MNIST into data/mnist/ on first use, saying so, when it is nowhere on this machine.

    Only the command line does this, and not with NNKATA_OFFLINE=1 (set by the project's tests,
    which never download anything; useful on a grading machine without internet too).
    """
    from grader import mnist

    if mnist.find_data_dir() is not None:
        return
    if os.environ.get("NNKATA_OFFLINE"):
        try:  # for the loader's message, which says which file is missing where
            for split in ("train", "test"):
                mnist.load_mnist(split)
        except mnist.MnistError as error:
            raise UserError(f"{error} (NNKATA_OFFLINE is set, so nothing is downloaded)") from None
        return  # never download offline, even if the loader found every split after all
    print(
        f"MNIST is not on this machine yet: downloading it once into {mnist.DEFAULT_DATA_DIR} "
        "(about 11 MB; or point NNKATA_DATA at a folder holding the four files)",
        file=sys.stderr,
    )
    try:
        mnist.download_mnist(mirrors=mnist.MIRRORS)
    except mnist.MnistError as error:
        raise UserError(str(error)) from None


def _progress_line(epoch: int, total: int, accuracy: float, cost: float, seconds: float) -> str:
    width = 24
    filled = round(width * epoch / total)
    bar = "#" * filled + "." * (width - filled)
    return f"epoch {epoch:>3}/{total} [{bar}] test accuracy {accuracy:6.2%}  cost {cost:.4f}  {seconds:5.1f} s"


Phases = tuple[tuple[int, ...], tuple[float, ...]]  # (epochs per phase, learning rate per phase)


def schedule(epochs: tuple[int, ...] | None, rates: tuple[float, ...] | None) -> Phases:
    """The phases to train: (epochs per phase, learning rate per phase).

    Either one given alone takes the other from the start of the default schedule, so
    ``--epochs 1`` trains one epoch at the default's first rate.
    """
    if epochs is None and rates is None:
        return DEFAULT_EPOCHS, DEFAULT_RATES
    if epochs is None and rates is not None and len(rates) <= len(DEFAULT_EPOCHS):
        epochs = DEFAULT_EPOCHS[: len(rates)]
    if rates is None and epochs is not None and len(epochs) <= len(DEFAULT_RATES):
        rates = DEFAULT_RATES[: len(epochs)]
    if epochs is None or rates is None or len(epochs) != len(rates):
        raise UserError(
            "--epochs and --learning-rate need the same number of phases, e.g. --epochs 20,10 --learning-rate 3,1"
        )
    return epochs, rates


def cmd_train(args: argparse.Namespace) -> int:
    from grader import mnist
    from grader.checks.reference import evaluate_network

    impl = Path(args.impl).resolve()
    phases = schedule(args.epochs, args.learning_rate)
    ensure_mnist()
    try:
        train_images, train_labels = mnist.load_mnist("train")
        test_images, test_labels = mnist.load_mnist("test")
    except mnist.MnistError as error:
        raise UserError(str(error)) from None
    modules = LearnerModules(impl, REPO_ROOT)
    try:
        training = modules.load("08_training")
    except LearnerImportError as error:
        raise UserError(f"{impl}/08_training could not be imported: {error}") from None
    x_train, y_train = mnist.mnist_as_float(train_images), train_labels.astype(np.int64)
    x_test, y_test = mnist.mnist_as_float(test_images), test_labels.astype(np.int64)
    rng = np.random.default_rng(args.seed)
    weights, biases = initial_network(NETWORK, rng)
    total = sum(phases[0])
    print(
        f"Training {'-'.join(map(str, NETWORK))} on 60,000 images with {modules.display(impl)}/08_training "
        f"({total} epoch{'s' * (total != 1)}, batch {args.batch_size})",
        file=sys.stderr,
    )
    start = time.perf_counter()
    epoch = 0
    for epochs, rate in zip(*phases):
        for _ in range(epochs):
            try:
                weights, biases = training.train(
                    weights=weights,
                    biases=biases,
                    images=x_train,
                    labels=y_train,
                    epochs=1,
                    batch_size=args.batch_size,
                    learning_rate=rate,
                    rng=rng,
                )
            except NotImplementedError as error:
                raise UserError(_not_written(error, args.impl)) from None
            weights = [np.asarray(w, dtype=np.float64) for w in weights]
            biases = [np.asarray(b, dtype=np.float64) for b in biases]
            epoch += 1
            accuracy, cost = evaluate_network(weights, biases, x_test, y_test)
            print(_progress_line(epoch, total, accuracy, cost, time.perf_counter() - start), file=sys.stderr)
    seconds = time.perf_counter() - start
    accuracy, _ = evaluate_network(weights, biases, x_test, y_test)
    print(f"test accuracy {accuracy:.2%} after {total} epoch{'s' * (total != 1)} in {seconds:.1f} s")
    if accuracy < LEARNED_LITTLE:
        checks = "check backprop and sgd_step (pytest exercises/05_backprop exercises/08_training says which fails)"
        if phases != (DEFAULT_EPOCHS, DEFAULT_RATES) or args.batch_size != DEFAULT_BATCH_SIZE:
            checks = f"try the default schedule (no options); if that learns little too, {checks}"
        print(f"Your network learned little: {checks}.", file=sys.stderr)
    if args.save:
        save_weights(Path(args.save), weights, biases)
        print(f"weights saved to {args.save}")
    return 0


def _not_written(error: NotImplementedError, impl_option: str) -> str:
    """What to finish before training: the stub that raised may be in an earlier exercise."""
    function, exercise = unwritten_function(error)
    exercise = exercise or "08_training"
    learners_own = Path(impl_option).resolve() == (REPO_ROOT / "exercises").resolve()
    target = "" if learners_own else f" --impl {impl_option}"
    what = f"{function} is" if function == "train" else f"train calls {function}, which is"
    from grader.pytest_plugin import learner_pytest

    command = f"{learner_pytest()} exercises/{exercise}{target}"
    return f"{what} not written yet (exercise {exercise[:2]}). Finish it first: {command}"


def cmd_download_mnist(args: argparse.Namespace) -> int:
    from grader import mnist

    try:
        path = mnist.download_mnist(Path(args.dest) if args.dest else None)
    except mnist.MnistError as error:
        raise UserError(str(error)) from None
    print(f"MNIST is ready in {path}")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from grader.release import LearnerWorkError, MarkingError, release

    try:
        changed = release(REPO_ROOT, force=args.force)
    except (MarkingError, LearnerWorkError) as error:
        raise UserError(str(error)) from None
    for path in changed:
        print(f"wrote {path.relative_to(REPO_ROOT)}")
    print(f"{len(changed)} file(s) changed" if changed else "everything is up to date")
    return 0


def load_rubric(args: argparse.Namespace) -> Any:
    """The rubric of ``--rubric`` (default: ``grader/rubric.toml``); ``RubricError`` if unreadable."""
    from grader import rubric

    return rubric.load(Path(args.rubric) if args.rubric else None)


def read_seed(args: argparse.Namespace) -> int:
    """The seed of ``--seed``, or of ``--seed-file`` (one integer in a file).

    A file keeps the secret off the command line, which every user of the machine can read in
    the process list while the grader runs (``run_autograder`` passes it that way).
    """
    if getattr(args, "seed_file", None) is None:
        return args.seed
    try:
        text = Path(args.seed_file).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise UserError(f"cannot read the seed file {args.seed_file}: {error}") from None
    try:
        return non_negative_int(text)
    except argparse.ArgumentTypeError:
        raise UserError(f"the seed file {args.seed_file} must hold one whole number, 0 or more") from None


def _shard(text: str) -> Any:
    from grader.shards import parse_shard

    try:
        return parse_shard(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


NEW_SEED = 'python -c "import secrets; print(secrets.randbits(64))" > SEED'
PUBLIC_SEED = (
    "warning: the seed is 0, the public default: learners could tune their code to its cases. "
    f"Keep a secret number in a file and pass --seed-file FILE (make one with: {NEW_SEED})."
)
# Feedback shows some of the inputs drawn from the seed, and results/<learner>.json a fingerprint
# of the run, seed included: a seed below this can be found by trying every number, and with it
# the expected value of every case.
SMALL_SEED = 2**48


def seed_warning(seed: int) -> str | None:
    """What to tell an instructor whose seed learners could learn: the public one, or a small one."""
    if seed == 0:
        return PUBLIC_SEED
    if seed < SMALL_SEED:
        return (
            f"warning: the seed is small ({len(str(seed))} digit{'s' * (seed >= 10)}): a learner could find it by "
            "trying every number against the inputs their feedback shows, and then every expected value. "
            f"Use a large random one: {NEW_SEED}, then --seed-file SEED."
        )
    return None


def shown_learner(name: str | None, submissions: list[Any], out: Path) -> str | None:
    """The learner ``--show NAME`` names, by the rules of learner ids (``Zoë Müller`` is ``Zoë_Müller``).

    Checked before grading: a hand-in of this run, or one an earlier run graded into ``out``.
    """
    from grader import grading

    if name is None:
        return None
    learner = grading.learner_id(Path(name))
    known = sorted(s.learner for s in submissions)
    if learner in known or (out / "results" / f"{learner}.json").is_file():
        return learner
    close = difflib.get_close_matches(learner, known, n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(close)}?" if close else f"learners: {', '.join(known[:5])}"
    hint += f" and {len(known) - 5} more" if not close and len(known) > 5 else ""
    named = name if learner == name else f"{name} (learner {learner})"
    raise UserError(f"--show {named}: no such learner in this run ({hint})")


def several_in_one(submissions: list[Any], out: Path, say: Callable[[str], None]) -> dict[str, tuple[Path, str]]:
    """Under ``--each``: the children that hold several learners' hand-ins, which are not graded as
    one learner (learner -> their path and the line that says so, said at once)."""
    from grader import handin

    refused = {}
    for submission in submissions:
        line = handin.several_in_one_child(submission.path, submission.path.parent)
        if line is None:
            continue
        earlier = out / "results" / f"{submission.learner}.json"
        if earlier.is_file():  # or the gradebook keeps it, as the result of a learner
            line += f". An earlier run graded it as one learner: delete {earlier}"
        refused[submission.learner] = (submission.path, line)
        say(line)
    return refused


def _some(names: list[str]) -> str:
    """Up to five names, for a line that must stay one line."""
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def other_settings(out: Path, plan: Any, learners: set[str]) -> None:
    """Refuse to grade into an ``--out`` that holds learners, not graded in this run, graded with
    other settings (another seed above all): the new gradebook would leave them out, beside their
    feedback of the old settings. ``--force`` grades into it anyway; the run then names them."""
    from grader import grading

    saved = grading.saved_results(out.resolve(), plan, leave_out=learners)
    if not saved.other_settings:
        return
    by_difference: dict[str, list[str]] = {}
    for learner, differs in saved.other_settings.items():
        by_difference.setdefault(differs, []).append(learner)
    which = "; ".join(f"{_some(names)} ({differs})" for differs, names in by_difference.items())
    theirs = "their seed (the same --seed-file)" if set(by_difference) == {"another seed"} else "their settings"
    raise UserError(
        f"--out {out} holds {len(saved.other_settings)} learner(s) graded with other settings, who are not in "
        f"this run: {which}. This run's gradebook would leave them out, beside their old feedback: grade with "
        f"{theirs}, add their hand-ins to grade everyone anew, use a new --out, or give --force to grade into "
        "it anyway"
    )


def cmd_grade(args: argparse.Namespace) -> int:
    from grader import gradescope, grading, handin, rubric

    out = Path(args.out)

    def say(line: str) -> None:
        print(line, file=sys.stderr)

    try:
        plan = grading.build_plan(load_rubric(args), read_seed(args))
        submissions = grading.discover([Path(p) for p in args.submissions], args.each, out=out, say=say)
        if args.each:  # a child given itself with --each is a folder of hand-ins, each graded on its own
            given = {Path(path).resolve() for path in args.submissions}
            submissions = [s for s in submissions if s.path.resolve() not in given]
        if not submissions:
            raise UserError("no submissions to grade")
        # A class graded as one learner: stop first. Not on Gradescope, where a submission is one
        # learner's by construction and a false alarm would leave that learner without results.
        for path in [] if args.each or args.gradescope else args.submissions:
            if several := handin.folder_of_handins(Path(path)):
                raise UserError(several)
        shard = None
        if args.shard is not None:
            everyone = len(submissions)
            submissions = args.shard.select(submissions)
            shard = args.shard.header(everyone)
            say(f"shard {args.shard}: {len(submissions)} of the {everyone} hand-ins")
        # With --each, each child is checked the same way (only this shard's: each is said once).
        not_graded = {} if args.gradescope or not args.each else several_in_one(submissions, out, say)
        submissions = [s for s in submissions if s.learner not in not_graded]
        if not_graded and not submissions and args.shard is None:
            raise UserError("no hand-in to grade: each holds several learners' hand-ins (see above)")
        if plan.needs_mnist:
            ensure_mnist()
        if args.gradescope:
            gradescope.gradescope_paths(args.gradescope, [s.learner for s in submissions])
        show = shown_learner(args.show, submissions, out)
        if args.timeout:
            per_exercise = plan.rubric.seconds_per_exercise.items()
            longer = [f"{e}'s {s:g} s" for e, s in per_exercise if s > args.timeout and e in plan.exercises]
            if longer:
                say(f"--timeout {args.timeout:g} s replaces every time limit of the rubric, also {', '.join(longer)}")
            plan.rubric.seconds = args.timeout
            plan.rubric.seconds_per_exercise = {}
        if not args.force:
            other_settings(out, plan, {s.learner for s in submissions} | set(not_graded))
        results = grading.grade(
            submissions,
            out,
            plan,
            jobs=args.jobs,
            force=args.force,
            progress=say,
            first_slot=args.first_slot,
            shard=shard,
        )
        if args.gradescope:
            written = gradescope.write_gradescope(args.gradescope, results, plan, visibility=args.gradescope_visibility)
    except (grading.GradingError, rubric.RubricError) as error:
        raise UserError(str(error)) from None
    # Once graded, beside the results: an error that stops the run comes first and alone.
    if warning := seed_warning(plan.seed):
        say(warning)
    print(grading.table(results, plan))
    for line in grading.needs_a_look(results):
        print(line)
    if not_graded:
        print(f"not graded ({len(not_graded)}), as each holds several learners' hand-ins:")
        for _, line in not_graded.values():
            print(f"  {line}")
    print(f"gradebook: {out / 'gradebook.csv'}; feedback: {out / 'feedback'}/")
    if show:
        feedback = out / "feedback" / f"{show}.md"
        if not feedback.is_file():
            known = ", ".join(sorted(r["learner"] for r in results))
            raise UserError(f"--show {args.show}: no such learner in this run (learners: {known})")
        print(f"\n{feedback}:\n\n{feedback.read_text(encoding='utf-8')}")
    if args.gradescope:
        print(f"gradescope results: {', '.join(map(str, written)) if len(written) < 4 else args.gradescope}")
    failed = grading.grader_faults(results)
    if failed:
        # Their 0 is no grade: a script running this must not take the gradebook as final.
        raise UserError(
            f"the grader itself failed on {len(failed)} hand-in(s): {', '.join(failed)}. Their rows in the "
            f"gradebook are 0 and not a grade; {out / 'feedback'}/<learner>.md says what failed, and running "
            "the same command again grades them again (the others are kept)"
        )
    if not_graded:
        # Their learners are missing from the gradebook: a script running this must not take it as final.
        raise UserError(
            f"{len(not_graded)} hand-in(s) holding several learners' hand-ins were not graded: "
            f"{', '.join(str(path) for path, _ in not_graded.values())}; their learners are not in the gradebook "
            "(see 'not graded' above)"
        )
    return 0


def cmd_merge(args: argparse.Namespace) -> int:
    from grader import grading, shards

    out = Path(args.out)
    try:
        merged = shards.merge([Path(d) for d in args.shards], out)
    except (shards.ShardError, grading.GradingError) as error:
        raise UserError(str(error)) from None
    for warning in merged.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(grading.table(merged.results, merged.layout))
    print(f"merged {merged.shards} shard(s), {len(merged.results)} learners")
    print(f"gradebook: {out / 'gradebook.csv'}; feedback: {out / 'feedback'}/")
    return 0


def cmd_gradescope(args: argparse.Namespace) -> int:
    from grader import gradescope, grading, rubric

    try:
        seed = read_seed(args)
        bundle = gradescope.build_autograder(
            Path(args.out),
            load_rubric(args),
            seed,
            torch_index=args.torch_index,
            visibility=args.visibility,
        )
    except (grading.GradingError, rubric.RubricError) as error:
        raise UserError(str(error)) from None
    if warning := seed_warning(seed):
        print(warning, file=sys.stderr)
    print(
        f"wrote {bundle.path} ({len(bundle.members)} files{', MNIST included' if bundle.needs_mnist else ''}): "
        f"{bundle.checks} checks, out of {bundle.total:g} points."
    )
    print(
        "Upload it as the autograder of a Gradescope programming assignment worth that many points. "
        "Keep it private: it holds the seed."
    )
    # Past the assignment's timeout Gradescope stops the autograder before it writes any result.
    print(
        f"Set the assignment's autograder timeout to at least {math.ceil(bundle.worst_seconds / 60) + 2} minutes: "
        f"a hand-in whose every exercise runs up to its time limit takes {bundle.worst_seconds / 60:.0f} "
        "minutes (the rubric's [limits])."
    )
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from grader import grading, rubric

    try:
        plan = grading.build_plan(load_rubric(args), read_seed(args))
        if plan.needs_mnist:
            ensure_mnist()
        submissions = [
            grading.Submission("solutions", REPO_ROOT / "solutions"),
            grading.Submission("exercises", REPO_ROOT / "exercises"),
        ]
        with tempfile.TemporaryDirectory(prefix="nnkata-check-") as out:
            results = grading.grade(
                submissions, Path(out), plan, jobs=args.jobs, force=True, first_slot=args.first_slot
            )
    except (grading.GradingError, rubric.RubricError) as error:
        raise UserError(str(error)) from None
    print(grading.table(results, plan))
    solutions, stubs = results
    problems = [
        f"solutions/ lost points on {check_id}"
        for e in solutions["exercises"].values()
        for check_id, c in e["checks"].items()
        if not c["passed"]
    ]
    problems += [
        f"the untouched exercises/ scored on {check_id}"
        for e in stubs["exercises"].values()
        for check_id, c in e["checks"].items()
        if c["points"] > 0
    ]
    for problem in problems:
        print(f"FAIL: {problem}", file=sys.stderr)
    if not problems:
        print(f"ok: solutions/ get {solutions['total']:g}, exercises/ get {stubs['total']:g}")
    return 1 if problems else 0


def _plan_options(parser: argparse.ArgumentParser) -> None:
    """--rubric, and --seed or --seed-file: what decides the checks, their cases and points."""
    parser.add_argument("--rubric", metavar="FILE", help="rubric TOML (default: grader/rubric.toml)")
    seeds = parser.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=non_negative_int, default=0, help="secret seed of the checks' cases (default: 0)")
    seeds.add_argument(
        "--seed-file",
        metavar="FILE",
        help="read the seed from FILE (one integer): unlike --seed, it stays out of the process list",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m grader", description="nnkata: train, grade and release the kata.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    train = commands.add_parser(
        "train",
        help="train 784-16-16-10 on MNIST with an implementation's train()",
        description="Train 784-16-16-10 on the 60,000 MNIST training images with the `train` of an "
        "implementation (default: your exercises/), reporting test accuracy after every epoch. "
        "The default schedule (15+15+10 epochs at rates 3.0, 1.5, 0.5, batch 10, seed 0) takes the "
        "reference solution past 95%.",
    )
    train.add_argument(
        "--impl",
        default=str(REPO_ROOT / "exercises"),
        metavar="DIR",
        help="implementation tree (default: exercises/); its code runs in this process, without the sandbox: "
        "grade hand-ins with `grade`, never with this",
    )
    train.add_argument(
        "--epochs",
        type=lambda t: _numbers(t, int),
        default=None,
        metavar="N[,N...]",
        help="epochs per phase (default: 15,15,10; given alone, the phases take the default's first rates)",
    )
    train.add_argument(
        "--learning-rate",
        type=lambda t: _numbers(t, float),
        default=None,
        metavar="R[,R...]",
        help="learning rate per phase (default: 3.0,1.5,0.5)",
    )
    train.add_argument(
        "--batch-size", type=positive_int, default=DEFAULT_BATCH_SIZE, help="mini-batch size (default: %(default)s)"
    )
    train.add_argument(
        "--seed", type=non_negative_int, default=0, help="seed of the initial network and the shuffling (default: 0)"
    )
    train.add_argument(
        "--save", metavar="FILE", help="write the trained weights with numpy.savez (weight_0, bias_0, ...)"
    )
    train.set_defaults(run=cmd_train)

    download = commands.add_parser(
        "download-mnist",
        help="download MNIST into data/mnist/ (checksums verified)",
        description="Download the four MNIST files from the public mirrors, verify "
        "their SHA-256, and write them atomically.",
    )
    download.add_argument("--dest", metavar="DIR", help="where to put the files (default: data/mnist/)")
    download.set_defaults(run=cmd_download_mnist)

    release = commands.add_parser(
        "release",
        help="regenerate stubs and notebooks in exercises/ from solutions/",
        description="For maintainers of nnkata: regenerate every exercise's stub module and notebook in "
        "exercises/ from the marked solution (# BEGIN SOLUTION / # END SOLUTION) and its README. "
        "Files in which exercises have been written are not overwritten (see --force).",
    )
    release.add_argument(
        "--force", action="store_true", help="overwrite stubs and notebooks even where exercises have been written"
    )
    release.set_defaults(run=cmd_release)

    grade = commands.add_parser(
        "grade",
        help="grade learners' hand-ins, each exercise in a sandboxed worker",
        description="Grade hand-ins (folders laid out like exercises/ or flattened, .zip archives, "
        "notebooks) into --out: gradebook.csv, results.json, feedback/<learner>.md. Give a secret seed "
        "with --seed-file: the checks' cases are drawn from it. Re-running skips unchanged hand-ins. "
        "To split a large run over machines (a Slurm array, a CI matrix), run one `grade --shard I/N` "
        "per machine and join their --out folders with `merge`.",
    )
    grade.add_argument(
        "submissions",
        nargs="+",
        metavar="SUBMISSION",
        help="one learner's hand-in: a folder, a .zip or a notebook (with --each: a folder of them)",
    )
    grade.add_argument("--out", required=True, metavar="DIR", help="where the results go")
    _plan_options(grade)
    grade.add_argument(
        "-j",
        "--jobs",
        type=positive_int,
        default=os.cpu_count(),
        help="hand-ins graded at once (default: the number of cores)",
    )
    grade.add_argument(
        "--timeout",
        type=positive_seconds,
        help="wall and CPU seconds for every exercise, replacing all of the rubric's time limits, also "
        "08_training's 600 s for MNIST (default: the rubric's [limits])",
    )
    grade.add_argument(
        "--force",
        action="store_true",
        help="grade again even unchanged hand-ins, and into an --out that holds learners graded with other "
        "settings (another seed), who are then left out of its gradebook",
    )
    grade.add_argument(
        "--each",
        action="store_true",
        help="each child of every SUBMISSION is one learner (a child holding several learners' work is not graded)",
    )
    grade.add_argument(
        "--show",
        metavar="LEARNER",
        help="print this learner's feedback after the table; the hand-in's name or learner id (spaces are _), "
        "checked before grading",
    )
    grade.add_argument(
        "--first-slot",
        type=non_negative_int,
        default=0,
        metavar="N",
        help="first sandbox slot (uid 60000+N); give concurrent runs on one machine disjoint ranges",
    )
    grade.add_argument(
        "--shard",
        type=_shard,
        metavar="I/N",
        help="grade only slice I (1 to N) of N: a learner's slice depends on a hash of their id alone, "
        "so it is the same on every machine (in a small class a slice may be empty); join the slices' "
        "--out folders with `merge`",
    )
    grade.add_argument(
        "--gradescope",
        metavar="FILE",
        help="also write the results in Gradescope's autograder format (results.json: score, one test "
        "per check) to FILE, for a run of one hand-in; if FILE is a folder (or ends with /), "
        "one FILE/<learner>.json per learner",
    )
    grade.add_argument(
        "--gradescope-visibility",
        choices=VISIBILITIES,
        default="visible",
        help="when learners see the --gradescope results and tests (default: visible)",
    )
    grade.set_defaults(run=cmd_grade)

    merge = commands.add_parser(
        "merge",
        help="join the --out folders of `grade --shard` runs into one gradebook",
        description="Join the output folders of several `grade` runs (usually `grade --shard I/N` on "
        "different machines) into one: gradebook.csv, results.json, results/ and feedback/ in --out, "
        "learners sorted by id. Refuses shards graded with another seed, rubric or grader version, and "
        "a learner found in two shards with different results; warns when a shard of the split is missing.",
    )
    merge.add_argument("shards", nargs="+", metavar="OUT", help="a `grade --out` folder")
    merge.add_argument("--out", required=True, metavar="DIR", help="where the merged results go (a new folder)")
    merge.set_defaults(run=cmd_merge)

    gradescope = commands.add_parser(
        "gradescope",
        help="build the autograder zip for Gradescope (each submission graded in its own container)",
        description="Build the zip that a Gradescope programming assignment takes as its autograder: "
        "setup.sh (installs Python 3.11+, bubblewrap, and nnkata with this machine's torch, NumPy, "
        "nbformat and pytest versions pinned), run_autograder (grades /autograder/submission into "
        "/autograder/results/results.json: one test per check, with the feedback messages), the "
        "grader's source, the rubric, the secret seed, and MNIST when the rubric trains on it. The "
        "zip is written atomically and is the same byte for byte for the same inputs. Keep it "
        "private: it holds the seed. For one Gradescope assignment per exercise, give a rubric whose "
        "[exercises] table lists only that exercise.",
    )
    gradescope.add_argument("--out", required=True, metavar="ZIP", help="the zip to write, e.g. autograder.zip")
    _plan_options(gradescope)
    gradescope.add_argument(
        "--torch-index",
        metavar="URL",
        default=TORCH_CPU_INDEX,
        help=f"the wheel index setup.sh takes torch from (default: PyTorch's CPU-only wheels, {TORCH_CPU_INDEX}); "
        "give '' for pip's own index, whose Linux torch brings gigabytes of CUDA libraries",
    )
    gradescope.add_argument(
        "--visibility",
        choices=VISIBILITIES,
        default="visible",
        help="when learners see their score and the tests: visible (at once), hidden, after_due_date or "
        "after_published (default: visible)",
    )
    gradescope.set_defaults(run=cmd_gradescope)

    check = commands.add_parser(
        "check",
        help="grade solutions/ (must get full marks) and exercises/ (must get zero)",
        description="Self-test of the grader: solutions/ must get full marks, the untouched exercises/ zero.",
    )
    _plan_options(check)
    check.add_argument(
        "-j", "--jobs", type=positive_int, default=os.cpu_count(), help="workers at once (default: the number of cores)"
    )
    check.add_argument(
        "--first-slot", type=non_negative_int, default=0, metavar="N", help="first sandbox slot (uid 60000+N)"
    )
    check.set_defaults(run=cmd_check)
    return parser


def _stop_at_the_first_ctrl_c(signum: int, frame: object) -> None:
    """SIGINT: the first Ctrl-C stops the command, and any later one is ignored.

    Stopping takes a moment (``grade`` kills its workers and writes the gradebook of what
    finished): an impatient second Ctrl-C must neither cut that short nor end in a traceback.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # Not when SIGINT is ignored already (a background job) or handled by whoever called us.
    ours = signal.getsignal(signal.SIGINT) is signal.default_int_handler
    if ours:
        signal.signal(signal.SIGINT, _stop_at_the_first_ctrl_c)
    try:
        return args.run(args)
    except UserError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130  # SIGINT stays ignored: the process is ending
    finally:
        if ours and signal.getsignal(signal.SIGINT) is _stop_at_the_first_ctrl_c:
            signal.signal(signal.SIGINT, signal.default_int_handler)  # not interrupted: as it was
