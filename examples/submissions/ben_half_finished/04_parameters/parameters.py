"""Exercise 04: how many numbers a network learns.

Read README.md in this folder first. Run the checks with:  pytest exercises/04_parameters
"""


def count_parameters(sizes):
    return sum(sizes[i] * sizes[i + 1] + sizes[i + 1] for i in range(len(sizes) - 1))


def count_conv2d_parameters(in_channels, out_channels, kernel_size, bias=True):
    try:
        kh, kw = kernel_size
    except TypeError:  # a single int: a square kernel
        kh = kw = kernel_size
    return out_channels * in_channels * kh * kw + (out_channels if bias else 0)
