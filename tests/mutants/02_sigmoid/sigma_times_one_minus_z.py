"""MUTANT: the derivative's second factor is 1 − z instead of 1 − σ(z).

expect: the second factor is 1 − σ(z), not 1 − z
"""


def sigmoid_prime(z):
    return sigmoid(z) * (1 - z)  # noqa: F821 (the solution's sigmoid, defined before this file)
