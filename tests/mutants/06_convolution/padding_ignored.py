"""MUTANT: conv2d never pads.

expect: without padding
"""

solution_conv2d = conv2d  # noqa: F821 (the solution's, defined before this file)


def conv2d(x, weight, bias=None, stride=1, padding=0):
    return solution_conv2d(x, weight, bias, stride)
