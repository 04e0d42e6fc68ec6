"""Exercise 03: a whole network, from pixels to a digit.

Read README.md in this folder first. Run the checks with:  pytest exercises/03_feedforward
"""

from itertools import pairwise  # noqa: F401 (you will need it)

import numpy as np  # noqa: F401 (you will need it)
from neuron import layer_weighted_sums  # noqa: F401 (you will need it)
from sigmoid import sigmoid  # noqa: F401 (you will need it)


def flatten(images):
    """Each image as one row of pixels, the input layer of the network.

    Args:
        images: shape (N, H, W), e.g. (N, 28, 28) for MNIST.

    Returns:
        shape (N, H·W), e.g. (N, 784): row n holds image n read row by row (row 0 of the image,
        then row 1, ...), with the dtype of images.

    Example:
        >>> flatten(np.array([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]))
        array([[1, 2, 3, 4],
               [5, 6, 7, 8]])
    """
    raise NotImplementedError("flatten is yours to write: see exercises/03_feedforward/README.md")


def init_network(sizes, rng):
    """Random starting parameters for a network with layer sizes [n_0, n_1, ..., n_L].

    Layer i (from 1 to L) has weights W_i of shape (n_i, n_(i-1)), as torch.nn.Linear.weight,
    drawn from the normal distribution N(0, 1/n_(i-1)) (standard deviation 1/sqrt(n_(i-1)), so
    that the weighted sum of n_(i-1) inputs stays of order 1), and biases b_i of shape (n_i,)
    drawn from N(0, 1). The input layer has no parameters.

    Args:
        sizes: list of layer sizes, input layer first, e.g. [784, 16, 16, 10].
        rng: a numpy.random.Generator; every random number is drawn from it, so the same seed
            gives the same network.

    Returns:
        (weights, biases): two lists of L float64 arrays, weights[i] of shape
        (sizes[i + 1], sizes[i]) and biases[i] of shape (sizes[i + 1],).

    Example:
        >>> weights, biases = init_network([784, 16, 10], np.random.default_rng(0))
        >>> [w.shape for w in weights], [b.shape for b in biases]
        ([(16, 784), (10, 16)], [(16,), (10,)])
    """
    raise NotImplementedError("init_network is yours to write: see exercises/03_feedforward/README.md")


def feedforward(weights, biases, a):
    """The output of the network: a ← σ(W·a + b), layer after layer.

    Args:
        weights: list of L arrays, weights[i] of shape (n_(i+1), n_i).
        biases: list of L arrays, biases[i] of shape (n_(i+1),).
        a: the input, shape (n_0,) for one example or (batch, n_0) for a mini-batch.

    Returns:
        the output layer's activations, shape (n_L,) for one example or (batch, n_L) for a
        mini-batch, with the dtype of the inputs (float32 stays float32).

    Example:
        >>> weights = [np.array([[1.0, -1.0]]), np.array([[2.0], [0.0]])]
        >>> biases = [np.array([0.0]), np.array([-1.0, 0.0])]
        >>> feedforward(weights, biases, np.array([3.0, 3.0]))   # hidden σ(0) = 0.5
        array([0.5, 0.5])
    """
    raise NotImplementedError("feedforward is yours to write: see exercises/03_feedforward/README.md")


def predict(weights, biases, x):
    """The digit the network picks: the index of the most activated output neuron.

    Args:
        weights, biases: the network, as for feedforward.
        x: shape (n_0,) for one example or (batch, n_0) for a mini-batch.

    Returns:
        a Python int for one example; an int array of shape (batch,) for a mini-batch.

    Example:
        >>> predict([np.eye(3)], [np.zeros(3)], np.array([0.1, 0.9, 0.3]))
        1
    """
    raise NotImplementedError("predict is yours to write: see exercises/03_feedforward/README.md")
