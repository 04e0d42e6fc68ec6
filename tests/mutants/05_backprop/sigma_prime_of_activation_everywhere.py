"""MUTANT: every layer's error, the output layer's too, uses σ'(a) instead of σ'(z).

`from sigmoid import sigmoid_prime` invites sigmoid_prime(a) where the activations are at hand, but
sigmoid_prime takes z: sigmoid_prime(a) is σ'(σ(z)).

expect: in every layer (the output layer's too)
avoid: your output error uses σ'(a_L)
"""

import numpy as np
from neuron import layer_weighted_sums
from sigmoid import sigmoid, sigmoid_prime


def backprop(weights, biases, x, y):
    activations = [np.atleast_2d(x)]
    for w, b in zip(weights, biases):
        activations.append(sigmoid(layer_weighted_sums(w, activations[-1], b)))
    output = activations[-1]
    delta = (output - y) * sigmoid_prime(output) / len(activations[0])  # the mistake: σ'(a_L)
    grad_weights, grad_biases = [], []
    for w, a in zip(weights[::-1], activations[-2::-1]):
        grad_weights.insert(0, delta.T @ a)
        grad_biases.insert(0, delta.sum(axis=0))
        delta = (delta @ w) * sigmoid_prime(a)  # and σ'(a_l)
    return grad_weights, grad_biases
