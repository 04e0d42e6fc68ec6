"""MUTANT: count_parameters counts only the weights.

expect: you counted only the weights
"""

from itertools import pairwise


def count_parameters(sizes):
    return sum(n_out * n_in for n_in, n_out in pairwise(sizes))
