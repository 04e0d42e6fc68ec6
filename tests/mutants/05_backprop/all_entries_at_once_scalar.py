"""MUTANT: numerical_gradient moves every entry of x at once, and returns that one number.

expect: you moved all of x at once
"""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    return (f(x + eps) - f(x - eps)) / (2 * eps)
