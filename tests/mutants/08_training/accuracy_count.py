"""MUTANT: accuracy returns the number of correct answers.

expect: number of correct answers
avoid: drop the fraction
"""

import numpy as np
from feedforward import feedforward


def accuracy(weights, biases, images, labels):
    predictions = np.argmax(feedforward(weights, biases, images), axis=1)
    return int(np.sum(predictions == labels))
