"""MUTANT: conv2d promotes float32 to float64 (a float64 bias of zeros).

expect: expected dtype float32
"""

import numpy as np

solution_conv2d = conv2d  # noqa: F821 (the solution's, defined before this file)


def conv2d(x, weight, bias=None, stride=1, padding=0):
    if bias is None:
        bias = np.zeros(weight.shape[0])
    return solution_conv2d(x, weight, bias, stride, padding)
