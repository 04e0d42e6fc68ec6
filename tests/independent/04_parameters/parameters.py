"""Independent implementation of exercise 04 (written from the README and stub only)."""

import math


def count_parameters(sizes):
    """(n_in + 1)·n_out per layer: each neuron has n_in weights and one bias."""
    total = 0
    previous = None
    for size in sizes:
        if previous is not None:
            total += (int(previous) + 1) * int(size)
        previous = size
    return total


def count_conv2d_parameters(in_channels, out_channels, kernel_size, bias=True):
    kernel = (kernel_size, kernel_size) if isinstance(kernel_size, int) else tuple(kernel_size)
    per_filter = int(in_channels) * math.prod(int(k) for k in kernel) + (1 if bias else 0)
    return int(out_channels) * per_filter
