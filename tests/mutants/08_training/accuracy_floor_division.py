"""MUTANT: the share computed with floor division, which is 0 unless every image is right.

expect: or an integer division
"""

import numpy as np
from feedforward import feedforward


def accuracy(weights, biases, images, labels):
    predictions = np.argmax(feedforward(weights, biases, images), axis=1)
    return float(np.sum(predictions == labels) // len(labels))
