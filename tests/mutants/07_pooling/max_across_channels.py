"""MUTANT: max_pool2d takes each window's max over all the channels of the image together.

expect: across all the channels together
"""

import numpy as np


def max_pool2d(x, kernel_size=2, stride=None):
    if stride is None:
        stride = kernel_size
    n_images, channels, height, width = x.shape
    h_out = (height - kernel_size) // stride + 1
    w_out = (width - kernel_size) // stride + 1
    out = np.zeros((n_images, channels, h_out, w_out), dtype=x.dtype)
    for n in range(n_images):
        for i in range(h_out):
            for j in range(w_out):
                rows = slice(i * stride, i * stride + kernel_size)
                cols = slice(j * stride, j * stride + kernel_size)
                out[n, :, i, j] = x[n, :, rows, cols].max()  # the mistake: one max for every channel
    return out
