"""Checks of exercise 04, each comparing your parameters.py with PyTorch.

Run only these:  pytest exercises/04_parameters        Hints:  pytest exercises/04_parameters --hints
The checks themselves live in grader/checks/parameters.py.
"""

from grader.pytest_plugin import check_test, run_when_executed

test_count_parameters_matches_torch = check_test("04_parameters", "count_parameters_matches_torch")
test_count_conv2d_parameters_matches_torch = check_test("04_parameters", "count_conv2d_parameters_matches_torch")

run_when_executed(__name__, __file__)
