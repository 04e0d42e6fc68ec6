"""MUTANT: partial windows at the edges are kept (ceil mode).

expect: ceil mode
"""

import numpy as np

solution_max_pool2d = max_pool2d  # noqa: F821 (the solution's, defined before this file)


def max_pool2d(x, kernel_size=2, stride=None):
    stride = stride or kernel_size
    h, w = x.shape[2:]
    rows, columns = -(-(h - kernel_size) // stride) + 1, -(-(w - kernel_size) // stride) + 1
    extra_rows, extra_columns = (rows - 1) * stride + kernel_size - h, (columns - 1) * stride + kernel_size - w
    x = np.pad(x, ((0, 0), (0, 0), (0, extra_rows), (0, extra_columns)), constant_values=-np.inf)
    return solution_max_pool2d(x, kernel_size, stride)
