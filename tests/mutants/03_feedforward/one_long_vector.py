"""MUTANT: flatten makes one long vector of the whole batch.

expect: one long vector
"""


def flatten(images):
    return images.flatten()
