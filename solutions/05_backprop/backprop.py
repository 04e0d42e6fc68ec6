"""Exercise 05: backpropagation, the gradient of the cost for every weight and bias at once.

Read README.md in this folder first. Run the checks with:  pytest exercises/05_backprop
"""

import numpy as np
from neuron import layer_weighted_sums
from sigmoid import sigmoid


def backprop(weights, biases, x, y):
    """The gradients of the quadratic cost C = ½‖a_L − y‖², averaged over the mini-batch.

    The network is exercise 03's: a_0 = x, then z_l = W_l·a_(l-1) + b_l and a_l = σ(z_l) for
    every layer. Going backwards from the output, with ⊙ the entrywise product:

        δ_L = (a_L − y) ⊙ σ'(z_L)                   error of the output layer
        δ_l = (W_(l+1)ᵀ·δ_(l+1)) ⊙ σ'(z_l)          error of each earlier layer
        ∂C/∂b_l = δ_l        ∂C/∂W_l = δ_l·a_(l-1)ᵀ

    For a mini-batch, each gradient is the mean of the examples' gradients.

    Args:
        weights: list of L arrays, weights[i] of shape (n_(i+1), n_i).
        biases: list of L arrays, biases[i] of shape (n_(i+1),).
        x: the input, shape (n_0,) for one example or (batch, n_0) for a mini-batch.
        y: the wanted output (one-hot), shape (n_L,) or (batch, n_L), like x.

    Returns:
        (grad_weights, grad_biases): two lists of L arrays with the shapes of weights and biases,
        with the dtype of the inputs (float32 stays float32).

    Example:
        >>> grad_w, grad_b = backprop([np.zeros((1, 1))], [np.zeros(1)], np.array([2.0]), np.array([1.0]))
        >>> grad_w, grad_b     # a = σ(0) = 0.5, δ = (0.5 − 1)·0.25 = −0.125, ∂C/∂W = δ·x
        ([array([[-0.25]])], [array([-0.125])])
    """
    # BEGIN SOLUTION
    # One example is a batch of one: rows are examples from here on.
    if x.ndim == 1:
        x, y = x[np.newaxis, :], y[np.newaxis, :]
    batch = x.shape[0]

    # Forward, keeping every activation: the backward pass needs them all.
    activations = [x]
    for w, b in zip(weights, biases):
        activations.append(sigmoid(layer_weighted_sums(w, activations[-1], b)))

    # σ'(z_l) = σ(z_l)·(1 − σ(z_l)) = a_l·(1 − a_l) (exercise 02): reusing the activations spares
    # computing every sigmoid twice, a tenth of the training time. Dividing the output error by
    # the batch size makes every gradient below the mean over the batch instead of the sum.
    output = activations[-1]
    delta = (output - y) * (output * (1 - output)) / batch
    grad_weights, grad_biases = [None] * len(weights), [None] * len(biases)
    for layer in reversed(range(len(weights))):
        # Summing over the rows adds up the examples' contributions: (n_out, batch) @ (batch, n_in).
        grad_weights[layer] = delta.T @ activations[layer]
        grad_biases[layer] = delta.sum(axis=0)
        if layer > 0:
            # Send the error back through W (δ·W is Wᵀ·δ for rows), then through the sigmoid.
            a = activations[layer]
            delta = (delta @ weights[layer]) * (a * (1 - a))
    return grad_weights, grad_biases
    # END SOLUTION


def numerical_gradient(f, x, eps=1e-6):
    """The gradient of a scalar function f at x, by central differences.

    For each entry x_i, with every other entry held fixed:

        ∂f/∂x_i ≈ (f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps)

    whose error shrinks like eps² (a forward difference, (f(x + eps·e_i) − f(x)) / eps, only
    like eps). It is slow (two calls of f per entry) but simple, which makes it the classic way
    to check a backprop written by hand.

    Args:
        f: a function of one array (of the shape of x) returning a number.
        x: an array of any shape (float32 is computed in float64); it is left unchanged.
        eps: the step.

    Returns:
        the gradient, float64, with the shape of x.

    Example:
        >>> numerical_gradient(lambda v: float(np.sum(v**2)), np.array([1.0, -2.0])).round(6)
        array([ 2., -4.])
    """
    # BEGIN SOLUTION
    # A float64 copy: steps of 1e-6 would be lost in float32, and the caller's x stays untouched.
    x = np.array(x, dtype=np.float64)
    gradient = np.zeros_like(x)
    for index in np.ndindex(x.shape):
        original = x[index]
        x[index] = original + eps
        above = f(x)
        x[index] = original - eps
        below = f(x)
        x[index] = original  # restore it, so that the next difference moves one entry only
        gradient[index] = (above - below) / (2 * eps)
    return gradient
    # END SOLUTION
