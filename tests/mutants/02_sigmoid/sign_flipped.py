"""MUTANT: the sigmoid is computed at −z.

expect: your result equals σ(−z)
"""

import numpy as np

solution_sigmoid = sigmoid  # noqa: F821 (the solution's, defined before this file)


def sigmoid(z):
    return solution_sigmoid(-np.asarray(z))
