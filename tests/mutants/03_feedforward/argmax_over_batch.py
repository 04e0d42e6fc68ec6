"""MUTANT: predict takes the argmax over the batch.

expect: argmax over the batch
"""

import numpy as np


def predict(weights, biases, x):
    digits = np.argmax(feedforward(weights, biases, x), axis=0)  # noqa: F821 (the solution's feedforward)
    return int(digits) if digits.ndim == 0 else digits
