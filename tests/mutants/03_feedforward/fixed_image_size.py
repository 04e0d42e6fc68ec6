"""MUTANT: flatten hard-codes 784 pixels, which fails on images of another size.

expect: keep the first axis, images.reshape(len(images), -1)
"""


def flatten(images):
    return images.reshape(-1, 784)
