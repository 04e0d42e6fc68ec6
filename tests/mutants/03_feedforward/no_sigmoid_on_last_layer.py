"""MUTANT: the output layer skips the sigmoid.

expect: before the sigmoid
"""

from neuron import layer_weighted_sums
from sigmoid import sigmoid


def feedforward(weights, biases, a):
    for w, b in zip(weights[:-1], biases[:-1]):
        a = sigmoid(layer_weighted_sums(w, a, b))
    return layer_weighted_sums(weights[-1], a, biases[-1])
