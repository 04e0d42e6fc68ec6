"""Exercise 02: the sigmoid activation and its derivative, without overflow.

Read README.md in this folder first. Run the checks with:  pytest exercises/02_sigmoid
"""

import numpy as np


def sigmoid(z):
    """The sigmoid of every entry: σ(z) = 1 / (1 + e^(−z)), a smooth step from 0 to 1.

    Args:
        z: a number, or an array of any shape (e.g. (n,) for one layer, (batch, n) for a batch).

    Returns:
        σ(z) with the shape of z: a number for a number, an array for an array, with the dtype
        of z (float32 stays float32). Never warns: σ(−1e4) is exactly 0.0 and σ(1e4) exactly 1.0.

    Example:
        >>> sigmoid(np.array([-1000.0, 0.0, 1000.0]))
        array([0. , 0.5, 1. ])
    """
    # BEGIN SOLUTION
    z = np.asarray(z)
    # e^(−|z|) lies in (0, 1], so it never overflows (e^(−z) would for z = −1000). Both forms of
    # σ, 1 / (1 + e) for z ≥ 0 and e / (1 + e) for z < 0, share the bottom: picking the top
    # first costs one division instead of two, and training calls this on every layer.
    e = np.exp(-np.abs(z))
    result = np.where(z >= 0, 1, e) / (1 + e)
    # [()] turns a 0-d array (from a number) into a number and leaves other arrays as they are.
    return result[()]
    # END SOLUTION


def sigmoid_prime(z):
    """The derivative of the sigmoid at every entry: σ'(z) = σ(z)·(1 − σ(z)).

    Args:
        z: a number, or an array of any shape.

    Returns:
        σ'(z) with the shape and dtype of z, between 0 and 0.25 (its value at z = 0).
        Never warns: σ'(±1e4) is exactly 0.0.

    Example:
        >>> sigmoid_prime(np.array([-1000.0, 0.0, 1000.0]))
        array([0.  , 0.25, 0.  ])
    """
    # BEGIN SOLUTION
    # The derivative is written with σ(z) itself, so the stable sigmoid makes it stable too.
    s = sigmoid(z)
    return s * (1 - s)
    # END SOLUTION
