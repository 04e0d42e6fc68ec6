"""MUTANT: train keeps the caller's lists and puts each step's new arrays into them.

expect: `weights[i] = ...` the caller's list
avoid: shuffles in place
"""


def train(weights, biases, images, labels, epochs, batch_size, learning_rate, rng):
    targets = one_hot(labels, weights[-1].shape[0])  # noqa: F821 (the solution's one_hot)
    for _ in range(epochs):
        order = rng.permutation(len(images))
        for start in range(0, len(images), batch_size):
            batch = order[start : start + batch_size]
            new_weights, new_biases = sgd_step(weights, biases, images[batch], targets[batch], learning_rate)  # noqa: F821
            weights[:], biases[:] = new_weights, new_biases
    return weights, biases
