"""MUTANT: conv2d puts all the padding on the top and left sides (no known mistake matches)."""

import numpy as np

solution_conv2d = conv2d  # noqa: F821 (the solution's, defined before this file)


def conv2d(x, weight, bias=None, stride=1, padding=0):
    x = np.pad(x, ((0, 0), (0, 0), (2 * padding, 0), (2 * padding, 0)))
    return solution_conv2d(x, weight, bias, stride)
