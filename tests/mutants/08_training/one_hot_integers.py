"""MUTANT: one_hot returns integers.

expect: your rows are integers
"""

import numpy as np


def one_hot(labels, num_classes=10):
    return np.eye(num_classes, dtype=int)[labels]
