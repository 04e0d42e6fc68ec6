"""MUTANT: convolve2d flips the kernel (the mathematicians' convolution).

expect: the kernel flipped
"""

import numpy as np

solution_convolve2d = convolve2d  # noqa: F821 (the solution's, defined before this file)


def convolve2d(image, kernel):
    return solution_convolve2d(image, np.flip(kernel))
