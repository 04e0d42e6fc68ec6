"""MUTANT: the stable sigmoid picks its two forms the wrong way round in np.where.

expect: or in np.where, if you pick between two forms
"""

import numpy as np


def sigmoid(z):
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, e / (1 + e), 1 / (1 + e))
