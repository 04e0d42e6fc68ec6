"""MUTANT: conv2d loops over the input channels but assigns instead of accumulating.

expect: only the last input channel
"""

solution_conv2d = conv2d  # noqa: F821 (the solution's, defined before this file)


def conv2d(x, weight, bias=None, stride=1, padding=0):
    for c in range(x.shape[1]):
        out = solution_conv2d(x[:, c : c + 1], weight[:, c : c + 1], bias, stride, padding)  # = where += belongs
    return out
