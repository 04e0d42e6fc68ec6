"""Checks of exercise 03, each comparing your feedforward.py with PyTorch.

Run only these:  pytest exercises/03_feedforward        Hints:  pytest exercises/03_feedforward --hints
The checks themselves live in grader/checks/feedforward.py.
"""

from grader.pytest_plugin import check_test, run_when_executed

test_flatten_matches_torch = check_test("03_feedforward", "flatten_matches_torch")
test_init_network_shapes_match_torch_linear = check_test("03_feedforward", "init_network_shapes_match_torch_linear")
test_init_network_is_deterministic = check_test("03_feedforward", "init_network_is_deterministic")
test_init_network_draws_from_normal = check_test("03_feedforward", "init_network_draws_from_normal")
test_feedforward_matches_torch_sequential = check_test("03_feedforward", "feedforward_matches_torch_sequential")
test_feedforward_keeps_float32 = check_test("03_feedforward", "feedforward_keeps_float32")
test_predict_matches_torch_argmax = check_test("03_feedforward", "predict_matches_torch_argmax")

run_when_executed(__name__, __file__)
