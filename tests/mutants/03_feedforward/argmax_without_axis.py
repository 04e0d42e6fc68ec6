"""MUTANT: predict takes np.argmax without axis=, over the whole batch at once.

expect: np.argmax without axis=
"""

import numpy as np


def predict(weights, biases, x):
    return int(np.argmax(feedforward(weights, biases, x)))  # noqa: F821 (the solution's feedforward)
