"""MUTANT: train calls sgd_step but never keeps its result, so it returns the network it was given.

expect: your train returned the network it was given, unchanged
avoid: not shuffled, or not with the
"""


def train(weights, biases, images, labels, epochs, batch_size, learning_rate, rng):
    targets = one_hot(labels, weights[-1].shape[0])  # noqa: F821 (the solution's one_hot)
    for _ in range(epochs):
        order = rng.permutation(len(images))
        for start in range(0, len(images), batch_size):
            batch = order[start : start + batch_size]
            sgd_step(weights, biases, images[batch], targets[batch], learning_rate)  # noqa: F821
    return weights, biases
