"""MUTANT: count_parameters gives each layer one bias per input instead of one per neuron.

expect: n_in biases, one per input
avoid: not n_out + n_in
"""

from itertools import pairwise


def count_parameters(sizes):
    # On [2, 3] this equals the sum n_out + n_in plus the biases: that coincidence is not named.
    return sum(n_out * n_in + n_in for n_in, n_out in pairwise(sizes))
