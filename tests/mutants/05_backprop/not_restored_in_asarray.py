"""MUTANT: numerical_gradient steps np.asarray(x), the caller's own float64 x, and never puts entries back.

np.asarray(x, dtype=np.float64) copies a float32 x but not a float64 one, so the caller's x is
the one stepped, and each entry is left at x_i − eps.

expect: without putting each entry back, and on the caller's own x
avoid: does not give exactly the old value back
"""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    x = np.asarray(x, dtype=np.float64)  # the mistake: no copy of a float64 x
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        x[index] += eps
        above = f(x)
        x[index] -= 2 * eps  # and never moved back by + eps
        below = f(x)
        gradient[index] = (above - below) / (2 * eps)
    return gradient
