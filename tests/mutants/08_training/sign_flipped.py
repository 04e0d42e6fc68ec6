"""MUTANT: sgd_step climbs the gradient.

expect: goes up the gradient
"""

solution_sgd_step = sgd_step  # noqa: F821 (the solution's, defined before this file)


def sgd_step(weights, biases, x, y, learning_rate):
    return solution_sgd_step(weights, biases, x, y, -learning_rate)  # W + η·∂C/∂W
