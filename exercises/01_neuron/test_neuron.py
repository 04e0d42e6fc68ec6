"""Checks of exercise 01, each comparing your neuron.py with PyTorch.

Run only these:  pytest exercises/01_neuron        Hints:  pytest exercises/01_neuron --hints
The checks themselves live in grader/checks/neuron.py.
"""

from grader.pytest_plugin import check_test, run_when_executed

test_weighted_sum_matches_torch = check_test("01_neuron", "weighted_sum_matches_torch")
test_layer_weighted_sums_matches_torch_linear = check_test("01_neuron", "layer_weighted_sums_matches_torch_linear")
test_layer_weighted_sums_keeps_float32 = check_test("01_neuron", "layer_weighted_sums_keeps_float32")

run_when_executed(__name__, __file__)
