"""MUTANT: numerical_gradient steps the caller's x up and down and trusts arithmetic to restore it.

expect: does not give exactly the old value back
avoid: without putting each entry back
"""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    gradient = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        x[index] += eps
        above = f(x)
        x[index] -= 2 * eps
        below = f(x)
        x[index] += eps  # back where it was, up to rounding
        gradient[index] = (above - below) / (2 * eps)
    return gradient
