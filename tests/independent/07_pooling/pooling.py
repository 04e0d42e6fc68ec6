"""Independent implementation of exercise 07 (written from the README and stub only).

Instead of one strided view of all windows, the running maximum over the k² offsets of the
window: each offset contributes one strided slice of x, compared entrywise with the best so far.
"""

import numpy as np


def max_pool2d(x, kernel_size=2, stride=None):
    x = np.asarray(x)
    k = int(kernel_size)
    s = k if stride is None else int(stride)
    height, width = x.shape[-2:]
    out_h = (height - k) // s + 1
    out_w = (width - k) // s + 1
    best = None
    for u in range(k):
        for v in range(k):
            window = x[..., u : u + s * (out_h - 1) + 1 : s, v : v + s * (out_w - 1) + 1 : s]
            best = window.copy() if best is None else np.maximum(best, window)
    return best
