"""Exercise 04: how many numbers a network learns.

Ada's hand-in.
"""


def count_parameters(sizes):
    total = 0
    for i in range(len(sizes) - 1):
        total += sizes[i] * sizes[i + 1]  # the weights W, shape (n_out, n_in)
        total += sizes[i + 1]  # one bias per neuron of the next layer
    return total


def count_conv2d_parameters(in_channels, out_channels, kernel_size, bias=True):
    if isinstance(kernel_size, int):
        kernel_size = (kernel_size, kernel_size)
    kh, kw = kernel_size
    n = out_channels * in_channels * kh * kw
    if bias:
        n += out_channels
    return n
