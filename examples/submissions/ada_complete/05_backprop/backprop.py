"""Exercise 05: backpropagation.

Ada's hand-in.
"""

import numpy as np
from neuron import layer_weighted_sums
from sigmoid import sigmoid, sigmoid_prime


def backprop(weights, biases, x, y):
    one_example = x.ndim == 1
    if one_example:
        x = x.reshape(1, -1)
        y = y.reshape(1, -1)
    m = len(x)

    # forward pass, remembering z and a of every layer
    a_list = [x]
    z_list = []
    for W, b in zip(weights, biases):
        z = layer_weighted_sums(W, a_list[-1], b)
        z_list.append(z)
        a_list.append(sigmoid(z))

    nabla_w = [np.zeros_like(W) for W in weights]
    nabla_b = [np.zeros_like(b) for b in biases]

    # output error, then backwards
    delta = (a_list[-1] - y) * sigmoid_prime(z_list[-1])
    L = len(weights)
    for l in range(L - 1, -1, -1):  # noqa: E741
        # average over the batch: divide by m exactly once
        nabla_w[l] = np.dot(delta.T, a_list[l]) / m
        nabla_b[l] = np.mean(delta, axis=0)
        if l > 0:
            delta = np.dot(delta, weights[l]) * sigmoid_prime(z_list[l - 1])
    return nabla_w, nabla_b


def numerical_gradient(f, x, eps=1e-6):
    x0 = np.array(x, dtype=np.float64)  # my own float64 copy
    grad = np.zeros(x0.shape)
    flat = x0.reshape(-1)  # a view of x0
    g = grad.reshape(-1)
    for i in range(flat.size):
        keep = flat[i]
        flat[i] = keep + eps
        f_plus = f(x0)
        flat[i] = keep - eps
        f_minus = f(x0)
        flat[i] = keep
        g[i] = (f_plus - f_minus) / (2 * eps)
    return grad
