"""Independent implementation of exercise 05 (written from the README and stub only).

``backprop`` always works on a batch (one example becomes a batch of one), takes σ'(z) as
a·(1 − a) from the stored activations instead of recomputing σ'(z), and forms the weight
gradients with einsum. ``numerical_gradient`` adds a one-hot perturbation to a float64 copy
instead of nudging an entry in place.
"""

import numpy as np
from neuron import layer_weighted_sums
from sigmoid import sigmoid


def backprop(weights, biases, x, y):
    x = np.asarray(x)
    y = np.asarray(y)
    single = x.ndim == 1
    if single:
        x = x[np.newaxis, :]
        y = y[np.newaxis, :]
    batch = x.shape[0]

    activations = [x]
    for w, b in zip(weights, biases, strict=True):
        activations.append(sigmoid(layer_weighted_sums(w, activations[-1], b)))

    grad_w = [None] * len(weights)
    grad_b = [None] * len(biases)
    out = activations[-1]
    delta = (out - y) * out * (1 - out)
    for layer in range(len(weights) - 1, -1, -1):
        grad_w[layer] = np.einsum("bo,bi->oi", delta, activations[layer]) / batch
        grad_b[layer] = np.einsum("bo->o", delta) / batch
        if layer > 0:
            a = activations[layer]
            delta = np.einsum("bo,oi->bi", delta, weights[layer]) * a * (1 - a)
    return grad_w, grad_b


def numerical_gradient(f, x, eps=1e-6):
    point = np.array(x, dtype=np.float64, copy=True)
    grad = np.empty(point.shape, dtype=np.float64)
    for index in np.ndindex(point.shape):
        step = np.zeros_like(point)
        step[index] = eps
        grad[index] = (float(f(point + step)) - float(f(point - step))) / (2 * eps)
    return grad
