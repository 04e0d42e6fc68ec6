"""Exercise 07: max pooling, which keeps the strongest response of each small window.

Read README.md in this folder first. Run the checks with:  pytest exercises/07_pooling
"""

import numpy as np  # noqa: F401 (you will need it)


def max_pool2d(x, kernel_size=2, stride=None):
    """The largest value of each kernel_size × kernel_size window, as torch.nn.functional.max_pool2d.

        out[n, c, i, j] = max over u, v < kernel_size of x[n, c, i·stride + u, j·stride + v]

    Each channel of each image is pooled on its own. The window moves `stride` pixels at a time
    (by default kernel_size, so windows do not overlap); windows that would stick out of the
    image are left out ("floor mode"), so the output has H_out = (H − kernel_size) // stride + 1
    rows and W_out = (W − kernel_size) // stride + 1 columns.

    Args:
        x: shape (N, C, H, W), with kernel_size <= H and kernel_size <= W.
        kernel_size: an int k >= 1: the windows are k × k.
        stride: an int >= 1, or None for kernel_size.

    Returns:
        shape (N, C, H_out, W_out), with the dtype of x (float32 stays float32); for 28 × 28
        images and the defaults, 14 × 14.

    Example:
        >>> x = np.array([[[[1.0, 2.0, 5.0, 0.0],
        ...                 [3.0, 4.0, 1.0, 1.0],
        ...                 [0.0, 0.0, 2.0, 2.0],
        ...                 [-1.0, 0.0, 2.0, 9.0]]]])
        >>> max_pool2d(x)
        array([[[[4., 5.],
                 [0., 9.]]]])
    """
    raise NotImplementedError("max_pool2d is yours to write: see exercises/07_pooling/README.md")
