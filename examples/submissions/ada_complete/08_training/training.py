"""Exercise 08: training.

Ada's hand-in.
"""

import numpy as np
from backprop import backprop
from feedforward import feedforward


def one_hot(labels, num_classes=10):
    result = np.zeros((len(labels), num_classes))
    result[np.arange(len(labels)), labels] = 1.0
    return result


def sgd_step(weights, biases, x, y, learning_rate):
    dw, db = backprop(weights, biases, x, y)
    new_w = []
    new_b = []
    for i in range(len(weights)):
        new_w.append(weights[i] - learning_rate * dw[i])
        new_b.append(biases[i] - learning_rate * db[i])
    return new_w, new_b


def train(weights, biases, images, labels, epochs, batch_size, learning_rate, rng):
    n = images.shape[0]
    y_all = one_hot(labels, num_classes=weights[-1].shape[0])
    for _ in range(epochs):
        perm = rng.permutation(n)  # a new order every epoch
        for k in range(0, n, batch_size):
            idx = perm[k : k + batch_size]  # the last batch may be smaller, that's fine
            weights, biases = sgd_step(weights, biases, images[idx], y_all[idx], learning_rate)
    return weights, biases


def accuracy(weights, biases, images, labels):
    guesses = feedforward(weights, biases, images).argmax(axis=1)
    correct = np.sum(guesses == labels)
    return float(correct) / len(labels)
