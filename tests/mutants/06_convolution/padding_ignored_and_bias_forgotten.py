"""MUTANT: conv2d never pads and forgets the bias: two mistakes, the shape still names the first.

expect: your result has the shape of the convolution without padding
"""

solution_conv2d = conv2d  # noqa: F821 (the solution's, defined before this file)


def conv2d(x, weight, bias=None, stride=1, padding=0):
    return solution_conv2d(x, weight, None, stride)
