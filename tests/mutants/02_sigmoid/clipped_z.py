"""MUTANT: z is clipped to [−30, 30] "for stability": σ(−1e4) is then σ(−30), near 0 but not 0.

expect: close to the limits but not on them, as when z is clipped
"""

import numpy as np

solution_sigmoid = sigmoid  # noqa: F821 (the solution's, defined before this file)


def sigmoid(z):
    return solution_sigmoid(np.clip(np.asarray(z), -30, 30))
