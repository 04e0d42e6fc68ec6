"""Independent implementation of exercise 02 (written from the README and stub only).

Instead of the two-branch formula, σ(z) = exp(−softplus(−z)) with softplus(x) = log(1 + e^x)
computed by np.logaddexp(0, x), which never overflows. σ'(z) = σ(z)·σ(−z), which equals
σ(z)·(1 − σ(z)) without the cancellation in 1 − σ(z).
"""

import numpy as np


def sigmoid(z):
    return np.exp(-np.logaddexp(0, np.negative(z)))


def sigmoid_prime(z):
    return sigmoid(z) * sigmoid(np.negative(z))
