"""MUTANT: conv2d averages over the input channels instead of summing.

expect: averages over the input channels
"""

solution_conv2d = conv2d  # noqa: F821 (the solution's, defined before this file)


def conv2d(x, weight, bias=None, stride=1, padding=0):
    # Each channel's share divided by C_in: the mean over the input channels, not their sum.
    return solution_conv2d(x, weight / x.shape[1], bias, stride, padding)
