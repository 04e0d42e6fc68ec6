"""Exercise 06: convolution, the layer that slides a small filter over an image.

Read README.md in this folder first. Run the checks with:  pytest exercises/06_convolution
"""

import numpy as np


def convolve2d(image, kernel):
    kh, kw = kernel.shape
    H, W = image.shape
    # convolution flips the kernel (that's how it is defined in my signals course)
    k = kernel[::-1, ::-1]
    out = np.zeros((H - kh + 1, W - kw + 1), dtype=image.dtype)
    for i in range(H - kh + 1):
        for j in range(W - kw + 1):
            out[i, j] = np.sum(image[i : i + kh, j : j + kw] * k)
    return out


def conv2d(x, weight, bias=None, stride=1, padding=0):
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    N, _, H, W = x.shape
    C_out, _, kh, kw = weight.shape
    H_out = (H - kh) // stride + 1
    W_out = (W - kw) // stride + 1
    out = np.zeros((N, C_out, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride : i * stride + kh, j * stride : j * stride + kw]
            out[:, :, i, j] = np.tensordot(window, weight, axes=([1, 2, 3], [1, 2, 3]))
    if bias is not None:
        out = out + bias[None, :, None, None]
    return out
