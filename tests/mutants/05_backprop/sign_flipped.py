"""MUTANT: the output error is y − a_L.

expect: the wrong sign
"""

solution_backprop = backprop  # noqa: F821 (the solution's, defined before this file)


def backprop(weights, biases, x, y):
    # δ_L = (y − a_L) ⊙ σ'(z_L) is −δ_L, and every gradient is linear in δ_L: all change sign.
    grad_weights, grad_biases = solution_backprop(weights, biases, x, y)
    return [-g for g in grad_weights], [-g for g in grad_biases]
