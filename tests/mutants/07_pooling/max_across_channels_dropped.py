"""MUTANT: max_pool2d takes the max over the channel axis too, which drops it: (N, H_out, W_out).

expect: across all the channels together
"""

import numpy as np


def max_pool2d(x, kernel_size=2, stride=None):
    if stride is None:
        stride = kernel_size
    windows = np.lib.stride_tricks.sliding_window_view(x, (kernel_size, kernel_size), axis=(2, 3))
    return windows[:, :, ::stride, ::stride].max(axis=(1, 4, 5))
