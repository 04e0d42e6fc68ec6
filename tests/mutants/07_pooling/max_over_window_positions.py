"""MUTANT: max_pool2d takes the max over the windows' positions instead of within each window.

expect: the max over the window positions
avoid: one row or column too few or too many
"""

import numpy as np


def max_pool2d(x, kernel_size=2, stride=None):
    if stride is None:
        stride = kernel_size
    windows = np.lib.stride_tricks.sliding_window_view(x, (kernel_size, kernel_size), axis=(2, 3))
    return windows[:, :, ::stride, ::stride].max(axis=(2, 3))  # the mistake: axes 4, 5 are the window's
