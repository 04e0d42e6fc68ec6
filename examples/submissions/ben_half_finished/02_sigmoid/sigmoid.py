"""Exercise 02: the sigmoid activation and its derivative, without overflow.

Read README.md in this folder first. Run the checks with:  pytest exercises/02_sigmoid
"""

import numpy as np


def sigmoid(z):
    # sigma(z) = e^min(z, 0) / (1 + e^-|z|): both exponents are <= 0, so no overflow
    # (for z >= 0 that is 1 / (1 + e^-z), for z < 0 it is e^z / (1 + e^z))
    top = np.exp(np.minimum(z, 0))
    return top / (1 + np.exp(-np.abs(z)))


def sigmoid_prime(z):
    return sigmoid(z) * sigmoid(-z)  # 1 - sigma(z) = sigma(-z)
