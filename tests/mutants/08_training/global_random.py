"""MUTANT: train shuffles with NumPy's global generator instead of rng.

expect: does not use the `rng` argument
"""

import numpy as np

solution_train = train  # noqa: F821 (the solution's, defined before this file)


def train(weights, biases, images, labels, epochs, batch_size, learning_rate, rng):
    # Every order is np.random.permutation(N), the global generator's, instead of rng's.
    return solution_train(weights, biases, images, labels, epochs, batch_size, learning_rate, np.random)
