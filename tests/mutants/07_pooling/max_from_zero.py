"""MUTANT: a running maximum that starts from zeros, so a window of negatives gives 0.

expect: start from the window's first value
"""

import numpy as np

solution_max_pool2d = max_pool2d  # noqa: F821 (the solution's, defined before this file)


def max_pool2d(x, kernel_size=2, stride=None):
    # out = zeros, then out = np.maximum(out, value) for each value of the window: never below 0.
    return np.maximum(solution_max_pool2d(x, kernel_size, stride), 0)
