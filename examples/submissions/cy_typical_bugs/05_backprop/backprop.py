"""Exercise 05: backpropagation, the gradient of the cost for every weight and bias at once.

Read README.md in this folder first. Run the checks with:  pytest exercises/05_backprop
"""

import numpy as np
from sigmoid import sigmoid, sigmoid_prime


def backprop(weights, biases, x, y):
    if x.ndim == 1:
        x = x[None, :]
        y = y[None, :]
    # forward
    acts = [x]
    zs = []
    for i in range(len(weights)):
        z = np.dot(acts[-1], weights[i].T) + biases[i]
        zs.append(z)
        acts.append(sigmoid(z))
    # backward
    grad_w = [None] * len(weights)
    grad_b = [None] * len(biases)
    delta = (acts[-1] - y) * sigmoid_prime(zs[-1])
    for i in range(len(weights) - 1, -1, -1):
        grad_w[i] = np.dot(delta.T, acts[i])
        grad_b[i] = np.sum(delta, axis=0)
        if i > 0:
            delta = np.dot(delta, weights[i]) * sigmoid_prime(zs[i - 1])
    return grad_w, grad_b


def numerical_gradient(f, x, eps=1e-6):
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    while not it.finished:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        grad[i] = (up - down) / (2 * eps)
        it.iternext()
    return grad
