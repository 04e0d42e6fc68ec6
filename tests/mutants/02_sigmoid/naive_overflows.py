"""MUTANT: the textbook formula, which overflows for large negative z.

expect: np.exp(-z) overflows
"""

import numpy as np


def sigmoid(z):
    z = np.asarray(z)
    return (1 / (1 + np.exp(-z)))[()]
