"""MUTANT: numerical_gradient steps two working copies of x, one up and one down, and never puts entries back.

expect: working copies that keep every step
"""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    above, below = np.array(x, dtype=np.float64), np.array(x, dtype=np.float64)
    gradient = np.zeros_like(above)
    for index in np.ndindex(above.shape):
        above[index] += eps  # the mistake: the entries moved before stay moved
        below[index] -= eps
        gradient[index] = (f(above) - f(below)) / (2 * eps)
    return gradient
