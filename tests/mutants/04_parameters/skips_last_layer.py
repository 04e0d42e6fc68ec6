"""MUTANT: the output layer is left out (subtle: no known mistake names it).

expect: expected 13002
"""

from itertools import pairwise


def count_parameters(sizes):
    return sum(n_out * n_in + n_out for n_in, n_out in pairwise(sizes[:-1]))
