"""Checks of exercise 05, each comparing your backprop.py with PyTorch.

Run only these:  pytest exercises/05_backprop        Hints:  pytest exercises/05_backprop --hints
The checks themselves live in grader/checks/backprop.py.
"""

from grader.pytest_plugin import check_test, run_when_executed

test_backprop_matches_autograd = check_test("05_backprop", "backprop_matches_autograd")
test_backprop_keeps_float32 = check_test("05_backprop", "backprop_keeps_float32")
test_numerical_gradient_matches_autograd = check_test("05_backprop", "numerical_gradient_matches_autograd")
test_numerical_gradient_uses_central_differences = check_test(
    "05_backprop", "numerical_gradient_uses_central_differences"
)
test_numerical_gradient_computes_in_float64 = check_test("05_backprop", "numerical_gradient_computes_in_float64")

run_when_executed(__name__, __file__)
