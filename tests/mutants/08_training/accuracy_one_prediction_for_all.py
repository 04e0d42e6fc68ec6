"""MUTANT: accuracy compares every label with the digit of the first image (the batch axis forgotten).

expect: your predictions are one number for the whole array
"""

import numpy as np
from feedforward import feedforward


def accuracy(weights, biases, images, labels):
    digit = np.argmax(feedforward(weights, biases, images)[0])
    return float(np.mean(digit == labels))
