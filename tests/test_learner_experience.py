"""What a learner sees when running `pytest exercises/`: short failures, progress, hints."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from grader.calling import EXERCISES
from grader.checks import checks_of
from grader.pytest_plugin import PrintedText
from tests.conftest import REPO, solution_text


def run_pytest(*args: str, cache: bool = False) -> subprocess.CompletedProcess:
    """pytest in the repository, as a learner runs it; without ``cache``, the learner's --lf record is left alone."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    no_cache = [] if cache else ["-p", "no:cacheprovider"]
    return subprocess.run(
        [sys.executable, "-m", "pytest", *no_cache, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )


def failure_with_change(make_tree, exercise: str, check: str, line: str, changed: str) -> str:
    """The message of ``check`` failing on the solution with ``line`` changed, as a learner would."""
    from grader.pytest_plugin import CheckFailed, Runner

    source = solution_text(exercise)
    assert line in source, f"the solution of {exercise} no longer has {line!r}"
    with pytest.raises(CheckFailed) as failed:
        Runner(make_tree({exercise: source.replace(line, changed)})).run(exercise, check)
    return str(failed.value)


@pytest.fixture(scope="module")
def stub_run() -> subprocess.CompletedProcess:
    return run_pytest("exercises/01_neuron", "-W", "error")


def test_stubs_fail_with_one_line_each_and_no_traceback(stub_run):
    assert stub_run.returncode == 1
    out = stub_run.stdout
    assert "`weighted_sum` is not written yet (it still raises NotImplementedError)." in out
    assert "Traceback" not in out and "raise NotImplementedError" not in out
    assert "warning" not in out.lower()


def test_every_run_ends_with_the_progress_table_and_next_step(stub_run):
    out = stub_run.stdout
    assert "nnkata progress" in out
    for exercise in EXERCISES:
        assert exercise in out
    assert "Next: 01_neuron (read exercises/01_neuron/README.md)." in out
    assert "Run only it:   pytest exercises/01_neuron" in out


def test_a_skipped_check_does_not_turn_an_untouched_exercise_into_a_failing_one():
    from grader.pytest_plugin import Progress

    progress = Progress(REPO)
    for state in ("not started", "skipped", "not started"):
        progress.record("08_training", state)
    progress.record("07_pooling", "passed")
    progress.record("07_pooling", "skipped")
    assert progress.status("08_training") == "not started"
    assert progress.status("07_pooling") == "skipped"


def test_an_exercise_is_done_only_when_all_its_checks_ran_and_pass():
    from grader.pytest_plugin import Progress

    progress = Progress(REPO)
    progress.record("01_neuron", "passed")  # e.g. pytest -k weighted_sum
    assert progress.status("01_neuron") == "passing"
    assert "1 of 1 check passes (1 of 3 ran)" in progress.table()[0]
    assert progress.next_steps()[-1].startswith("Everything that ran passes. Run all of 01_neuron's checks: pytest ")


def test_after_a_finished_exercise_the_next_one_is_named(monkeypatch):
    from grader.pytest_plugin import Progress

    progress = Progress(REPO)
    for _ in checks_of("01_neuron"):
        progress.record("01_neuron", "passed")
    monkeypatch.chdir(REPO)
    assert progress.next_steps()[1] == "Next: 02_sigmoid (read exercises/02_sigmoid/README.md)."
    # Not 02's hints themselves: they would spoil an exercise not tried yet.
    assert progress.hints(lambda exercise, available: available)[-1] == (
        "No hints needed: everything that ran passes. For the next exercise: pytest exercises/02_sigmoid --hints"
    )
    monkeypatch.chdir(REPO / "exercises" / "01_neuron")  # pytest test_neuron.py, run in its folder
    assert progress.next_steps()[2] == "Run only it:   pytest ../02_sigmoid"


def test_a_skipped_check_says_why_and_what_to_do():
    from grader.pytest_plugin import Progress

    progress = Progress(REPO)
    for exercise in EXERCISES:
        for _ in range(len(checks_of(exercise))):
            progress.record(exercise, "passed")
    progress.states["08_training"][-1] = "skipped"
    progress.skip_reasons["MNIST is not on this machine ... `python -m grader download-mnist`"] = None
    steps = progress.next_steps()
    assert steps[0].startswith("Skipped: MNIST is not on this machine") and "download-mnist" in steps[0]
    assert "All eight" not in "".join(steps)


def test_hints_print_the_first_unfinished_exercise_hints():
    result = run_pytest("exercises/01_neuron", "--hints")
    assert "Hints for 01_neuron" in result.stdout
    hints = (REPO / "exercises" / "01_neuron" / "hints.md").read_text(encoding="utf-8")
    assert hints.splitlines()[0] in result.stdout


def test_hints_come_one_more_each_time_gentlest_first(tmp_path):
    from grader.pytest_plugin import hint_items

    hints = hint_items((REPO / "exercises" / "02_sigmoid" / "hints.md").read_text(encoding="utf-8"))
    assert len(hints) == 6 and hints[0].startswith("1. ") and hints[5].startswith("6. Nearly the answer")
    cache = f"cache_dir={tmp_path / 'cache'}"
    first = run_pytest("exercises/02_sigmoid", "--hints", "-o", cache, cache=True).stdout
    assert "Hints for 02_sigmoid (exercises/02_sigmoid/hints.md), 1 of 6:" in first
    assert hints[0] in first and hints[1] not in first
    assert "The same command again gives the next hint" in first
    second = run_pytest("exercises/02_sigmoid", "--hints", "-o", cache, cache=True).stdout
    assert "2 of 6:" in second and hints[1] in second and hints[2] not in second
    every = run_pytest("exercises/02_sigmoid", "--all-hints", "-o", cache, cache=True).stdout
    assert "6 of 6:" in every and hints[5] in every and "That is every hint" in every


def test_asking_for_hints_while_the_file_does_not_import_uses_none_up(make_tree, tmp_path):
    # A syntax error is not what the hints are about: the next hint waits until the file imports.
    sigmoid = (REPO / "solutions" / "02_sigmoid" / "sigmoid.py").read_text(encoding="utf-8")
    tree = make_tree({"02_sigmoid": sigmoid.replace("return s * (1 - s)", "return s * (1 - s")})
    ask = ("--impl", str(tree), "--hints", "-o", f"cache_dir={tmp_path / 'cache'}")
    for exercise in ("02_sigmoid", "03_feedforward"):  # its own file, and the file of one it imports
        out = run_pytest(f"exercises/{exercise}", *ask, cache=True).stdout
        assert "Hints for 02_sigmoid (exercises/02_sigmoid/hints.md), 1 of 6:" in out
        assert "No new hint this time: 02_sigmoid's file does not import (its error is above)" in out
    stub = (REPO / "exercises" / "03_feedforward" / "feedforward.py").read_text(encoding="utf-8")
    (tree / "03_feedforward" / "feedforward.py").write_text(stub, "utf-8")  # not started, blocked by 02
    out = run_pytest("exercises/03_feedforward", *ask, cache=True).stdout
    assert "1 of 6:" in out and "No new hint this time" in out
    (tree / "02_sigmoid" / "sigmoid.py").write_text(sigmoid.replace("return s * (1 - s)", "return s"), "utf-8")
    out = run_pytest("exercises/02_sigmoid", *ask, cache=True).stdout
    assert "2 of 6:" in out and "The same command again gives the next hint" in out


def test_running_a_test_file_with_python_runs_its_checks():
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    command = [sys.executable, "exercises/01_neuron/test_neuron.py", "-p", "no:cacheprovider"]
    stubs = subprocess.run(command, cwd=REPO, capture_output=True, text=True, env=env, timeout=300)
    assert stubs.returncode == 1 and "3 failed" in stubs.stdout and "nnkata progress" in stubs.stdout
    solutions = subprocess.run([*command, "--impl", "solutions"], cwd=REPO, capture_output=True, text=True, env=env)
    assert solutions.returncode == 0 and "3 passed" in solutions.stdout
    assert "warning" not in stubs.stdout + solutions.stdout


def test_impl_points_the_same_tests_at_the_solutions():
    result = run_pytest("exercises/01_neuron", "--impl", "solutions")
    assert result.returncode == 0, result.stdout
    assert "[x] 01_neuron" in result.stdout
    assert "nnkata: checking solutions/" in result.stdout


def test_an_earlier_exercise_left_as_a_stub_is_named_not_the_function_that_calls_it(make_tree):
    from grader.pytest_plugin import CheckFailed, Runner

    stub = (REPO / "exercises" / "01_neuron" / "neuron.py").read_text(encoding="utf-8")
    runner = Runner(make_tree({"01_neuron": stub}))
    with pytest.raises(CheckFailed) as failed:
        runner.run("03_feedforward", "feedforward_matches_torch_sequential")
    assert not failed.value.not_started  # feedforward is written: it is blocked, not untouched
    assert "`feedforward` calls `layer_weighted_sums`, which is not written yet" in str(failed.value)
    assert "exercises/01_neuron/README.md" in str(failed.value)
    result = run_pytest("exercises/03_feedforward", "--impl", str(runner.modules.impl_root))
    assert "Fix first: 01_neuron" in result.stdout and "(01_neuron fails first)" in result.stdout


def test_a_result_computed_in_float32_is_named_so_and_not_blamed_on_a_mistake_it_is_not(make_tree):
    body = "return float(np.dot(weights, activations) + bias)"
    float32 = body.replace("float(", "np.float32(")
    message = failure_with_change(make_tree, "01_neuron", "weighted_sum_matches_torch", body, float32)
    assert "with only about 7 significant digits: compute in float64" in message
    # With one input, adding the bias n times is right: that is no way to explain this result.
    assert "likely mistake" not in message


def test_a_wrong_part_of_a_pair_of_lists_is_named_as_the_docstring_names_it(make_tree):
    line = "grad_biases[layer] = delta.sum(axis=0)"
    kept = line.replace(")", ", keepdims=True)")
    message = failure_with_change(make_tree, "05_backprop", "backprop_matches_autograd", line, kept)
    assert "grad_biases[0]: expected shape (16,), got shape (1, 16)" in message
    assert "tuple of 2" not in message


def test_a_shape_error_gets_advice_on_shapes(make_tree):
    line, swapped = "return activations @ weights.T + biases", "return weights @ activations + biases"
    message = failure_with_change(make_tree, "01_neuron", "layer_weighted_sums_matches_torch_linear", line, swapped)
    assert "`layer_weighted_sums` raised an error." in message and "matmul" in message
    assert "likely mistake: two arrays' shapes do not fit together" in message and "one example per row" in message


def test_a_list_returned_for_an_array_is_said_once_with_what_to_return(make_tree):
    line = "return activations @ weights.T + biases"
    message = failure_with_change(
        make_tree, "01_neuron", "layer_weighted_sums_matches_torch_linear", line, f"return ({line[7:]}).tolist()"
    )
    assert "result: expected array of shape (3,), float64, got list of 3: return a NumPy array" in message
    assert message.count("list of 3") == 1


BACKPROP_BATCH_MEAN = "delta = (output - y) * (output * (1 - output)) / batch"
HIDDEN_DELTA = "delta = (delta @ weights[layer]) * (a * (1 - a))"


def test_values_off_by_a_common_factor_say_so(make_tree):
    summed = BACKPROP_BATCH_MEAN.replace(" / batch", "")
    message = failure_with_change(make_tree, "05_backprop", "backprop_matches_autograd", BACKPROP_BATCH_MEAN, summed)
    assert re.search(r"\n  grad_weights\[0\]: every value is \d+ times the expected one\n", message), message


@pytest.mark.parametrize(
    ("factor", "said"),
    [
        (0.1, "every value is 1/10 of the expected one"),
        (-1.0, "every value has the opposite sign"),
        (0.37, "every value is 0.37 times the expected one"),
        (1 + 1e-9, None),  # a near miss, not a factor
    ],
)
def test_a_common_factor_is_named_as_a_fraction_a_sign_or_a_number(factor, said):
    import numpy as np

    from grader.compare import FLOAT64, differences

    expected = np.array([[0.5, -2.0, 0.0], [3.0, 0.25, 1.5]])
    lines = differences(expected, expected * factor, FLOAT64)
    assert (lines[-1] == f"result: {said}") if said else len(lines) == 1, lines
    shifted = expected * factor + np.array([[0, 0, 1e-3], [0, 0, 0]])  # a zero that is not: no factor
    assert not any("every value" in line for line in differences(expected, shifted, FLOAT64))


def test_the_expected_values_in_other_places_are_named(make_tree):
    line = "return images.reshape(images.shape[0], -1)"
    transposed = "return images.transpose(0, 2, 1).reshape(images.shape[0], -1)"
    message = failure_with_change(make_tree, "03_feedforward", "flatten_matches_torch", line, transposed)
    assert "result: it holds the expected values, in other places (a transpose, swapped axes, or a reshape" in message


def test_zeros_and_ones_in_other_places_are_not_called_a_transpose():
    import numpy as np

    from grader.compare import FLOAT64, differences

    one_hot = np.eye(4)[[0, 2, 1]]
    assert len(differences(one_hot, np.eye(4)[[1, 2, 3]], FLOAT64)) == 1


@pytest.mark.parametrize(
    ("expected", "got", "said"),
    [
        ((2, 5, 3), (2, 3, 5), "(the expected shape, rows and columns swapped)"),
        (
            (16,),
            (1, 16),
            "(an extra axis of length 1 in front: keepdims=True, np.newaxis, np.atleast_2d or reshape(1, -1) added it)",
        ),
        ((3, 4), (12,), "(the expected values, in one flat row: ravel, flatten or a loop over entries lost the shape)"),
        ((3,), (3, 1), "(a column where a 1-D array is wanted)"),
        ((4, 10), (10,), "(no first axis: expected one result per example (or image), stacked)"),
        ((4, 10), (3, 10), None),
    ],
)
def test_a_wrong_shape_says_how_it_relates_to_the_expected_one(expected, got, said):
    import numpy as np

    from grader.compare import FLOAT64, differences

    (line,) = differences(np.zeros(expected), np.zeros(got), FLOAT64)
    assert line == f"result: expected shape {expected}, got shape {got}" + (f" {said}" if said else "")


def test_every_layers_activations_returned_are_told_to_keep_the_last(make_tree):
    loop = "    for w, b in zip(weights, biases):\n        a = sigmoid(layer_weighted_sums(w, a, b))\n    return a"
    kept = (
        "    layers = [a]\n    for w, b in zip(weights, biases):\n"
        "        layers.append(sigmoid(layer_weighted_sums(w, layers[-1], b)))\n    return layers"
    )
    message = failure_with_change(make_tree, "03_feedforward", "feedforward_matches_torch_sequential", loop, kept)
    assert (
        "result: expected array of shape (10,), float64, got a list of 4 arrays of shapes (784,), (16,), (16,), "
        "(10,): return only the last one"
    ) in message
    assert "np.array(...) of it" not in message


SGD_RETURN = "return new_weights, new_biases"


@pytest.mark.parametrize(
    ("changed", "said"),
    [
        (
            "return list(zip(new_weights, new_biases))",
            "result: expected two lists (weights, biases), got one pair per layer",
        ),
        ("return new_weights", "result: expected the pair (weights, biases), got a list of 3 arrays: return both"),
    ],
)
def test_a_pair_of_lists_returned_the_wrong_way_says_how(make_tree, changed, said):
    message = failure_with_change(make_tree, "08_training", "sgd_step_matches_torch_sgd", SGD_RETURN, changed)
    assert said in message and "items, got" not in message


@pytest.mark.parametrize(
    ("changed", "said"),
    [
        # The largest activation, not its position: int() of it would be 0, no fix at all.
        ("return float(np.max(feedforward(weights, biases, x))) if x.ndim == 1 else digits", r"got float 0\.\d+\n"),
        (
            "return float(digits) if digits.ndim == 0 else digits",
            r"got float \d\.0 \(wrap the value you return in int\(\.\.\.\)\)$",
        ),
    ],
)
def test_int_is_suggested_only_for_a_whole_number(make_tree, changed, said):
    line = "return int(digits) if digits.ndim == 0 else digits"
    message = failure_with_change(make_tree, "03_feedforward", "predict_matches_torch_argmax", line, changed)
    assert re.search(r"result: expected int \d, " + said, message, re.MULTILINE), message


def test_the_parts_of_a_result_that_are_right_are_named_beside_those_that_are_not(make_tree):
    no_hidden_sigma_prime = "delta = delta @ weights[layer]"
    message = failure_with_change(
        make_tree, "05_backprop", "backprop_matches_autograd", HIDDEN_DELTA, no_hidden_sigma_prime
    )
    assert (
        "right: grad_weights[2], grad_biases[2]; wrong: grad_weights[0], grad_weights[1], grad_biases[0], "
        "grad_biases[1]"
    ) in message


def test_an_output_of_the_wrong_size_with_the_right_values_is_blamed_on_the_size_formula(make_tree):
    # H_out computed without the padding: the shape of the convolution without padding, not its values.
    windows = "windows = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))[:, :, ::stride, ::stride]"
    cropped = (
        f"{windows}\n    h_out = (x.shape[2] - 2 * padding - kh) // stride + 1\n"
        "    windows = windows[:, :, :h_out, :h_out]"
    )
    message = failure_with_change(
        make_tree, "06_convolution", "conv2d_padding_and_stride_match_torch", windows, cropped
    )
    assert re.search(
        r"likely mistake: your output is \d+ × \d+ where \d+ × \d+ is expected, though its values are "
        r"right where the two overlap: with padding p and stride s, ",
        message,
    ), message
    assert "without padding" not in message


def test_the_conv2d_shape_reminder_is_short_and_keeps_its_pointers():
    from grader.compare import SHAPE_REMINDERS

    reminder = SHAPE_REMINDERS["conv2d"]
    assert len(reminder.split()) <= 30 and "np.pad" in reminder and "bias[:, None, None]" in reminder


SIGMOID = "e = np.exp(-np.abs(z))"
WEIGHTED_SUM = "return float(np.dot(weights, activations) + bias)"


@pytest.mark.parametrize(
    ("exercise", "check", "line", "changed", "advice"),
    [
        (
            "02_sigmoid", "sigmoid_matches_torch", SIGMOID,
            "import math\n    e = math.exp(-abs(z)) if np.ndim(z) == 0 else np.array([math.exp(-abs(v)) for v in z])",
            "math.exp, float() and int() take one number",
        ),
        (
            "02_sigmoid", "sigmoid_matches_torch", SIGMOID,
            "if z >= 0:\n        return 1 / (1 + np.exp(-z))\n    e = np.exp(-np.abs(z))",
            "use np.where(condition, value_if_true, value_if_false)",
        ),
        (
            "01_neuron", "layer_weighted_sums_matches_torch_linear", "return activations @ weights.T + biases",
            "result = np.zeros(len(weights))\n    for j in range(len(weights)):\n"
            "        result[j] = weights[j] @ activations.T + biases[j]\n    return result",
            "several numbers went where one entry of an array belongs",
        ),
        (
            "03_feedforward", "init_network_shapes_match_torch_linear", "return weights, biases",
            "return np.array(weights), np.array(biases)", "np.array was given a list of arrays of different shapes",
        ),
        (
            "06_convolution", "convolve2d_matches_torch", "return np.tensordot(windows, kernel, axes=([2, 3], [0, 1]))",
            "return np.sum(windows @ kernel, axis=(2, 3))", "np.sum(patch * kernel)",
        ),
        (
            "08_training", "accuracy_matches_torch", "np.argmax(feedforward(weights, biases, images), axis=1)",
            "np.argmax(feedforward(weights, biases, images), axis=0)", "np.argmax(output, axis=1) gives one digit",
        ),
        (
            "08_training", "train_matches_torch_sgd", "images[batch], targets[batch]", "images[batch], labels[batch]",
            "y must be one-hot",
        ),
        (
            "04_parameters", "count_conv2d_parameters_matches_torch",
            "kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size",
            "kh, kw = kernel_size", "kernel_size is either one int k (a k × k kernel) or a pair (kh, kw)",
        ),
        (
            "04_parameters", "count_parameters_matches_torch",
            "return sum(n_out * n_in + n_out for n_in, n_out in pairwise(sizes))",
            "return sum(sizes[i + 1] * sizes[i] + sizes[i + 1] for i in range(len(sizes)))",
            "n sizes make n − 1 layers",
        ),
        (
            "01_neuron", "layer_weighted_sums_matches_torch_linear", "return activations @ weights.T + biases",
            "result = np.zeros(len(weights))\n    for j in len(weights):\n"
            "        result[j] = weights[j] @ activations + biases[j]\n    return result",
            "loop over range(n)",
        ),
        (
            "01_neuron", "layer_weighted_sums_matches_torch_linear", "return activations @ weights.T + biases",
            "result = np.zeros(len(weights))\n    for j in range(len(activations)):\n"
            "        result[j] = weights[j] @ activations + biases[j]\n    return result",
            "compare your loops' range(...) with that array's .shape",
        ),
        (
            "03_feedforward", "flatten_matches_torch", "return images.reshape(images.shape[0], -1)",
            "return images.reshape(images.shape[0], images.size / images.shape[0])",
            "`/` always gives a float (6 / 2 is 3.0)",
        ),
        (
            "03_feedforward", "feedforward_matches_torch_sequential", "for w, b in zip(weights, biases):",
            "for w, b in weights:", "so the counts must match: backprop returns two lists",
        ),
        (
            "08_training", "sgd_step_matches_torch_sgd", "grad_weights, grad_biases = backprop(",
            "grad_weights, grad_biases, _ = backprop(", "so the counts must match: backprop returns two lists",
        ),
        (
            "03_feedforward", "predict_matches_torch_argmax", "axis=-1)", "axis=1)",
            "axis=-1, the last axis, works for one example and for a batch",
        ),
        (
            "03_feedforward", "predict_matches_torch_argmax", "return int(digits) if digits.ndim == 0 else digits",
            "return int(digits) if digits.size == 1 else digits",
            "a batch of one, x of shape (1, n_0), still needs an array of shape (1,)",
        ),
        (
            "01_neuron", "weighted_sum_matches_torch", WEIGHTED_SUM,
            "def dot(u, v):\n        np.dot(u, v)\n\n    return float(dot(weights, activations) + bias)",
            "a function that ends without `return` gives None",
        ),
        (
            "06_convolution", "conv2d_matches_torch",
            "    if bias is not None:\n        out = out + bias[:, None, None]", "    out = out + bias[:, None, None]",
            "`bias` is None when no bias is given: add it only `if bias is not None`",
        ),
        (
            "06_convolution", "conv2d_padding_and_stride_match_torch", "    return out\n",
            "    for n in range(len(x)):\n        for i in range(x.shape[2]):\n"
            "            out[n, 0, i, 0] = x[n, 0, i * stride, 0]\n    return out\n",
            "output index i reads rows from i·stride on, so loop i over range(H_out)",
        ),
        (
            # A None that is not bias (here a method that sorts in place and returns None): the generic advice.
            "06_convolution", "conv2d_matches_torch", "    kh, kw = weight.shape[2:]",
            "    x = x.copy().sort()\n    kh, kw = weight.shape[2:]\n    n = x.shape[0]",
            "a function that ends without `return` gives None",
        ),
        (
            "01_neuron", "layer_weighted_sums_matches_torch_linear", "return activations @ weights.T + biases",
            "batch, n_in = activations.shape\n    return activations @ weights.T + biases",
            "`.shape` gives one number per axis",
        ),
        (
            "08_training", "train_matches_torch_sgd", "order = rng.permutation(len(images))",
            "order = rng.shuffle(np.arange(len(images)))", "a method that changes its object in place",
        ),
        (
            "08_training", "accuracy_matches_torch", "np.argmax(feedforward(weights, biases, images), axis=1)",
            "np.argmax(__import__('feedforward').predict(weights, biases, images), axis=1)",
            "that array already holds one digit per image",
        ),
        (
            "03_feedforward", "predict_matches_torch_argmax",
            "    for w, b in zip(weights, biases):\n        a = sigmoid(layer_weighted_sums(w, a, b))\n    return a\n",
            "    every = [a]\n    for w, b in zip(weights, biases):\n"
            "        every.append(sigmoid(layer_weighted_sums(w, every[-1], b)))\n    return every\n",
            "check what feedforward returns",
        ),
        (
            # The learner's line names matmul, but the error is an index past the end.
            "01_neuron", "layer_weighted_sums_matches_torch_linear", "return activations @ weights.T + biases",
            "return np.matmul(activations, weights.T) + biases[len(biases)]", "an index went past the end",
        ),
        (
            "07_pooling", "max_pool2d_matches_torch", "    if stride is None:\n        stride = kernel_size",
            "    rows = (x.shape[2] - kernel_size) // stride + 1",
            "start with `if stride is None: stride = kernel_size`",
        ),
    ],
)  # fmt: skip
def test_errors_a_beginner_cannot_read_come_with_advice(make_tree, exercise, check, line, changed, advice):
    message = failure_with_change(make_tree, exercise, check, line, changed)
    assert "raised an error" in message and "likely mistake: " in message and advice in message


def test_a_warning_is_shown_once_with_its_line_and_count_and_the_np_where_trap_explained(make_tree):
    body = "e = np.exp(-np.abs(z))\n    result = np.where(z >= 0, 1, e) / (1 + e)"
    both_sides = "result = np.where(z >= 0, 1 / (1 + np.exp(-z)), np.exp(z) / (1 + np.exp(z)))"
    message = failure_with_change(make_tree, "02_sigmoid", "sigmoid_is_stable_for_large_z", body, both_sides)
    assert re.search(r"RuntimeWarning: overflow encountered in exp \(line \d+ of sigmoid\.py\), \d times", message)
    assert message.count("overflow encountered in exp") == 1
    assert "np.where computes both of its arrays in full before it picks" in message


@pytest.mark.parametrize(
    ("exercise", "check", "line", "changed", "said_once"),
    [
        (
            "01_neuron", "weighted_sum_matches_torch", WEIGHTED_SUM, WEIGHTED_SUM.replace("+ bias", "- bias"),
            r"result: expected -?\d\.\d{12,}(e-?\d+)?, got -?\d\.\d{12,}(e-?\d+)? \(tolerance: rtol 1e-10",
        ),
        (
            "01_neuron", "weighted_sum_matches_torch", WEIGHTED_SUM,
            "return np.dot(weights, activations) + np.array([bias])",
            r"result: expected a single number \(-?[\d.e-]+\), got array of shape \(1,\), float64: "
            r"one number in an array, so return the number itself \(\.item\(\) of it\)",
        ),
        (
            "01_neuron", "layer_weighted_sums_matches_torch_linear", "return activations @ weights.T + biases",
            "return (activations @ weights.T + biases)[None]", r"result: expected shape \(3,\), got shape \(1, 3\)",
        ),
        (
            "04_parameters", "count_parameters_matches_torch",
            "return sum(n_out * n_in + n_out for n_in, n_out in pairwise(sizes))",
            "return sum(n_out * n_in + 2 * n_out for n_in, n_out in pairwise(sizes))",
            r"result: expected 13002, got 13044",
        ),
    ],
)  # fmt: skip
def test_a_wrong_whole_result_is_said_once_side_by_side(make_tree, exercise, check, line, changed, said_once):
    message = failure_with_change(make_tree, exercise, check, line, changed)
    assert re.search(said_once, message), message
    assert "  expected: " not in message and "  got:  " not in message


def test_writing_into_a_read_only_view_is_told_to_compute_a_new_array(make_tree):
    line = "return windows.max(axis=(4, 5))"
    in_place = "windows.sort(axis=-1)\n    return windows[..., -1].max(axis=-1)"
    message = failure_with_change(make_tree, "07_pooling", "max_pool2d_matches_torch", line, in_place)
    assert (
        "ValueError: sort array is read-only (line 45 of pooling.py, in max_pool2d: `windows.sort(axis=-1)`)" in message
    )
    assert "likely mistake: that array is a read-only view" in message and "np.sort(windows, axis=-1)" in message


SGD_LIST = "new_weights = [w - learning_rate * g for w, g in zip(weights, grad_weights)]"
SGD_GENERATOR = "new_weights = (w - learning_rate * g for w, g in zip(weights, grad_weights))"


def test_an_error_in_an_earlier_file_also_names_the_line_of_this_one_that_led_there(make_tree):
    message = failure_with_change(make_tree, "08_training", "train_matches_torch_sgd", SGD_LIST, SGD_GENERATOR)
    assert re.search(
        r"\(line \d+ of backprop\.py, in backprop: `[^`]+`, called from line \d+ of training\.py, in sgd_step, "
        r"called from line \d+ of training\.py, in train\)",
        message,
    )


def test_a_generator_returned_for_a_list_is_told_to_be_a_list(make_tree):
    message = failure_with_change(make_tree, "08_training", "sgd_step_matches_torch_sgd", SGD_LIST, SGD_GENERATOR)
    assert "the result[0] is a generator, which hands out its items one at a time: make it a list" in message


def test_a_loop_that_never_ends_is_stopped_and_its_line_named(make_tree):
    from grader.pytest_plugin import CheckFailed, Runner

    endless = "import numpy as np\n\n\ndef weighted_sum(weights, activations, bias):\n    while True:\n        pass\n"
    runner = Runner(make_tree({"01_neuron": endless}), call_seconds=0.2)
    with pytest.raises(CheckFailed) as failed:
        runner.run("01_neuron", "weighted_sum_matches_torch")
    message = str(failed.value)
    assert "still running after 0.2 s, so it was stopped: look for a loop that never ends" in message
    assert "line 5 of neuron.py" in message or "line 6 of neuron.py" in message


def test_a_function_stopped_once_is_not_waited_for_again(make_tree):
    from grader.pytest_plugin import CheckFailed, Runner

    endless = solution_text("01_neuron").replace(
        "    return activations @ weights.T + biases", "    while True:\n        pass"
    )
    runner = Runner(make_tree({"01_neuron": endless}), call_seconds=0.2)
    with pytest.raises(CheckFailed, match=r"still running after 0\.2 s"):
        runner.run("01_neuron", "layer_weighted_sums_matches_torch_linear")
    with pytest.raises(CheckFailed) as failed:
        runner.run("01_neuron", "layer_weighted_sums_keeps_float32")
    assert str(failed.value).startswith(
        "`layer_weighted_sums` was not called again: it was stopped in an earlier check "
        "(test_layer_weighted_sums_matches_torch_linear)"
    )
    runner.run("01_neuron", "weighted_sum_matches_torch")  # other functions are still checked


def test_a_loop_stopped_inside_numpy_is_named_at_the_learners_line(make_tree):
    from grader.pytest_plugin import CheckFailed, Runner

    endless = (
        "import numpy as np\n\n\ndef weighted_sum(weights, activations, bias):\n"
        "    while True:\n        np.max(activations)\n"
    )
    runner = Runner(make_tree({"01_neuron": endless}), call_seconds=0.2)
    with pytest.raises(CheckFailed) as failed:
        runner.run("01_neuron", "weighted_sum_matches_torch")
    message = str(failed.value)
    assert "line 5 of neuron.py" in message or "line 6 of neuron.py" in message
    assert "_methods.py" not in message and "fromnumeric.py" not in message


def test_shape_advice_gives_the_shapes_of_the_function_at_hand(make_tree):
    from grader.pytest_plugin import CheckFailed, Runner

    source = solution_text("07_pooling")
    signature = "def max_pool2d(x, kernel_size=2, stride=None):"
    broken = source.replace(signature, signature + "\n    x = x.reshape(-1, 3)", 1)
    assert broken != source
    with pytest.raises(CheckFailed) as failed:
        Runner(make_tree({"07_pooling": broken})).run("07_pooling", checks_of("07_pooling")[0].name)
    assert "compare them with the shapes in the docstring: x is (N, C, H, W)" in str(failed.value)


def test_a_missing_function_is_named_not_an_import_error(make_tree):
    source = solution_text("01_neuron")
    tree = make_tree({"01_neuron": source.replace("def weighted_sum(", "def weightedsum(")})
    result = run_pytest("exercises/01_neuron", "--impl", str(tree))
    assert "has no function `weighted_sum`, but defines `weightedsum`: if that is it, rename it `weighted_sum`" in (
        result.stdout
    )
    assert "ImportError" not in result.stdout
    # Nothing was called, so no call is shown.
    assert "weighted_sum(w, a, b) equals torch.dot(w, a) + b: it could not be checked." in result.stdout
    assert "called:" not in result.stdout.split("test_weighted_sum_matches_torch")[1].split("____")[0]
    # A function the kata asks for is never offered as the misspelling of another.
    (tree / "01_neuron" / "neuron.py").write_text(source.replace("def weighted_sum(", "def helper("))
    result = run_pytest("exercises/01_neuron", "--impl", str(tree))
    assert "has no function `weighted_sum`: check its name" in result.stdout and "rename" not in result.stdout


def test_a_syntax_error_names_the_file_and_line(make_tree):
    tree = make_tree({"01_neuron": "import numpy as np\n\ndef weighted_sum(w, a, b)\n    return 0\n"})
    result = run_pytest("exercises/01_neuron", "--impl", str(tree))
    assert "line 3 of neuron.py" in result.stdout
    assert "Traceback" not in result.stdout


def test_a_module_saved_with_a_bom_or_in_latin_1_runs_as_the_grader_runs_it(make_tree):
    tree = make_tree({})
    # Windows editors write a BOM, or Latin-1 without saying so; the grader reads both.
    with_bom = tree / "01_neuron" / "neuron.py"
    with_bom.write_bytes(b"\xef\xbb\xbf" + with_bom.read_bytes())
    latin_1 = tree / "02_sigmoid" / "sigmoid.py"
    latin_1.write_bytes(b"# \xe9crit par moi\n" + latin_1.read_bytes())
    result = run_pytest("exercises/01_neuron", "exercises/02_sigmoid", "--impl", str(tree))
    assert result.returncode == 0, result.stdout[-3000:]


def test_importing_torch_is_refused_kindly(make_tree):
    tree = make_tree({"01_neuron": "import torch\n" + solution_text("01_neuron")})
    result = run_pytest("exercises/01_neuron", "--impl", str(tree))
    assert result.stdout.count("imports torch: write the exercises with NumPy only") == 1  # once, in full
    assert result.stdout.count("imports a library it may not: see the first failure above.") == 2


def test_a_broken_earlier_exercise_is_named_as_what_stops_the_later_ones(make_tree):
    tree = make_tree({"01_neuron": "import numpy as np\n\ndef weighted_sum(w, a, b)\n    return 0\n"})
    result = run_pytest("exercises/03_feedforward", "exercises/08_training", "--impl", str(tree))
    assert "feedforward.py could not be imported: it builds on exercise 01_neuron, which fails first: " in result.stdout
    # training imports backprop, which imports neuron: the cause is still the file to fix.
    assert "training.py could not be imported: it builds on exercise 01_neuron" in result.stdout
    # The error in full once; each other check of 03 and 08 gets a line pointing at it.
    assert result.stdout.count("line 3 of neuron.py") == 1
    assert "training.py could not be imported: it builds on exercise 01_neuron, which fails first (its error" in (
        result.stdout
    )
    assert "03_feedforward   failing      0 of 7 checks pass (01_neuron fails first)" in result.stdout
    assert "Traceback" not in result.stdout


def test_a_function_renamed_in_an_earlier_exercise_is_blamed_on_that_file(make_tree):
    renamed = solution_text("01_neuron").replace("def layer_weighted_sums(", "def layer_weighted_sum(")
    tree = make_tree({"01_neuron": renamed})
    result = run_pytest("exercises/03_feedforward", "--impl", str(tree))
    assert (
        "01_neuron/neuron.py has no function layer_weighted_sums, which feedforward imports from it: "
        "check its name there"
    ) in result.stdout
    assert "it builds on exercise 01_neuron, which fails first: " in result.stdout
    # The next step is the file to fix, not the exercise that ran.
    assert "Fix first: 01_neuron" in result.stdout
    assert "Keep going with: 03_feedforward" not in result.stdout
    assert "ImportError" not in result.stdout


def test_a_misspelt_import_is_blamed_on_the_importing_file(make_tree):
    line = "from neuron import layer_weighted_sums"
    source = solution_text("03_feedforward")
    assert line in source
    tree = make_tree({"03_feedforward": source.replace(line, line[:-1])})
    result = run_pytest("exercises/03_feedforward", "--impl", str(tree))
    assert "cannot import name 'layer_weighted_sum' from 'neuron'" in result.stdout
    assert "(did you mean layer_weighted_sums?)" in result.stdout
    assert "fails first" not in result.stdout and "Keep going with: 03_feedforward" in result.stdout


def test_a_missing_earlier_exercise_file_is_named_not_replaced_by_the_stub(make_tree):
    tree = make_tree({})
    (tree / "02_sigmoid" / "sigmoid.py").unlink()
    # With 02's folder collected, pytest puts exercises/02_sigmoid (the stub) on sys.path too.
    result = run_pytest("exercises/02_sigmoid", "exercises/03_feedforward", "--impl", str(tree))
    assert (
        "it builds on exercise 02_sigmoid, which fails first: there is no sigmoid.py (or sigmoid.ipynb)"
        in result.stdout
    )
    assert "03_feedforward   failing      0 of 7 checks pass (02_sigmoid fails first)" in result.stdout
    assert "not written yet" not in result.stdout


def test_an_unknown_library_in_an_earlier_exercise_is_blamed_on_that_exercise(make_tree):
    tree = make_tree({"01_neuron": "import my_helpers\n" + solution_text("01_neuron")})
    result = run_pytest("exercises/03_feedforward", "--impl", str(tree))
    assert (
        "it builds on exercise 01_neuron, which fails first: importing neuron failed: No module named 'my_helpers'"
        in (result.stdout)
    )


def test_importing_a_later_exercise_is_this_files_problem(make_tree):
    tree = make_tree({"01_neuron": "from training import train\n" + solution_text("01_neuron")})
    result = run_pytest("exercises/01_neuron", "--impl", str(tree))
    assert "neuron.py could not be imported: it imports exercise 05_backprop, which comes later" in result.stdout
    assert "fails first" not in result.stdout


def test_lf_runs_again_only_the_checks_that_failed(make_tree, tmp_path):
    source = solution_text("01_neuron")
    tree = make_tree(
        {"01_neuron": source.replace("return activations @ weights.T + biases", "return activations @ weights.T")}
    )
    cache = f"cache_dir={tmp_path / 'cache'}"
    first = run_pytest("exercises/01_neuron", "--impl", str(tree), "-o", cache, cache=True)
    assert "2 failed, 1 passed" in first.stdout
    again = run_pytest("exercises/01_neuron", "--impl", str(tree), "-o", cache, "--lf", cache=True)
    assert "2 failed in" in again.stdout
    assert "01_neuron        failing      0 of 2 checks pass (2 of 3 ran)" in again.stdout


def test_the_next_step_skips_exercises_done_in_an_earlier_run(make_tree, tmp_path):
    tree, cache = str(make_tree({})), f"cache_dir={tmp_path / 'cache'}"
    run_pytest("exercises/01_neuron", "exercises/02_sigmoid", "--impl", tree, "-o", cache, cache=True)
    again = run_pytest("exercises/01_neuron", "--impl", tree, "-o", cache, cache=True)
    assert "02_sigmoid       not run      (done when last run)" in again.stdout
    assert "Next: 03_feedforward" in again.stdout
    # Broken since: what stops exercise 03 from importing it is not "done" any more.
    (Path(tree) / "02_sigmoid" / "sigmoid.py").write_text("def sigmoid(z)\n")
    broken = run_pytest("exercises/03_feedforward", "--impl", tree, "-o", cache, cache=True)
    assert "(02_sigmoid fails first)" in broken.stdout and "02_sigmoid       not run      (done" not in broken.stdout


def test_the_next_step_is_an_exercise_skipped_on_the_way(make_tree, tmp_path):
    tree, cache = str(make_tree({})), f"cache_dir={tmp_path / 'cache'}"
    run_pytest("exercises/01_neuron", "exercises/02_sigmoid", "--impl", tree, "-o", cache, cache=True)
    skipped = run_pytest("exercises/04_parameters", "--impl", tree, "-o", cache, cache=True)
    assert "Next: 03_feedforward" in skipped.stdout  # never run, so not done: not 05_backprop
    # Without pytest's cache nothing is known of earlier runs: the one after the last that ran.
    assert "Next: 05_backprop" in run_pytest("exercises/04_parameters", "--impl", tree).stdout


def test_a_failure_shows_the_prints_of_the_case_it_shows_only(make_tree):
    source = solution_text("01_neuron")
    printing = source.replace(
        "    return activations @ weights.T + biases",
        "    print('shapes', weights.shape, activations.shape)\n    return activations @ weights.T",
    )
    result = run_pytest("exercises/01_neuron", "--impl", str(make_tree({"01_neuron": printing})))
    shown = result.stdout.split("test_layer_weighted_sums_matches_torch_linear _")[1].split("\n____")[0]
    called = re.search(r"called:   layer_weighted_sums\(array\((\d+), (\d+)\) float64, array\((\d+),\)", shown)
    assert called, shown
    rows, columns, length = called.groups()
    assert f"your prints during that call:\n    shapes ({rows}, {columns}) ({length},)" in shown
    assert shown.count("shapes (") == 1
    assert "Captured stdout" not in result.stdout


def test_prints_are_bounded_to_their_first_and_last_lines():
    printed = PrintedText()
    for step in range(100_000):
        print(f"step {step}", file=printed)
    lines = printed.report().splitlines()
    assert lines[:3] == ["  your prints during that call:", "    step 0", "    step 1"]
    assert lines[-2:] == ["    step 99998", "    step 99999"]
    assert len(lines) < 20 and "more characters ..." in lines[13]
    assert PrintedText().report() == ""


def test_long_lines_and_the_cut_are_marked():
    printed = PrintedText()
    for epoch in range(50):
        print(f"epoch {epoch:03d} " + "x" * 480, file=printed)
    lines = printed.report().splitlines()
    assert lines[-3].startswith("    ... ") and lines[-3].endswith(" more characters ...")
    assert lines[-2].startswith("    epoch 048 xxx") and lines[-1].startswith("    epoch 049 xxx")
    assert all(len(line) <= 4 + 300 + 4 for line in lines)


def test_short_prints_are_shown_whole():
    printed = PrintedText(calls=3)
    print("one\ntwo", file=printed)
    assert printed.report() == "  your prints during those 3 calls:\n    one\n    two"


def test_a_call_that_passes_is_shown_beside_the_one_that_fails_with_only_what_differs(make_tree):
    argmax = "digits = np.argmax(feedforward(weights, biases, x), axis=-1)"
    message = failure_with_change(
        make_tree, "03_feedforward", "predict_matches_torch_argmax", argmax, argmax.replace("-1", "1")
    )
    assert "2 of 5 cases fail" in message
    assert re.search(r"called:   predict\(\[array\(16, 784\) float64, .*\], array\(784,\) float64\)\n", message)
    assert "\n  passes:   predict(…, …, array(10, 784) float64)\n" in message
    assert "in predict: `digits = np.argmax(feedforward(weights, biases, x), axis=1)`" in message


def test_a_part_of_a_result_is_not_told_it_lacks_an_example_axis(make_tree):
    # Part of a result: its first axis is no example axis, so a missing one is not named so.
    gradient = "grad_weights[layer] = delta.T @ activations[layer]"
    averaged = "grad_weights[layer] = np.mean(delta.T @ activations[layer], axis=0)"
    message = failure_with_change(make_tree, "05_backprop", "backprop_matches_autograd", gradient, averaged)
    assert "got shape (784,)" in message and "no first axis" not in message


def test_a_reshape_that_regroups_the_values_is_not_called_a_transpose(make_tree):
    regrouped = failure_with_change(
        make_tree, "03_feedforward", "flatten_matches_torch", "return images.reshape(images.shape[0], -1)",
        "return images.reshape(-1, images.shape[0])",
    )  # fmt: skip
    assert "(the expected sizes in another order" in regrouped and "transposed" not in regrouped


def test_parts_are_not_called_right_or_wrong_when_the_result_is_laid_out_otherwise(make_tree):
    # One (w, b) pair per layer: parts compared by position would be right or wrong by chance.
    pairs = failure_with_change(
        make_tree, "05_backprop", "backprop_keeps_float32", "return grad_weights, grad_biases",
        "return list(zip(grad_weights, grad_biases))",
    )  # fmt: skip
    assert "got one pair per layer" in pairs and "right: " not in pairs


def test_a_factor_is_a_fraction_only_when_it_is_a_small_one():
    from grader.compare import FLOAT64, differences

    expected = np.array([1.0, 2.0, 3.0])
    assert "every value is 1/1000 of the expected one" in "".join(differences(expected, expected / 1000, FLOAT64))
    assert "every value is 1e-12 times the expected one" in "".join(differences(expected, expected * 1e-12, FLOAT64))


def test_a_passing_call_is_shown_beside_a_wrong_argmax_only_if_the_failure_is_an_error():
    from grader.calling import Call
    from grader.checks import Case, failure_report
    from grader.compare import Diagnosis

    failing = Case(Call("predict", ("w", "b", np.zeros(784))), 3, telling_when_passed=False)
    lucky = Case(Call("predict", ("w", "b", np.zeros((10, 784)))), np.zeros(10, int), telling_when_passed=False)
    wrong = Diagnosis("`predict` returned a wrong result.", ["result: expected 3, got 4"])
    assert "passes:" not in failure_report("predict ...", [(failing, wrong)], 2, [lucky])
    error = Diagnosis("`predict` raised an error.", ["AxisError: ..."], raised=True)
    report = failure_report("predict ...", [(failing, error)], 2, [lucky])
    assert "passes:   predict(…, …, array(10, 784) float64)" in report


COUNT_PARAMETERS = "return sum(n_out * n_in + n_out for n_in, n_out in pairwise(sizes))"


@pytest.mark.parametrize(
    ("exercise", "check", "line", "changed", "said"),
    [
        (  # a def line with a renamed parameter: Python refuses the call before any line of it runs
            "04_parameters", "count_conv2d_parameters_matches_torch",
            "def count_conv2d_parameters(in_channels, out_channels, kernel_size, bias=True):",
            "def count_conv2d_parameters(in_channels, out_channels, kernel_size, has_bias=True):\n    bias = has_bias",
            "got an unexpected keyword argument 'bias': your def line (line 31 of parameters.py) reads "
            "`def count_conv2d_parameters(in_channels, out_channels, kernel_size, has_bias=True)`, and the checks "
            "call it with the parameters of the stub's def line: keep their names and order",
        ),
        (  # a list per layer: its numbers, and that their sum is the answer
            "04_parameters", "count_parameters_matches_torch", COUNT_PARAMETERS,
            "return [n_out * n_in + n_out for n_in, n_out in pairwise(sizes)]",
            "which add up to the expected number: return their sum",
        ),
        (
            "04_parameters", "count_parameters_matches_torch", COUNT_PARAMETERS,
            "return (n_out * n_in + n_out for n_in, n_out in pairwise(sizes))",
            "the result is a generator, and `count_parameters` returns one number: to add up its items, wrap it "
            "in sum(...)",
        ),
        (
            "01_neuron", "weighted_sum_matches_torch", WEIGHTED_SUM,
            "return int(np.dot(weights, activations) + bias)",
            "(int(...), round(...) and // drop the fraction)",
        ),
        (
            "01_neuron", "weighted_sum_matches_torch", WEIGHTED_SUM,
            "return float(weights * activations + bias)",
            "float() takes one number, and was given an array: weights * activations is one product per input",
        ),
        (  # a test left at the bottom of the file
            "01_neuron", "weighted_sum_matches_torch", WEIGHTED_SUM,
            WEIGHTED_SUM + "\n\n\nprint(weighted_sum(W, a, 0))",
            'Code outside functions runs whenever the file is imported, by the checks too: keep experiments under '
            '`if __name__ == "__main__":`',
        ),
    ],
)  # fmt: skip
def test_a_message_says_how_to_get_from_what_was_returned_to_what_is_wanted(
    make_tree, exercise, check, line, changed, said
):
    message = failure_with_change(make_tree, exercise, check, line, changed)
    assert said in message, message
    assert "calling.py" not in message, message  # never the checks' own line


# A typo in one branch of sigmoid; sigmoid_prime is right, and calls it.
SIGMOID_TYPO = ("np.where(z >= 0, 1, e) / (1 + e)", "np.where(z >= 0, 1, e) / 1 + e")


def messages_of(runner, exercise: str) -> dict[str, str]:
    """The failure message of each check of ``exercise``, run in order, by check name."""
    from grader.pytest_plugin import CheckFailed

    messages = {}
    for check in checks_of(exercise):
        try:
            runner.run(exercise, check.name)
        except CheckFailed as failure:
            messages[check.name] = str(failure)
    return messages


def test_a_function_failing_because_a_function_it_calls_fails_is_told_to_fix_that_one_first(make_tree):
    from grader.pytest_plugin import Runner

    broken = solution_text("02_sigmoid").replace(*SIGMOID_TYPO)
    assert broken != solution_text("02_sigmoid")
    messages = messages_of(Runner(make_tree({"02_sigmoid": broken})), "02_sigmoid")
    note = "`sigmoid_prime` calls your `sigmoid`, which fails its own checks: fix `sigmoid` first."
    assert note in messages["sigmoid_prime_matches_autograd"], messages
    sigmoids = [message for name, message in messages.items() if not name.startswith("sigmoid_prime")]
    assert sigmoids and not any("calls your" in message for message in sigmoids)


def test_a_function_that_calls_no_failing_function_is_not_told_to_fix_one(make_tree):
    from grader.pytest_plugin import Runner

    broken = solution_text("02_sigmoid").replace(*SIGMOID_TYPO).replace("s = sigmoid(z)", "s = 1 / (2 + np.exp(-z))")
    messages = messages_of(Runner(make_tree({"02_sigmoid": broken})), "02_sigmoid")
    assert "sigmoid_prime_matches_autograd" in messages and "sigmoid_matches_torch" in messages
    assert not any("calls your" in message for message in messages.values()), messages


def test_advice_already_given_in_this_run_is_named_not_repeated(make_tree):
    from grader.pytest_plugin import Runner

    broken = solution_text("02_sigmoid").replace(
        "    result = np.where(z >= 0, 1, e) / (1 + e)", "    result = np.asarray(1 / (1 + math.exp(-z)))"
    )
    messages = messages_of(Runner(make_tree({"02_sigmoid": "import math\n" + broken})), "02_sigmoid")
    advice = "math.exp, float() and int() take one number, and were given an array"
    first, *later = messages.values()
    assert advice in first and later, messages
    for message in later:
        assert advice not in message and "likely mistake: the same as in test_sigmoid_matches_torch above." in message


def test_a_batch_fed_to_a_one_example_layer_is_told_how_a_batch_is_laid_out(make_tree):
    message = failure_with_change(
        make_tree,
        "01_neuron",
        "layer_weighted_sums_matches_torch_linear",
        "return activations @ weights.T + biases",
        "return weights @ activations + biases",
    )
    assert "activations (n_in,) for one example or (batch, n_in) for a batch, one example per row" in message


def test_what_the_code_printed_when_imported_is_shown_once_under_the_failure_that_imported_it(make_tree):
    from grader.pytest_plugin import Runner

    noisy = solution_text("01_neuron").replace("return float(", "return 2 * float(") + (
        "\n\nfor i in range(5000):\n    print('trying', i)\n"
    )
    messages = messages_of(Runner(make_tree({"01_neuron": noisy})), "01_neuron")
    first = messages.pop("weighted_sum_matches_torch")
    assert "your prints during the import of your code (code outside functions):\n    trying 0" in first, first
    assert "trying 4999" in first and len(first.splitlines()) < 40  # its head and tail only
    assert messages == {}  # layer_weighted_sums is right: the import's prints fail nothing
