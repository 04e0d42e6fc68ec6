"""MUTANT: non-overlapping windows cut with a reshape that mixes the axes up (no known mistake matches)."""

solution_max_pool2d = max_pool2d  # noqa: F821 (the solution's, defined before this file)


def max_pool2d(x, kernel_size=2, stride=None):
    if stride not in (None, kernel_size):
        return solution_max_pool2d(x, kernel_size, stride)
    n, c, h, w = x.shape
    rows, columns = h // kernel_size, w // kernel_size
    kept = x[:, :, : rows * kernel_size, : columns * kernel_size]
    # Wrong: the axes must be (rows, k, columns, k), then the max over axes 3 and 5.
    return kept.reshape(n, c, rows, columns, kernel_size, kernel_size).max(axis=(4, 5))
