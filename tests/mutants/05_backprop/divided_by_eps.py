"""MUTANT: numerical_gradient divides by eps instead of 2·eps.

expect: divide by 2·eps
"""

solution_numerical_gradient = numerical_gradient  # noqa: F821 (the solution's, defined before this file)


def numerical_gradient(f, x, eps=1e-6):
    # (f(x + eps·e_i) − f(x − eps·e_i)) / eps: twice the central difference.
    return 2 * solution_numerical_gradient(f, x, eps)
