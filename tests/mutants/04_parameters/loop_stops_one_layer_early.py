"""MUTANT: the loop over layers stops one layer early, leaving out the last layer.

expect: you count one layer too few: the last layer
"""


def count_parameters(sizes):
    total = 0
    for i in range(len(sizes) - 2):
        total += sizes[i + 1] * sizes[i] + sizes[i + 1]
    return total
