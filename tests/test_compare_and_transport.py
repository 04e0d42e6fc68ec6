"""Properties of the comparison and of the grader's transport format."""

from __future__ import annotations

import json
import os
import zipfile

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from grader import transport
from grader.calling import Call, KnownFunction, MnistData, Outcome, SeededGenerator, perform, to_plain
from grader.compare import FLOAT64, Mistake, differences, judge_value

finite = hnp.arrays(
    dtype=st.sampled_from([np.float64, np.float32]),
    shape=hnp.array_shapes(max_dims=3, max_side=5),
    elements=st.floats(-1e6, 1e6, width=32),
)


@settings(max_examples=60, deadline=None)
@given(finite)
def test_an_array_matches_itself_and_not_a_shifted_copy(array):
    assert differences(array, array.copy(), FLOAT64) == []
    shifted = array + np.asarray(1.0, dtype=array.dtype)
    assert differences(array, shifted, FLOAT64)


@settings(max_examples=40, deadline=None)
@given(array=finite)
def test_transport_round_trips_calls_and_outcomes(array, tmp_path_factory):
    path = tmp_path_factory.mktemp("t") / "x.npz"
    call = Call(
        "f", (array, [array, 3], SeededGenerator(5), KnownFunction("sum_of_squares")), {"m": MnistData("images", 10)}
    )
    outcome = Outcome("ok", value=(array, 2.5, [1, True]), warnings=["w"], seconds=0.1, stopped=True)
    transport.save([call, outcome], path)
    back_call, back_outcome = transport.load(path)
    assert back_call.function == "f" and back_call.kwargs == {"m": MnistData("images", 10)}
    np.testing.assert_array_equal(back_call.args[0], array)
    assert back_call.args[0].dtype == array.dtype
    assert back_call.args[2:] == (SeededGenerator(5), KnownFunction("sum_of_squares"))
    assert back_outcome.value[1:] == (2.5, [1, True])
    assert back_outcome.stopped is True


def test_shape_is_reported_before_values():
    lines = differences(np.zeros((5, 3)), np.zeros((3, 5)), FLOAT64)
    assert lines == ["result: expected shape (5, 3), got shape (3, 5) (the expected shape, transposed)"]


def test_the_worst_element_and_its_place_are_named():
    expected = np.zeros((2, 3))
    got = expected.copy()
    got[1, 2] = 0.5
    got[0, 0] = 0.1
    (line,) = differences(expected, got, FLOAT64)
    assert "2 of 6 values differ; worst at [1, 2]: expected 0, got 0.5" in line


def test_inf_and_nan_expected_match_only_themselves():
    expected = np.array([np.inf, -np.inf, np.nan, 1.0])
    assert differences(expected, expected.copy(), FLOAT64) == []
    (line,) = differences(expected, np.array([-np.inf, -np.inf, np.nan, 1.0]), FLOAT64)
    assert "got -inf at [0] where inf was expected (1 such value:" in line
    (line,) = differences(expected, np.array([np.inf, -np.inf, 0.5, 1.0]), FLOAT64)
    assert "got 0.5 at [2] where nan was expected (1 such value)" in line


def test_dtype_advice_fits_the_way_the_dtype_went_wrong():
    (promoted,) = differences(np.ones(2, dtype=np.float32), np.ones(2), FLOAT64)
    assert "expected dtype float32, got float64 (keep the input's dtype" in promoted
    (integers,) = differences(np.ones(2), np.ones(2, dtype=np.int64), FLOAT64)
    assert "got int64 (integers where float64 is wanted: dtype=int, .astype(int), int(...) or an array" in integers
    (narrowed,) = differences(np.ones(2), np.ones(2, dtype=np.float32), FLOAT64)
    assert "got float32 (work in float64: float32 keeps only about 7 significant digits)" in narrowed


def test_nan_is_called_out():
    (line,) = differences(np.ones(3), np.array([1.0, np.nan, 1.0]), FLOAT64)
    assert "got nan at [1]" in line and "overflow" in line


def test_a_known_mistake_is_named():
    outcome = Outcome("ok", value=np.array([2.0]))
    diagnosis = judge_value(np.array([1.0]), outcome, "f", FLOAT64, [Mistake(np.array([2.0]), "you doubled it")])
    assert diagnosis is not None and diagnosis.likely_mistake == "you doubled it"


