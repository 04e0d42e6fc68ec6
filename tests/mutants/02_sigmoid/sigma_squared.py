"""MUTANT: the derivative is σ(z)·(1 − σ(−z)), which is σ(z)².

expect: 1 − σ(−z) is σ(z) again
avoid: your result equals σ(z) itself
"""


def sigmoid_prime(z):
    # Where σ(z) is exactly 0 or 1 this equals σ(z) itself: that coincidence is not named.
    return sigmoid(z) * (1 - sigmoid(-z))  # noqa: F821 (the solution's sigmoid, defined before this file)
