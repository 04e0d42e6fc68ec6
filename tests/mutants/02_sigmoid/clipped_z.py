"""MUTANT: z is clipped to [−30, 30] "for stability" (subtle: no known mistake names it).

expect: expected 0, got
"""

import numpy as np

solution_sigmoid = sigmoid  # noqa: F821 (the solution's, defined before this file)


def sigmoid(z):
    return solution_sigmoid(np.clip(np.asarray(z), -30, 30))
