"""Exercise 05: backpropagation, the gradient of the cost for every weight and bias at once.

Read README.md in this folder first. Run the checks with:  pytest exercises/05_backprop
"""

import numpy as np  # noqa: F401 (you will need it)
from neuron import layer_weighted_sums  # noqa: F401 (you will need it)
from sigmoid import sigmoid  # noqa: F401 (you will need it)


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
    raise NotImplementedError("backprop is yours to write: see exercises/05_backprop/README.md")


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
    raise NotImplementedError("numerical_gradient is yours to write: see exercises/05_backprop/README.md")
