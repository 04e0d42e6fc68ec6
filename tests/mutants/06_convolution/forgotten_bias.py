"""MUTANT: conv2d forgets the bias.

expect: without the bias
"""

solution_conv2d = conv2d  # noqa: F821 (the solution's, defined before this file)


def conv2d(x, weight, bias=None, stride=1, padding=0):
    return solution_conv2d(x, weight, None, stride, padding)
