"""MUTANT: train shuffles the images but takes the labels in their original order.

expect: only the images were shuffled
"""


def train(weights, biases, images, labels, epochs, batch_size, learning_rate, rng):
    targets = one_hot(labels, weights[-1].shape[0])  # noqa: F821 (the solution's one_hot)
    for _ in range(epochs):
        order = rng.permutation(len(images))
        shuffled = images[order]
        for start in range(0, len(images), batch_size):
            x, y = shuffled[start : start + batch_size], targets[start : start + batch_size]
            weights, biases = sgd_step(weights, biases, x, y, learning_rate)  # noqa: F821
    return weights, biases
