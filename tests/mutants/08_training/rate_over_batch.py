"""MUTANT: sgd_step divides by the batch size a second time (η/len(batch), as in code that sums gradients).

expect: divide by the batch size only once
"""

solution_sgd_step = sgd_step  # noqa: F821 (the solution's, defined before this file)


def sgd_step(weights, biases, x, y, learning_rate):
    return solution_sgd_step(weights, biases, x, y, learning_rate / len(x))
