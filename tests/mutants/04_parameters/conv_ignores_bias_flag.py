"""MUTANT: the convolution always counts its biases.

expect: with bias=False the layer has no biases
"""

solution_count_conv2d_parameters = count_conv2d_parameters  # noqa: F821 (the solution's, defined before this file)


def count_conv2d_parameters(in_channels, out_channels, kernel_size, bias=True):
    return solution_count_conv2d_parameters(in_channels, out_channels, kernel_size)
