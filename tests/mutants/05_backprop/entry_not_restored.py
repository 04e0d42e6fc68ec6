"""MUTANT: numerical_gradient leaves each entry at x_i − eps instead of putting it back.

expect: without putting each entry back
"""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    flat = x.reshape(-1)  # a view: moving an entry of flat moves x
    gradient = np.zeros(flat.size)
    for i in range(flat.size):
        flat[i] += eps
        above = f(x)
        flat[i] -= 2 * eps  # the mistake: never moved back by + eps
        gradient[i] = (above - f(x)) / (2 * eps)
    return gradient.reshape(x.shape)
