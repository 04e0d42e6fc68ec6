"""MUTANT: conv2d adds the bias inside the loop over the input channels, so C_in times.

expect: once per input channel
"""

import numpy as np


def conv2d(x, weight, bias=None, stride=1, padding=0):
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    n_images, c_in = x.shape[:2]
    c_out, _, kh, kw = weight.shape
    h_out = (xp.shape[2] - kh) // stride + 1
    w_out = (xp.shape[3] - kw) // stride + 1
    out = np.zeros((n_images, c_out, h_out, w_out), dtype=x.dtype)
    for n in range(n_images):
        for o in range(c_out):
            for c in range(c_in):
                out[n, o] += convolve2d(xp[n, c], weight[o, c])[::stride, ::stride]  # noqa: F821
                if bias is not None:
                    out[n, o] += bias[o]  # the mistake: once per input channel c
    return out
