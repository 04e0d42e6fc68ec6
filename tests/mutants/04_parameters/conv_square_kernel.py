"""MUTANT: a (kh, kw) kernel is counted as kh × kh.

expect: not one of them twice
"""

solution_count_conv2d_parameters = count_conv2d_parameters  # noqa: F821 (the solution's, defined before this file)


def count_conv2d_parameters(in_channels, out_channels, kernel_size, bias=True):
    kh = kernel_size if isinstance(kernel_size, int) else kernel_size[0]
    return solution_count_conv2d_parameters(in_channels, out_channels, kh, bias)
