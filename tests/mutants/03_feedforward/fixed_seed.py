"""MUTANT: init_network makes its own generator with a fixed seed.

expect: fixed seed
"""

import numpy as np

solution_init_network = init_network  # noqa: F821 (the solution's, defined before this file)


def init_network(sizes, rng):
    rng = np.random.default_rng(42)
    return solution_init_network(sizes, rng)
