"""MUTANT: count_parameters gives the input layer biases too.

expect: biases for the input layer
"""

from itertools import pairwise


def count_parameters(sizes):
    return sum(n_out * n_in for n_in, n_out in pairwise(sizes)) + sum(sizes)
