"""MUTANT: convolve2d slides the kernel over range(H - kh), one position short in each direction.

expect: one row or column too few or too many
"""

import numpy as np


def convolve2d(image, kernel):
    kh, kw = kernel.shape
    rows, columns = image.shape[0] - kh, image.shape[1] - kw
    out = np.zeros((max(rows, 0), max(columns, 0)), dtype=image.dtype)
    for i in range(rows):
        for j in range(columns):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * kernel)
    return out
