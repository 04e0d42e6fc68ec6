"""Exercise 07: max pooling.

Ada's hand-in.
"""

import numpy as np


def max_pool2d(x, kernel_size=2, stride=None):
    k = kernel_size
    s = k if stride is None else stride
    h_out = (x.shape[2] - k) // s + 1
    w_out = (x.shape[3] - k) // s + 1
    out = np.empty((x.shape[0], x.shape[1], h_out, w_out), dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            window = x[:, :, i * s : i * s + k, j * s : j * s + k]
            out[:, :, i, j] = window.max(axis=(2, 3))
    return out
