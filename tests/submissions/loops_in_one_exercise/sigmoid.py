"""Exercise 02 that never returns."""


def sigmoid(z):
    while True:
        pass


def sigmoid_prime(z):
    while True:
        pass
