"""MUTANT: accuracy compares the largest output of each image, not its position, with the labels.

expect: np.max instead of np.argmax
"""

import numpy as np
from feedforward import feedforward


def accuracy(weights, biases, images, labels):
    predictions = np.max(feedforward(weights, biases, images), axis=1)
    return float(np.mean(predictions == labels))
