"""MUTANT: the input is converted to float64.

expect: expected dtype float32
"""

import numpy as np

solution_sigmoid = sigmoid  # noqa: F821 (the solution's, defined before this file)


def sigmoid(z):
    return solution_sigmoid(np.asarray(z, dtype=float))