def _judged(cases_and_values: list[tuple[float, float, list[Mistake]]]) -> str:
    """The message of a check whose cases expect, got and know the mistakes given."""
    from grader.checks import Case, Check, judge_cases

    check = Check("01_neuron", "f_works", "f", "f works", lambda rng: [])
    cases = [
        Case(Call("f", (float(n),)), expected, mistakes=mistakes)
        for n, (expected, _, mistakes) in enumerate(cases_and_values)
    ]
    outcomes = [Outcome("ok", value=got) for _, got, _ in cases_and_values]
    return judge_cases(check, cases, outcomes).message


def test_a_mistake_one_case_matches_by_coincidence_is_not_named():
    doubled = "you doubled it"
    # The first case's wrong value happens to be the doubled one; the others tell doubling apart
    # and got something else: the code does not double, it is wrong in some other way.
    message = _judged([
        (4.0, 8.0, [Mistake(8.0, doubled)]),
        (5.0, 7.0, [Mistake(10.0, doubled)]),
        (6.0, 9.0, [Mistake(12.0, doubled)]),
    ])  # fmt: skip
    assert "3 of 3 cases fail" in message and doubled not in message
    # Two mistakes that give the same answer for a case's input are not told apart by it.
    message = _judged([(4.0, 8.0, [Mistake(8.0, doubled), Mistake(8.0, "you added 4")])])
    assert "likely mistake" not in message
    # Where most cases got the doubled value, one that did not is a second mistake: still named.
    message = _judged([
        (4.0, 8.0, [Mistake(8.0, doubled)]),
        (5.0, 10.0, [Mistake(10.0, doubled)]),
        (6.0, 13.0, [Mistake(12.0, doubled)]),
    ])  # fmt: skip
    assert f"likely mistake: {doubled}" in message


@pytest.mark.parametrize(
    "value",
    [object(), {"a": 1}, "text", np.array(["a"]), np.array([object()]), None],
)
def test_only_plain_numbers_and_numeric_arrays_count(value):
    with pytest.raises(TypeError):
        to_plain(value)


def test_array_subclasses_are_rebuilt_as_plain_arrays():
    class Liar(np.ndarray):
        def __eq__(self, other):  # always "equal"
            return True

    plain = to_plain(np.zeros(3).view(Liar))
    assert type(plain) is np.ndarray


def test_forged_transport_files_are_rejected(tmp_path):
    path = tmp_path / "forged.npz"
    np.savez(path, __manifest__=np.frombuffer(b'{"evil": 1}', dtype=np.uint8))
    with pytest.raises(transport.TransportError):
        transport.load(path)
    np.savez(path, a0=np.array([object()], dtype=object))
    with pytest.raises(transport.TransportError):
        transport.load(path)
    path.write_bytes(b"not a zip")
    with pytest.raises(transport.TransportError):
        transport.load(path)
    warnings_not_a_list = b'{"outcome": {"dict": {"status": {"str": "ok"}, "warnings": {"int": 5}}}}'
    np.savez(path, __manifest__=np.frombuffer(warnings_not_a_list, dtype=np.uint8))
    with pytest.raises(transport.TransportError):
        transport.load(path)


@pytest.mark.parametrize("kind", ["symlink to a device", "fifo", "compressed", "bomb"])
def test_answers_that_would_hang_or_flood_the_grader_are_rejected(tmp_path, kind):
    path = tmp_path / "outcomes.npz"
    if kind == "symlink to a device":
        path.symlink_to("/dev/zero")
    elif kind == "fifo":
        os.mkfifo(path)  # a reader that opened it normally would block forever
    elif kind == "compressed":
        transport.save([1.0], tmp_path / "plain.npz")
        np.savez_compressed(path, **np.load(tmp_path / "plain.npz"))
    else:
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("__manifest__.npy", bytes(64 * 1024**2))
        assert path.stat().st_size < 1024**2
    with pytest.raises(transport.TransportError):
        transport.load(path)


def test_text_that_utf8_cannot_hold_arrives_as_escapes(tmp_path):
    # A learner's `raise ValueError("\ud800")`: feedback files must still be writable as UTF-8.
    path = tmp_path / "outcomes.npz"
    transport.save([Outcome("error", message="bad \ud800 text \U0001f600", warnings=["\udfff"])], path)
    (outcome,) = transport.load(path)
    assert outcome.message == "bad \\ud800 text \U0001f600" and outcome.warnings == ["\\udfff"]
    outcome.message.encode("utf-8")


