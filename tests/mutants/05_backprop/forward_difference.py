"""MUTANT: numerical_gradient uses the forward difference.

expect: forward difference
"""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=np.float64)
    steps = eps * np.eye(x.size).reshape(x.size, *x.shape)
    return np.array([(f(x + step) - f(x)) / eps for step in steps]).reshape(x.shape)
