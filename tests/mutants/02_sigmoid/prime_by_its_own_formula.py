"""MUTANT: σ'(z) = e^(−z) / (1 + e^(−z))², right on paper, but inf / inf = nan for large negative z.

expect: s = sigmoid(z), then return s * (1 - s)
"""

import numpy as np


def sigmoid_prime(z):
    e = np.exp(-z)
    return e / (1 + e) ** 2
