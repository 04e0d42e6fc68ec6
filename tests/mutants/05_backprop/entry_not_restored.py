"""MUTANT: numerical_gradient leaves each entry at x_i − eps instead of putting it back.

expect: without putting each entry back
"""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        above = f(x)
        x[index] = original - eps
        gradient[index] = (above - f(x)) / (2 * eps)
    return gradient
