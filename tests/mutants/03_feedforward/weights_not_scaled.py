"""MUTANT: the weights are drawn from N(0, 1).

expect: divide them by sqrt(n_in)
"""

from itertools import pairwise


def init_network(sizes, rng):
    weights = [rng.standard_normal((n_out, n_in)) for n_in, n_out in pairwise(sizes)]
    return weights, [rng.standard_normal(n_out) for n_out in sizes[1:]]
