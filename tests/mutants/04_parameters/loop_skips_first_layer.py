"""MUTANT: the loop over layers starts one layer late, leaving out the first layer.

expect: you count one layer too few: the first layer
"""


def count_parameters(sizes):
    total = 0
    for i in range(1, len(sizes) - 1):  # "the input layer has no parameters", but its outgoing layer does
        total += sizes[i + 1] * sizes[i] + sizes[i + 1]
    return total
