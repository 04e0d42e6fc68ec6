"""Exercise 04: how many numbers a network learns.

Read README.md in this folder first. Run the checks with:  pytest exercises/04_parameters
"""

from itertools import pairwise  # noqa: F401 (you will need it)


def count_parameters(sizes):
    """The number of weights and biases of a fully connected network with layer sizes ``sizes``.

    A layer from n_in to n_out neurons has a weight matrix of shape (n_out, n_in) and n_out
    biases: n_out·n_in + n_out parameters. The input layer has none.

    Args:
        sizes: list of layer sizes, input layer first, e.g. [784, 16, 16, 10].

    Returns:
        the total as a Python int.

    Example:
        >>> count_parameters([784, 16, 16, 10])   # (784·16 + 16) + (16·16 + 16) + (16·10 + 10)
        13002
    """
    raise NotImplementedError("count_parameters is yours to write: see exercises/04_parameters/README.md")


def count_conv2d_parameters(in_channels, out_channels, kernel_size, bias=True):
    """The number of parameters of a 2-D convolution layer, as torch.nn.Conv2d counts them.

    Each of the out_channels filters has a kernel of shape (in_channels, kh, kw): it looks at
    every input channel. With bias, each filter also has one bias:
    out_channels·in_channels·kh·kw (+ out_channels).

    Args:
        in_channels: channels of the input (1 for a grey image, 3 for RGB).
        out_channels: number of filters, hence channels of the output.
        kernel_size: an int k for a k × k kernel, or a tuple (kh, kw).
        bias: whether each filter has a bias.

    Returns:
        the total as a Python int.

    Example:
        >>> count_conv2d_parameters(3, 16, 5)          # 16·3·5·5 + 16
        1216
        >>> count_conv2d_parameters(3, 16, (3, 5), bias=False)
        720
    """
    raise NotImplementedError("count_conv2d_parameters is yours to write: see exercises/04_parameters/README.md")
