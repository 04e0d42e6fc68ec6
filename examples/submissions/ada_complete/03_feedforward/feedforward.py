"""Exercise 03: a whole network, from pixels to a digit.

Ada's hand-in.
"""

import numpy as np
from neuron import layer_weighted_sums
from sigmoid import sigmoid


def flatten(images):
    n = images.shape[0]
    pixels = int(np.prod(images.shape[1:]))
    return images.reshape((n, pixels))


def init_network(sizes, rng):
    weights = []
    biases = []
    for i in range(1, len(sizes)):
        n_in, n_out = sizes[i - 1], sizes[i]
        # N(0, 1/n_in): the *variance* is 1/n_in, so the standard deviation is 1/sqrt(n_in)
        weights.append(rng.normal(0.0, 1.0 / np.sqrt(n_in), size=(n_out, n_in)))
        biases.append(rng.normal(0.0, 1.0, size=n_out))
    return weights, biases


def feedforward(weights, biases, a):
    activation = a
    for layer in range(len(weights)):
        z = layer_weighted_sums(weights[layer], activation, biases[layer])
        activation = sigmoid(z)
    return activation


def predict(weights, biases, x):
    output = feedforward(weights, biases, x)
    if output.ndim == 1:
        return int(np.argmax(output))
    return np.argmax(output, axis=1)
