"""MUTANT: predict takes the argmax over the batch.

expect: argmax over the batch

Read README.md in this folder first. Run the checks with:  pytest exercises/03_feedforward
"""

from itertools import pairwise

import numpy as np
from neuron import layer_weighted_sums
from sigmoid import sigmoid


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
    # BEGIN SOLUTION
    # NumPy stores an image row after row, so reshaping reads it in that order.
    return images.reshape(images.shape[0], -1)
    # END SOLUTION


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
    # BEGIN SOLUTION
    # pairwise([784, 16, 10]) gives (784, 16), (16, 10): one (n_in, n_out) pair per layer.
    pairs = list(pairwise(sizes))
    # Dividing N(0, 1) draws by sqrt(n_in) gives standard deviation 1/sqrt(n_in).
    weights = [rng.standard_normal((n_out, n_in)) / np.sqrt(n_in) for n_in, n_out in pairs]
    biases = [rng.standard_normal(n_out) for _, n_out in pairs]
    return weights, biases
    # END SOLUTION


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
    # BEGIN SOLUTION
    # Every layer, the last one included, is a weighted sum followed by the sigmoid.
    for w, b in zip(weights, biases):
        a = sigmoid(layer_weighted_sums(w, a, b))
    return a
    # END SOLUTION


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
    # BEGIN SOLUTION
    # argmax over the last axis: the output neurons of each example, never across the batch.
    digits = np.argmax(feedforward(weights, biases, x), axis=0)
    return int(digits) if digits.ndim == 0 else digits
    # END SOLUTION
