"""MUTANT: numerical_gradient sets each entry to +eps and -eps instead of moving it by eps.

expect: set to +eps and −eps instead of moved by eps
"""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = +eps
        above = f(x)
        x[index] = -eps
        below = f(x)
        x[index] = original
        gradient[index] = (above - below) / (2 * eps)
    return gradient
