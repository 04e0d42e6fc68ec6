"""MUTANT: H_out and W_out rounded up (ceil mode), with index loops that then read past the last row.

The slicing version of this mistake keeps the partial windows (see ceil_mode.py); reading each
window entry by entry, x[n, c, i * stride + u, j * stride + v], raises an IndexError instead.

expect: rounds up
avoid: not range(H)
"""

import numpy as np


def max_pool2d(x, kernel_size=2, stride=None):
    stride = stride or kernel_size
    n, c, h, w = x.shape
    h_out = -(-(h - kernel_size) // stride) + 1  # the mistake: ceil instead of floor
    w_out = -(-(w - kernel_size) // stride) + 1
    out = np.empty((n, c, h_out, w_out), dtype=x.dtype)
    for i in range(h_out):
        for j in range(w_out):
            best = np.full((n, c), -np.inf)
            for u in range(kernel_size):
                for v in range(kernel_size):
                    best = np.maximum(best, x[:, :, i * stride + u, j * stride + v])
            out[:, :, i, j] = best
    return out
