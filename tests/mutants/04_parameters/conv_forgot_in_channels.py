"""MUTANT: a convolution filter is counted as one kh × kw kernel.

expect: you left out in_channels
"""

solution_count_conv2d_parameters = count_conv2d_parameters  # noqa: F821 (the solution's, defined before this file)


def count_conv2d_parameters(in_channels, out_channels, kernel_size, bias=True):
    # One kernel per filter, as if there were a single input channel.
    return solution_count_conv2d_parameters(1, out_channels, kernel_size, bias)
