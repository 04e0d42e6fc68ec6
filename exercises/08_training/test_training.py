"""Checks of exercise 08, each comparing your training.py with PyTorch.

Run only these:  pytest exercises/08_training        Hints:  pytest exercises/08_training --hints
The checks themselves live in grader/checks/training.py.
"""

from grader.pytest_plugin import check_test, run_when_executed

test_one_hot_matches_torch = check_test("08_training", "one_hot_matches_torch")
test_sgd_step_matches_torch_sgd = check_test("08_training", "sgd_step_matches_torch_sgd")
test_train_matches_torch_sgd = check_test("08_training", "train_matches_torch_sgd")
test_train_shuffles_with_its_rng = check_test("08_training", "train_shuffles_with_its_rng")
test_accuracy_matches_torch = check_test("08_training", "accuracy_matches_torch")
test_train_learns_mnist = check_test("08_training", "train_learns_mnist")

run_when_executed(__name__, __file__)
