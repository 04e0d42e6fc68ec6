"""MUTANT: sigmoid_prime returns the sigmoid itself.

expect: your result equals σ(z) itself
"""


def sigmoid_prime(z):
    return sigmoid(z)  # noqa: F821 (the solution's, defined before this file)
