"""MUTANT: accuracy takes np.argmax without axis: one index for the whole array of outputs.

expect: np.argmax without axis=
"""

import numpy as np
from feedforward import feedforward


def accuracy(weights, biases, images, labels):
    predictions = np.argmax(feedforward(weights, biases, images))
    return float(np.mean(predictions == labels))
