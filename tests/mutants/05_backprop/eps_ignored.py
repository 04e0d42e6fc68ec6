"""MUTANT: numerical_gradient steps by an eps of its own, whatever eps it is given.

expect: the eps argument was not used
"""

solution_numerical_gradient = numerical_gradient  # noqa: F821 (the solution's, defined before this file)


def numerical_gradient(f, x, eps=1e-6):
    eps = 1e-5  # the mistake: the caller's eps is thrown away
    return solution_numerical_gradient(f, x, eps)
