"""MUTANT: the gradients are summed over the mini-batch instead of averaged.

expect: the sum over the mini-batch
"""

solution_backprop = backprop  # noqa: F821 (the solution's, defined before this file)


def backprop(weights, biases, x, y):
    batch = 1 if x.ndim == 1 else x.shape[0]  # the mean times the batch size is the sum
    grad_weights, grad_biases = solution_backprop(weights, biases, x, y)
    return [g * batch for g in grad_weights], [g * batch for g in grad_biases]
