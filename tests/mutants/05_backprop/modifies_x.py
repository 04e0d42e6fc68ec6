"""MUTANT: numerical_gradient perturbs the caller's x and never restores it.

expect: without putting each entry back, and on the caller's own x
avoid: does not give exactly the old value back
"""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    gradient = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        x[index] += eps  # the caller's own array: no copy
        above = f(x)
        x[index] -= 2 * eps  # and left there, eps below where it was
        gradient[index] = (above - f(x)) / (2 * eps)
    return gradient
