"""Exercise 02: the sigmoid activation and its derivative, without overflow.

Read README.md in this folder first. Run the checks with:  pytest exercises/02_sigmoid
"""

import numpy as np


def sigmoid(z):
    z = np.asarray(z)
    # 1/(1+e^-z) overflows for very negative z, so split into two cases
    result = np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))), np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z))))
    if result.ndim == 0:
        return result[()]
    return result


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))
