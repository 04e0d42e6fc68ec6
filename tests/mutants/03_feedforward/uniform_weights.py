"""MUTANT: weights uniform with the right standard deviation (subtle: mean and std are right).

expect: share of values within
"""

from itertools import pairwise

import numpy as np


def init_network(sizes, rng):
    weights = [rng.uniform(-1, 1, (n_out, n_in)) * np.sqrt(3 / n_in) for n_in, n_out in pairwise(sizes)]
    return weights, [rng.standard_normal(n_out) for n_out in sizes[1:]]
