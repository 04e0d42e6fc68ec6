"""Exercise 06: convolution, the layer that slides a small filter over an image.

Read README.md in this folder first. Run the checks with:  pytest exercises/06_convolution
"""

import numpy as np  # noqa: F401 (you will need it)


def convolve2d(image, kernel):
    """Slide a kernel over one image: out[i, j] = Σ_u Σ_v image[i + u, j + v] · kernel[u, v].

    This is what deep learning calls a convolution (torch.nn.functional.conv2d): the kernel is
    used as it is, not flipped, which mathematicians call a cross-correlation. Only positions
    where the kernel fits entirely inside the image count ("valid" mode), so nothing is padded.

    Args:
        image: shape (H, W).
        kernel: shape (kh, kw), with kh <= H and kw <= W.

    Returns:
        shape (H − kh + 1, W − kw + 1), with the dtype of the inputs (float32 stays float32).

    Example:
        >>> image = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]])
        >>> convolve2d(image, np.array([[1.0, 0.0], [0.0, -1.0]]))   # top-left minus bottom-right
        array([[-4., -4.],
               [-4., -4.]])
    """
    raise NotImplementedError("convolve2d is yours to write: see exercises/06_convolution/README.md")


def conv2d(x, weight, bias=None, stride=1, padding=0):
    """A convolution layer on a batch of images with several channels, as torch.nn.functional.conv2d.

    Each output channel o has one kernel per input channel, weight[o, c], and adds up what they
    see, plus its bias:

        out[n, o, i, j] = bias[o] + Σ_c Σ_u Σ_v xp[n, c, i·stride + u, j·stride + v] · weight[o, c, u, v]

    where xp is x with `padding` rows and columns of zeros added on every side of each image.
    The kernel moves `stride` pixels at a time; positions where it would stick out of xp are
    left out, so the output has H_out = (H + 2·padding − kh) // stride + 1 rows and
    W_out = (W + 2·padding − kw) // stride + 1 columns.

    Args:
        x: shape (N, C_in, H, W): N images with C_in channels each.
        weight: shape (C_out, C_in, kh, kw), as torch.nn.Conv2d.weight.
        bias: shape (C_out,), or None for no bias.
        stride: an int >= 1, the step between two positions of the kernel.
        padding: an int >= 0, the zeros added on each of the four sides.

    Returns:
        shape (N, C_out, H_out, W_out), with the dtype of the inputs (float32 stays float32).

    Example:
        >>> x = np.arange(16.0).reshape(1, 1, 4, 4)
        >>> conv2d(x, np.ones((1, 1, 2, 2)), np.array([0.5]), stride=2)   # sums of 2×2 blocks
        array([[[[10.5, 18.5],
                 [42.5, 50.5]]]])
    """
    raise NotImplementedError("conv2d is yours to write: see exercises/06_convolution/README.md")
