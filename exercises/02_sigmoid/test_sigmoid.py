"""Checks of exercise 02, each comparing your sigmoid.py with PyTorch.

Run only these:  pytest exercises/02_sigmoid        Hints:  pytest exercises/02_sigmoid --hints
The checks themselves live in grader/checks/sigmoid.py.
"""

from grader.pytest_plugin import check_test, run_when_executed

test_sigmoid_matches_torch = check_test("02_sigmoid", "sigmoid_matches_torch")
test_sigmoid_keeps_float32 = check_test("02_sigmoid", "sigmoid_keeps_float32")
test_sigmoid_is_stable_for_large_z = check_test("02_sigmoid", "sigmoid_is_stable_for_large_z")
test_sigmoid_prime_matches_autograd = check_test("02_sigmoid", "sigmoid_prime_matches_autograd")
test_sigmoid_prime_keeps_float32 = check_test("02_sigmoid", "sigmoid_prime_keeps_float32")
test_sigmoid_prime_is_stable_for_large_z = check_test("02_sigmoid", "sigmoid_prime_is_stable_for_large_z")

run_when_executed(__name__, __file__)
