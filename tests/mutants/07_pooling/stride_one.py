"""MUTANT: the stride defaults to 1 instead of kernel_size.

expect: stride 1
"""

solution_max_pool2d = max_pool2d  # noqa: F821 (the solution's, defined before this file)


def max_pool2d(x, kernel_size=2, stride=None):
    return solution_max_pool2d(x, kernel_size, 1 if stride is None else stride)
