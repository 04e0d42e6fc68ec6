"""MUTANT: one_hot writes `out[:, labels] = 1`, which sets every label's column in every row.

expect: out[np.arange(len(labels)), labels] = 1
"""

import numpy as np


def one_hot(labels, num_classes=10):
    out = np.zeros((len(labels), num_classes))
    out[:, labels] = 1
    return out
