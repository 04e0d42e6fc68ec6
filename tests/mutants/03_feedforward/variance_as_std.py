"""MUTANT: the weights are divided by n_in instead of sqrt(n_in).

expect: 1/n_in is the variance
"""

from itertools import pairwise


def init_network(sizes, rng):
    weights = [rng.standard_normal((n_out, n_in)) / n_in for n_in, n_out in pairwise(sizes)]
    return weights, [rng.standard_normal(n_out) for n_out in sizes[1:]]
