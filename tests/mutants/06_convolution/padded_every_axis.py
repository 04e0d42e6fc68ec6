"""MUTANT: conv2d pads the batch and channel axes too, then loops over the original sizes.

expect: padded along every axis
"""

import numpy as np


def conv2d(x, weight, bias=None, stride=1, padding=0):
    n, c = x.shape[:2]
    c_out, _, kh, kw = weight.shape
    x = np.pad(x, padding)
    h_out = (x.shape[2] - kh) // stride + 1
    w_out = (x.shape[3] - kw) // stride + 1
    out = np.zeros((n, c_out, h_out, w_out), dtype=x.dtype)
    for i in range(n):
        for o in range(c_out):
            for r in range(h_out):
                for col in range(w_out):
                    patch = x[i, :c, r * stride : r * stride + kh, col * stride : col * stride + kw]
                    out[i, o, r, col] = np.sum(patch * weight[o])
            if bias is not None:
                out[i, o] += bias[o]
    return out
