"""MUTANT: weighted_sum multiplies element by element and never sums.

expect: you return one value per input, not their sum
"""


def weighted_sum(weights, activations, bias):
    return weights * activations + bias
