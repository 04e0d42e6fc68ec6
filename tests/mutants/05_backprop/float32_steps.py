"""MUTANT: numerical_gradient perturbs x in its own dtype.

expect: in float32
"""

import numpy as np


def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x)  # a copy, but in x's dtype: in float32, x ± 1e-6 keeps only about 7 digits
    steps = eps * np.eye(x.size, dtype=x.dtype).reshape(x.size, *x.shape)
    differences = np.array([f(x + step) - f(x - step) for step in steps])
    return (differences / (2 * eps)).reshape(x.shape).astype(x.dtype)
