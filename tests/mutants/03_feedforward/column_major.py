"""MUTANT: flatten reads the images column by column.

expect: column by column
"""


def flatten(images):
    return images.reshape(images.shape[0], -1, order="F")
