"""MUTANT: count_conv2d_parameters multiplies kernel_size in as if it were always one int.

expect: kernel_size is either one int k
avoid: one weight matrix per layer
"""

import numpy as np


def count_conv2d_parameters(in_channels, out_channels, kernel_size, bias=True):
    weights = np.prod([out_channels, in_channels, kernel_size, kernel_size])
    return int(weights) + (out_channels if bias else 0)
