"""Checks of exercise 07, each comparing your pooling.py with PyTorch.

Run only these:  pytest exercises/07_pooling        Hints:  pytest exercises/07_pooling --hints
The checks themselves live in grader/checks/pooling.py.
"""

from grader.pytest_plugin import check_test, run_when_executed

test_max_pool2d_matches_torch = check_test("07_pooling", "max_pool2d_matches_torch")
test_max_pool2d_of_negative_maps_matches_torch = check_test("07_pooling", "max_pool2d_of_negative_maps_matches_torch")
test_max_pool2d_keeps_float32 = check_test("07_pooling", "max_pool2d_keeps_float32")

run_when_executed(__name__, __file__)
