"""Exercise 08: training, gradient descent on mini-batches until the network reads digits.

Read README.md in this folder first. Run the checks with:  pytest exercises/08_training
"""

import numpy as np
from backprop import backprop
from feedforward import feedforward


def one_hot(labels, num_classes=10):
    """The wanted output of the network for each label: 1 for its digit, 0 elsewhere.

    Args:
        labels: int array of shape (N,), each in 0 .. num_classes − 1.
        num_classes: the number of classes, 10 for digits.

    Returns:
        float64 array of shape (N, num_classes): row n is 1.0 at column labels[n], 0.0 elsewhere.

    Example:
        >>> one_hot(np.array([2, 0]), num_classes=4)
        array([[0., 0., 1., 0.],
               [1., 0., 0., 0.]])
    """
    # Row k of the identity matrix is the one-hot vector of k; indexing picks one row per label.
    return np.eye(num_classes)[labels]


def sgd_step(weights, biases, x, y, learning_rate):
    """One step of gradient descent on one mini-batch: every parameter moves against its gradient.

        W ← W − η·∂C/∂W        b ← b − η·∂C/∂b

    where η is the learning rate and C = ½‖a_L − y‖² averaged over the mini-batch, whose
    gradients backprop (exercise 05) computes. This is one step of torch.optim.SGD.

    Args:
        weights: list of L arrays, weights[i] of shape (n_(i+1), n_i).
        biases: list of L arrays, biases[i] of shape (n_(i+1),).
        x: the mini-batch, shape (batch, n_0).
        y: the wanted outputs (one-hot), shape (batch, n_L).
        learning_rate: η, a positive number.

    Returns:
        (weights, biases): two new lists of new arrays; the arrays given are left unchanged.

    Example:
        >>> w, b = sgd_step([np.zeros((1, 1))], [np.zeros(1)], np.array([[2.0]]), np.array([[1.0]]), 2.0)
        >>> w, b     # the gradients are −0.25 and −0.125 (see backprop's example), times −2
        ([array([[0.5]])], [array([0.25])])
    """
    grad_weights, grad_biases = backprop(weights, biases, x, y)
    # `w - ...` makes a new array; `w -= ...` would change the caller's array.
    new_weights = [w - learning_rate * g for w, g in zip(weights, grad_weights)]
    new_biases = [b - learning_rate * g for b, g in zip(biases, grad_biases)]
    return new_weights, new_biases


def train(weights, biases, images, labels, epochs, batch_size, learning_rate, rng):
    """Stochastic gradient descent: several epochs of one sgd_step per mini-batch.

    Each epoch visits every example once, in a new random order: the order is
    rng.permutation(N), drawn at the start of the epoch, and the mini-batches are its
    consecutive slices of batch_size examples (the last one is smaller when batch_size does
    not divide N).

    Args:
        weights, biases: the starting network, as for feedforward (left unchanged).
        images: float array of shape (N, n_0), e.g. (60000, 784) with pixels in [0, 1].
        labels: int array of shape (N,), the digit of each image.
        epochs: how many times to go through the whole data.
        batch_size: examples per mini-batch.
        learning_rate: η for every step.
        rng: a numpy.random.Generator, the only source of the shuffling.

    Returns:
        (weights, biases) of the trained network: new lists of new arrays.

    Example:
        >>> rng = np.random.default_rng(0)
        >>> w, b = train([np.zeros((2, 1))], [np.zeros(2)], np.array([[1.0], [0.0]]), np.array([0, 1]),
        ...              epochs=50, batch_size=1, learning_rate=5.0, rng=rng)
        >>> np.argmax(feedforward(w, b, np.array([[1.0], [0.0]])), axis=1)
        array([0, 1])
    """
    # The wanted outputs, once: as many classes as the network has output neurons.
    targets = one_hot(labels, weights[-1].shape[0])
    epoch = 0
    while epoch < epochs:  # the bug: epoch is never increased
        order = rng.permutation(len(images))
        for start in range(0, len(images), batch_size):
            batch = order[start : start + batch_size]
            # Indexing with the same indices keeps each image with its label.
            weights, biases = sgd_step(weights, biases, images[batch], targets[batch], learning_rate)
    return weights, biases


def accuracy(weights, biases, images, labels):
    """The fraction of images whose digit the network gets right.

    Args:
        weights, biases: the network, as for feedforward.
        images: float array of shape (N, n_0).
        labels: int array of shape (N,).

    Returns:
        a Python float in [0, 1]: the number of n with argmax(output[n]) == labels[n], divided by N.

    Example:
        >>> accuracy([np.eye(2)], [np.zeros(2)], np.array([[0.9, 0.1], [0.2, 0.3], [1.0, 0.0]]), np.array([0, 0, 0]))
        0.6666666666666666
    """
    predictions = np.argmax(feedforward(weights, biases, images), axis=1)
    return float(np.mean(predictions == labels))
