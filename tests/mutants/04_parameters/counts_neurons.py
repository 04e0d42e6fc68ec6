"""MUTANT: count_parameters counts neurons instead of weights.

expect: that is the number of neurons
"""


def count_parameters(sizes):
    return sum(sizes)
