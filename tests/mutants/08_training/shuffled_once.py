"""MUTANT: train shuffles once, before the first epoch.

expect: same order in every epoch
"""


def train(weights, biases, images, labels, epochs, batch_size, learning_rate, rng):
    targets = one_hot(labels, weights[-1].shape[0])  # noqa: F821 (the solution's one_hot)
    order = rng.permutation(len(images))
    for _ in range(epochs):
        for start in range(0, len(images), batch_size):
            batch = order[start : start + batch_size]
            weights, biases = sgd_step(weights, biases, images[batch], targets[batch], learning_rate)  # noqa: F821
    return weights, biases
