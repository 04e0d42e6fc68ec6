"""MUTANT: non-overlapping windows by reshaping, whatever stride was given.

expect: as if `stride` had not been given
"""


def max_pool2d(x, kernel_size=2, stride=None):
    n, c, h, w = x.shape
    k = kernel_size
    tiles = x[:, :, : h // k * k, : w // k * k].reshape(n, c, h // k, k, w // k, k)
    return tiles.max(axis=(3, 5))
