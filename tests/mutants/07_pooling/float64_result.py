"""MUTANT: the output array is made as float64.

expect: expected dtype float32
"""

solution_max_pool2d = max_pool2d  # noqa: F821 (the solution's, defined before this file)


def max_pool2d(x, kernel_size=2, stride=None):
    return solution_max_pool2d(x, kernel_size, stride).astype(float)
