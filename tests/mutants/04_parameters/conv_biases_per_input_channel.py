"""MUTANT: the convolution counts one bias per input channel instead of one per filter.

expect: you counted in_channels biases, one per input channel
"""


def count_conv2d_parameters(in_channels, out_channels, kernel_size, bias=True):
    kh, kw = (kernel_size, kernel_size) if isinstance(kernel_size, int) else kernel_size
    return out_channels * in_channels * kh * kw + (in_channels if bias else 0)
