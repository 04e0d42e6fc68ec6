"""MUTANT: train shuffles the caller's images and labels in place (in the same order).

expect: shuffles in place
"""


def train(weights, biases, images, labels, epochs, batch_size, learning_rate, rng):
    for _ in range(epochs):
        state = rng.bit_generator.state
        rng.shuffle(images)
        rng.bit_generator.state = state  # the same order again, so each label stays with its image
        rng.shuffle(labels)
        targets = one_hot(labels, weights[-1].shape[0])  # noqa: F821 (the solution's one_hot)
        for start in range(0, len(images), batch_size):
            x, y = images[start : start + batch_size], targets[start : start + batch_size]
            weights, biases = sgd_step(weights, biases, x, y, learning_rate)  # noqa: F821
    return weights, biases
