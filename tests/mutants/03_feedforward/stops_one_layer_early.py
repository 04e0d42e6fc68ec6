"""MUTANT: the loop over the layers stops one layer early.

expect: activations of the last hidden layer
"""

from neuron import layer_weighted_sums
from sigmoid import sigmoid


def feedforward(weights, biases, a):
    for i in range(len(weights) - 1):
        a = sigmoid(layer_weighted_sums(weights[i], a, biases[i]))
    return a
