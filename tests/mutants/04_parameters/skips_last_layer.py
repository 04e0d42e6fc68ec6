"""MUTANT: the output layer is left out.

expect: you count one layer too few: the last layer
"""

from itertools import pairwise


def count_parameters(sizes):
    return sum(n_out * n_in + n_out for n_in, n_out in pairwise(sizes[:-1]))
