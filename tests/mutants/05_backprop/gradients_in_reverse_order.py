"""MUTANT: the gradients are appended as the backward pass finds them, last layer first.

expect: in reverse layer order
"""

solution_backprop = backprop  # noqa: F821 (the solution's, defined before this file)


def backprop(weights, biases, x, y):
    # A loop over reversed(range(L)) that appends instead of filling grad_weights[layer].
    grad_weights, grad_biases = solution_backprop(weights, biases, x, y)
    return grad_weights[::-1], grad_biases[::-1]
