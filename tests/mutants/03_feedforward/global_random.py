"""MUTANT: the draws ignore rng and use NumPy's global generator.

expect: does not use the `rng` argument
"""

import numpy as np

solution_init_network = init_network  # noqa: F821 (the solution's, defined before this file)


def init_network(sizes, rng):
    # Every draw is np.random.standard_normal(...), the global generator's, instead of rng's.
    return solution_init_network(sizes, np.random)
