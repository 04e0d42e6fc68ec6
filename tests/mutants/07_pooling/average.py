"""MUTANT: average pooling instead of max pooling.

expect: the average of each window
"""

import numpy as np


def max_pool2d(x, kernel_size=2, stride=None):
    stride = stride or kernel_size
    windows = np.lib.stride_tricks.sliding_window_view(x, (kernel_size, kernel_size), axis=(2, 3))
    return windows[:, :, ::stride, ::stride].mean(axis=(4, 5))
