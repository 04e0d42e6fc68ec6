"""Exercise 04: how many numbers a network learns.

Read README.md in this folder first. Run the checks with:  pytest exercises/04_parameters
"""


def count_parameters(sizes):
    count = 0
    for i in range(1, len(sizes)):
        count = count + sizes[i - 1] * sizes[i] + sizes[i]
    return count


def count_conv2d_parameters(in_channels, out_channels, kernel_size, bias=True):
    if type(kernel_size) is int:
        kernel_size = (kernel_size, kernel_size)
    count = out_channels * in_channels * kernel_size[0] * kernel_size[1]
    if bias:
        count = count + out_channels
    return count
