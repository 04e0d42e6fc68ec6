"""MUTANT: train's mini-batches hold one example too few (no known mistake matches)."""


def train(weights, biases, images, labels, epochs, batch_size, learning_rate, rng):
    targets = one_hot(labels, weights[-1].shape[0])  # noqa: F821 (the solution's one_hot)
    for _ in range(epochs):
        order = rng.permutation(len(images))
        for start in range(0, len(images), batch_size):
            batch = order[start : start + batch_size - 1]
            weights, biases = sgd_step(weights, biases, images[batch], targets[batch], learning_rate)  # noqa: F821
    return weights, biases
