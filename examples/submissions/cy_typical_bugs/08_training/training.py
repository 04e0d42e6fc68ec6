"""Exercise 08: training, gradient descent on mini-batches until the network reads digits.

Read README.md in this folder first. Run the checks with:  pytest exercises/08_training
"""

import numpy as np
from backprop import backprop
from feedforward import feedforward


def one_hot(labels, num_classes=10):
    return np.eye(num_classes)[labels]


def sgd_step(weights, biases, x, y, learning_rate):
    gw, gb = backprop(weights, biases, x, y)
    weights = [w - learning_rate * g for w, g in zip(weights, gw)]
    biases = [b - learning_rate * g for b, g in zip(biases, gb)]
    return weights, biases


def train(weights, biases, images, labels, epochs, batch_size, learning_rate, rng):
    targets = one_hot(labels, len(biases[-1]))
    for _ in range(epochs):
        order = rng.permutation(len(images))
        for start in range(0, len(images), batch_size):
            batch = order[start : start + batch_size]
            weights, biases = sgd_step(weights, biases, images[batch], targets[batch], learning_rate)
    return weights, biases


def accuracy(weights, biases, images, labels):
    predictions = np.argmax(feedforward(weights, biases, images), axis=1)
    return float(np.mean(predictions == labels))
