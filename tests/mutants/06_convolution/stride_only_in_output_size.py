"""MUTANT: conv2d uses the stride in the output size only: the patch of output (i, j) starts at (i, j).

expect: the stride went into H_out and W_out but not into where each patch starts
avoid: with stride 1: the kernel must move
"""

import numpy as np


def conv2d(x, weight, bias=None, stride=1, padding=0):
    c_out, _, kh, kw = weight.shape
    x = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    h_out, w_out = (x.shape[2] - kh) // stride + 1, (x.shape[3] - kw) // stride + 1
    out = np.zeros((x.shape[0], c_out, h_out, w_out), dtype=x.dtype)
    for n in range(x.shape[0]):
        for o in range(c_out):
            for i in range(h_out):
                for j in range(w_out):
                    patch = x[n, :, i : i + kh, j : j + kw]  # the mistake: i * stride, j * stride
                    out[n, o, i, j] = np.sum(patch * weight[o])
            if bias is not None:
                out[n, o] += bias[o]
    return out
