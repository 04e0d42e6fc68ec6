"""Exercise 02: the sigmoid activation and its derivative, without overflow.

Ada's hand-in.
"""

import numpy as np


def sigmoid(z):
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    out = np.empty_like(z)
    positive = z >= 0
    # for z >= 0, exp(-z) is at most 1, so nothing can overflow
    out[positive] = 1.0 / (1.0 + np.exp(-z[positive]))
    # for z < 0 use the equivalent form e^z / (1 + e^z), where e^z is below 1
    ez = np.exp(z[~positive])
    out[~positive] = ez / (1.0 + ez)
    if out.ndim == 0:
        return out[()]  # a number in, a number out
    return out


def sigmoid_prime(z):
    s = sigmoid(z)
    return s * (1.0 - s)