def test_an_array_named_many_times_in_a_forged_answer_is_read_once(tmp_path):
    path = tmp_path / "outcomes.npz"
    manifest = json.dumps({"list": [{"array": "a0"}] * 1000}).encode()
    np.savez(path, a0=np.zeros(100_000), __manifest__=np.frombuffer(manifest, dtype=np.uint8))
    values = transport.load(path)
    assert len(values) == 1000 and all(v is values[0] for v in values)  # one 800 kB copy, not 1000


def test_perform_reports_mutation_and_warnings():
    class Module:
        @staticmethod
        def f(x):
            x *= 2
            return np.exp(np.array([1000.0]))

    outcome = perform(Module, Call("f", (np.ones(2),)))
    assert outcome.mutated == ["`x`"]  # named as the learner named it
    assert any("overflow" in w for w in outcome.warnings)


def test_a_hostile_module_or_warning_costs_only_the_suggestion_not_the_grading():
    import types
    import warnings

    from grader.calling import missing_message, warning_lines

    module = types.ModuleType("neuron")
    exec(
        "class Evil:\n"
        "    @property\n"
        "    def __class__(self):\n"
        "        raise RuntimeError('no')\n"
        "    def __eq__(self, other):\n"
        "        raise RuntimeError('no')\n"
        "evil = Evil()\n"
        "def weighted_sums(): pass\n"
        "def moved(): pass\n"
        "moved.__module__ = Evil()\n"
        "globals()[1] = 2\n",
        module.__dict__,
    )
    assert "but defines `weighted_sums`" in missing_message(module, "layer_weighted_sums", "neuron.py")
    forged = warnings.WarningMessage("m", UserWarning, object(), object())
    assert warning_lines([forged, forged]) == ["a warning that could not be shown, 2 times"]


def test_a_value_too_big_to_judge_fails_its_check_and_nothing_more():
    from grader.checks import get_check, judge_cases

    check = get_check("02_sigmoid", "sigmoid_matches_torch")
    cases = check.cases(0)
    for huge in (10**400, 10**5000):  # the second has more digits than int's repr allows
        verdict = judge_cases(check, cases, [Outcome("ok", value=huge)] * sum(len(c.calls) for c in cases))
        assert verdict.credit == 0.0 and len(verdict.message) < 1000, verdict.message


def test_a_call_stopped_by_its_time_limit_is_what_its_check_reports():
    from grader.calling import NO_RESULT, RAISED
    from grader.checks import get_check, judge_cases
    from grader.grading import TIME_LIMIT, exercise_cause

    check = get_check("02_sigmoid", "sigmoid_matches_torch")
    cases = check.cases(0)
    assert len(cases) > 3 and all(len(case.calls) == 1 for case in cases)
    stop = Outcome(RAISED, message="TimeoutError: still running after 5 s, so it was stopped", stopped=True)
    never_called = Outcome(NO_RESULT, message="`sigmoid` was not called again", stopped=True)
    # The first case got a wrong value; the second was stopped, and the later ones were never run.
    outcomes = [Outcome("ok", value=np.float64(7.0)), stop] + [never_called] * (len(cases) - 2)
    verdict = judge_cases(check, cases, outcomes)
    assert verdict.credit == 0.0 and verdict.shown == 1
    assert verdict.message.startswith(f"{check.summary}: it fails.\n"), verdict.message
    assert "still running after 5 s" in verdict.message and "cases fail" not in verdict.message
    run = {"problem": None, "outcomes": outcomes}
    assert exercise_cause(run) == (TIME_LIMIT, None)
    assert exercise_cause({**run, "outcomes": [Outcome("ok", value=np.float64(7.0))] * len(cases)}) == (None, None)


def test_in_place_advice_names_the_argument_changed():
    from grader.compare import mutation_problem

    advice = mutation_problem(Outcome("ok", value=1.0, mutated=["`x`"]), "max_pool2d").likely_mistake
    assert "`y = x` (or np.asarray(x)) makes no copy" in advice and "biases" not in advice


def test_an_error_is_described_without_a_line_number_or_a_message_that_raises():
    from types import ModuleType

    from grader.calling import source_line, where

    # The time limit can stop code between two lines, where a traceback entry has no line number.
    assert source_line("training.py", None) == ""
    assert where("/x/training.py", None) == "training.py"

    class UnprintableError(Exception):
        def __str__(self):
            raise RuntimeError("no")

    module = ModuleType("neuron")

    def weighted_sum(weights, activations, bias):
        raise UnprintableError

    module.weighted_sum = weighted_sum
    outcome = perform(module, Call("weighted_sum", ([1.0], [1.0], 0.0)))
    assert outcome.status == "raised"
    assert outcome.message.startswith("UnprintableError (its message could not be shown)")
