"""MUTANT: numerical_gradient loops `for i in range(len(x))`, which moves a whole row of a 2-D x.

expect: moves the whole row x[i] at once
"""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    gradient = np.zeros_like(x)
    for i in range(len(x)):
        original = x[i].copy()
        x[i] = original + eps
        above = f(x)
        x[i] = original - eps
        below = f(x)
        x[i] = original
        gradient[i] = (above - below) / (2 * eps)
    return gradient
