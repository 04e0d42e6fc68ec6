"""MUTANT: train shuffles the images and the labels separately.

expect: shuffled separately
"""


def train(weights, biases, images, labels, epochs, batch_size, learning_rate, rng):
    targets = one_hot(labels, weights[-1].shape[0])  # noqa: F821 (the solution's one_hot)
    for _ in range(epochs):
        shuffled_images, shuffled_targets = rng.permutation(images), rng.permutation(targets)
        for start in range(0, len(images), batch_size):
            x, y = shuffled_images[start : start + batch_size], shuffled_targets[start : start + batch_size]
            weights, biases = sgd_step(weights, biases, x, y, learning_rate)  # noqa: F821
    return weights, biases
