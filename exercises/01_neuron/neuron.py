"""Exercise 01: the weighted sum of one neuron, then of a whole layer.

Read README.md in this folder first. Run the checks with:  pytest exercises/01_neuron
"""

import numpy as np  # noqa: F401 (you will need it)


def weighted_sum(weights, activations, bias):
    """The input of one neuron: z = w1·a1 + w2·a2 + ... + wn·an + b.

    Args:
        weights: shape (n,), one weight per incoming activation.
        activations: shape (n,), the activations of the previous layer.
        bias: a number.

    Returns:
        z as a Python float.

    Example:
        >>> weighted_sum(np.array([0.5, -1.0]), np.array([2.0, 1.0]), 0.25)
        0.25
    """
    raise NotImplementedError("weighted_sum is yours to write: see exercises/01_neuron/README.md")


def layer_weighted_sums(weights, activations, biases):
    """The inputs of every neuron of a layer at once: z = W·a + b.

    Row j of W holds the weights into neuron j, as in torch.nn.Linear.weight.

    Args:
        weights: W, shape (n_out, n_in).
        activations: a, shape (n_in,) for one example or (batch, n_in) for a mini-batch.
        biases: b, shape (n_out,).

    Returns:
        z, shape (n_out,) for one example or (batch, n_out) for a mini-batch,
        with the dtype of the inputs (float32 stays float32).

    Example:
        >>> W = np.array([[1.0, 2.0], [0.0, -1.0], [3.0, 1.0]])
        >>> layer_weighted_sums(W, np.array([1.0, 1.0]), np.array([0.0, 0.5, -4.0]))
        array([ 3. , -0.5,  0. ])
    """
    raise NotImplementedError("layer_weighted_sums is yours to write: see exercises/01_neuron/README.md")
