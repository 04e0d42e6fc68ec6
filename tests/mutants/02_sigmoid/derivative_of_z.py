"""MUTANT: the derivative's formula is applied to z instead of σ(z).

expect: applies to σ(z), not to z
"""


def sigmoid_prime(z):
    return z * (1 - z)
