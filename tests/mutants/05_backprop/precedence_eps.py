"""MUTANT: numerical_gradient divides by 2 and multiplies by eps: `(above - below) / 2 * eps`.

expect: (above − below) / 2 * eps
avoid: set to +eps and −eps
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
        below = f(x)
        x[index] = original
        gradient[index] = (above - below) / 2 * eps  # the mistake: this is ((above - below) / 2) * eps
    return gradient
