"""Checks of exercise 08: one_hot, sgd_step, train and accuracy, against PyTorch.

``sgd_step`` and ``train`` are compared with ``torch.optim.SGD`` stepping a
``torch.nn.Sequential`` of ``Linear`` + ``Sigmoid`` layers on the quadratic cost, mini-batch by
mini-batch in the order ``rng.permutation`` gives; the known mistakes are the same training with
one thing done wrong (no shuffling, images and labels shuffled apart, the last batch dropped,
...). The last check trains 784-16-16-10 on MNIST and measures its test accuracy with PyTorch.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import numpy as np
import torch

from grader.calling import Call, MnistData, Outcome, SeededGenerator
from grader.checks import Case, check
from grader.checks.reference import (
    Network,
    array,
    evaluate_network,
    forward,
    network_gradients,
    network_parameters,
    network_problem,
    one_hot,
    quadratic_cost,
    random_network,
    same_network,
    seed_problem,
    sigmoid_network,
    tensor,
)
from grader.compare import FLOAT64, Diagnosis, Mistake, mutation_problem

EXERCISE = "08_training"

# The MNIST check: the reference solution reaches 91.6% to 93.5% test accuracy in two epochs
# (30 initial networks measured; after one epoch it can end as low as 90.6%), in about a second.
MNIST_SIZES = [784, 16, 16, 10]
MNIST_EPOCHS = 2
MNIST_BATCH_SIZE = 10
MNIST_LEARNING_RATE = 3.0
DEFAULT_TRAINING_ACCURACY = 0.90
TRAINING_ACCURACY = DEFAULT_TRAINING_ACCURACY  # the rubric's [thresholds] training_accuracy, when it gives one
NO_CREDIT_ACCURACY = 0.50  # partial credit grows linearly from here to TRAINING_ACCURACY

INTEGER_ONE_HOT = (
    "your rows are integers: return floats (float64), the kind of numbers the network's outputs "
    "are compared with. np.zeros((N, num_classes)) and np.eye(num_classes) are float64 already."
)
EVERY_LABEL_COLUMN = (
    "your rows have a 1 in every label's column: out[:, labels] = 1 sets those columns in every row; "
    "pick one entry per row: out[np.arange(len(labels)), labels] = 1."
)
TEN_CLASSES = "your result always has 10 columns: use num_classes, which is not always 10."
CLASSES_FROM_LABELS = (
    "your result has labels.max() + 1 columns: the number of classes is num_classes, even when the "
    "largest class does not occur among the labels."
)
SIGN_FLIPPED = (
    "your step goes up the gradient (W + η·∂C/∂W), which makes the cost grow: gradient descent "
    "subtracts, W ← W − η·∂C/∂W."
)
NO_LEARNING_RATE = "your step leaves out the learning rate (W − ∂C/∂W): multiply each gradient by η first."
RATE_OVER_BATCH = (
    "your step is η/batch times the gradient: backprop already averages over the mini-batch, so "
    "divide by the batch size only once (W ← W − η·∂C/∂W)."
)
RETURNED_GRADIENTS = "you returned the gradients: return the new parameters, W − η·∂C/∂W and b − η·∂C/∂b."
BIASES_NOT_UPDATED = "your biases do not move: update them too, b ← b − η·∂C/∂b."
STEPS_NOT_KEPT = (
    "your train returned the network it was given, unchanged: sgd_step returns new parameters and "
    "leaves its arguments as they are, so keep each step's result, `weights, biases = sgd_step(...)`."
)
NO_SHUFFLE = (
    "your result equals training on the examples in their original order: each epoch must shuffle "
    "them first, with order = rng.permutation(N), and take the mini-batches from that order."
)
SHUFFLED_ONCE = (
    "your result equals training with the same order in every epoch: draw a new rng.permutation(N) "
    "at the start of each epoch."
)
SHUFFLED_APART = (
    "your result equals training where the images and the labels were shuffled separately, so each "
    "image got someone else's label: draw one order and index both with it, images[batch] and "
    "labels[batch]."
)
LABELS_IN_ORDER = (
    "your result equals training where only the images were shuffled and the labels kept their "
    "order, so each image got someone else's label: take both from the same order, images[batch] "
    "and labels[batch] (or the one-hot targets[batch])."
)
LAST_BATCH_DROPPED = (
    "your result equals training without the last, smaller mini-batch: when batch_size does not "
    "divide N, the last slice of the order holds the remaining examples and gets its step too."
)
NOT_REPEATABLE = (
    "the same seed must give the same training, so that a run can be repeated",
    "a shuffle that does not use the `rng` argument (np.random.permutation, np.random.shuffle, "
    "random.shuffle, ...): shuffle with rng.permutation(N).",
)
NOT_SHUFFLED_WITH_RNG = (
    "the order of the examples, hence the trained network, must depend on the rng",
    "the examples are not shuffled, or not with the `rng` given: order = rng.permutation(N) at the "
    "start of each epoch.",
)
COUNT = "you returned the number of correct answers: divide it by the number of images."
PERCENT = "you returned a percentage: return the fraction, between 0 and 1."
PREDICTIONS_FLATTENED = (
    "your predictions are one number for the whole array: np.argmax without axis= looks at every "
    "output of every image as one flat array; the digit of image n is the argmax of its own row, "
    "np.argmax(output, axis=1)."
)
ZERO_ACCURACY = (
    "your accuracy is 0, which three mistakes give: np.max instead of np.argmax (the largest output, "
    "a number between 0 and 1 that no label equals, instead of its position), np.argmax without axis= "
    "(one index into the whole flattened output; use axis=1), or an integer division (// or int() of "
    "the share; use / and float())."
)
ERROR_RATE = "you returned the fraction of wrong answers: count the images where the prediction equals the label."


def _one_hot(labels: np.ndarray, num_classes: int) -> np.ndarray:
    return array(one_hot(labels, num_classes))


# ----------------------------------------------------------------------------------------------
# one_hot


def _one_hot_case(
    rng: np.random.Generator, n: int, num_classes: int | None, *, keyword: bool = False, dtype: Any = np.int64
) -> Case:
    """``num_classes`` None: the argument is left out (default 10)."""
    classes = num_classes or 10
    labels = rng.integers(0, classes, n).astype(dtype)
    expected = _one_hot(labels, classes)
    mistakes = [Mistake(expected.astype(np.int64), INTEGER_ONE_HOT)]
    if classes != 10 and int(labels.max()) < 10:
        mistakes.append(Mistake(_one_hot(labels, 10), TEN_CLASSES))
    if int(labels.max()) + 1 != classes:
        mistakes.append(Mistake(_one_hot(labels, int(labels.max()) + 1), CLASSES_FROM_LABELS))
    # out[:, labels] = 1: every row gets a 1 in each column that some label names.
    mistakes.append(Mistake(np.broadcast_to(expected.max(axis=0), expected.shape).copy(), EVERY_LABEL_COLUMN))
    if num_classes is None:
        call = Call("one_hot", (labels,))
    elif keyword:
        call = Call("one_hot", (labels,), {"num_classes": num_classes})
    else:
        call = Call("one_hot", (labels, num_classes))
    return Case(call, expected, FLOAT64, mistakes)


@check(EXERCISE, "one_hot")
def one_hot_matches_torch(rng: np.random.Generator) -> list[Case]:
    """one_hot(labels, num_classes) equals torch.nn.functional.one_hot, as float64"""
    return [
        _one_hot_case(rng, 6, None),  # the default: 10 digits
        _one_hot_case(rng, 60, 10),
        _one_hot_case(rng, 3, 10, keyword=True),  # three labels: the largest digit is likely missing
        _one_hot_case(rng, 7, 3, keyword=True),
        _one_hot_case(rng, 5, 12),
        _one_hot_case(rng, 1, None),
        _one_hot_case(rng, 20, None, dtype=np.uint8),  # MNIST's labels come as uint8
    ]


# ----------------------------------------------------------------------------------------------
# sgd_step


def _sgd_step_case(rng: np.random.Generator, sizes: list[int], batch: int, learning_rate: float, *, keyword: bool):
    weights, biases = random_network(rng, sizes)
    x = rng.uniform(0, 1, (batch, sizes[0]))
    y = _one_hot(rng.integers(0, sizes[-1], batch), sizes[-1])
    network = sigmoid_network(weights, biases)
    optimizer = torch.optim.SGD(network.parameters(), lr=learning_rate)
    grad_w, grad_b = network_gradients(network, quadratic_cost(network(tensor(x)), tensor(y)))
    optimizer.step()
    expected = network_parameters(network)

    def moved(step: Callable[[np.ndarray, np.ndarray], np.ndarray]) -> Network:
        return [step(w, g) for w, g in zip(weights, grad_w)], [step(b, g) for b, g in zip(biases, grad_b)]

    mistakes = [
        Mistake(moved(lambda p, g: p + learning_rate * g), SIGN_FLIPPED),
        Mistake(moved(lambda p, g: p - g), NO_LEARNING_RATE),
        Mistake((grad_w, grad_b), RETURNED_GRADIENTS),
        Mistake((expected[0], biases), BIASES_NOT_UPDATED),
    ]
    if batch > 1:
        mistakes.append(Mistake(moved(lambda p, g: p - learning_rate / batch * g), RATE_OVER_BATCH))
    arguments = {"weights": weights, "biases": biases, "x": x, "y": y, "learning_rate": learning_rate}
    call = Call("sgd_step", (), arguments) if keyword else Call("sgd_step", tuple(arguments.values()))
    return Case(call, expected, FLOAT64, mistakes)


@check(EXERCISE, "sgd_step")
def sgd_step_matches_torch_sgd(rng: np.random.Generator) -> list[Case]:
    """sgd_step(weights, biases, x, y, learning_rate) equals one step of torch.optim.SGD"""
    return [
        _sgd_step_case(rng, [784, 16, 16, 10], 10, 3.0, keyword=False),
        _sgd_step_case(rng, [784, 30, 10], 1, 0.5, keyword=False),
        _sgd_step_case(rng, [5, 4, 3], 7, 1.0, keyword=True),
        _sgd_step_case(rng, [6, 6, 6], 3, 0.1, keyword=True),
        _sgd_step_case(rng, [4, 10], 5, 2.0, keyword=False),  # a single layer
    ]


# ----------------------------------------------------------------------------------------------
# train


Batches = list[tuple[np.ndarray, np.ndarray]]  # (image indices, label indices) of each mini-batch


def _batches(
    rng: np.random.Generator, n: int, epochs: int, batch_size: int, *, shuffle: bool = True, **mistake: bool
) -> Batches:
    """The mini-batches of a whole training run, drawing the orders from ``rng`` as the spec says.

    With a ``mistake`` set (``once``, ``apart``, ``labels_in_order``, ``drop_last``) the batches
    are those of that mistake instead.
    """
    batches: Batches = []
    order = rng.permutation(n) if shuffle else np.arange(n)
    for epoch in range(epochs):
        if shuffle and epoch > 0 and not mistake.get("once"):
            order = rng.permutation(n)
        label_order = rng.permutation(n) if mistake.get("apart") else order
        if mistake.get("labels_in_order"):
            label_order = np.arange(n)
        last = n - n % batch_size if mistake.get("drop_last") else n
        batches += [(order[i : i + batch_size], label_order[i : i + batch_size]) for i in range(0, last, batch_size)]
    return batches


def _torch_training(
    weights: list[np.ndarray],
    biases: list[np.ndarray],
    images: np.ndarray,
    labels: np.ndarray,
    learning_rate: float,
    batches: Batches,
) -> Network:
    """The parameters after one torch.optim.SGD step per mini-batch, in order."""
    network = sigmoid_network(weights, biases)
    optimizer = torch.optim.SGD(network.parameters(), lr=learning_rate)
    x = tensor(images)
    y = one_hot(labels, weights[-1].shape[0])
    for image_indices, label_indices in batches:
        optimizer.zero_grad()
        output = network(x[torch.from_numpy(image_indices)])
        quadratic_cost(output, y[torch.from_numpy(label_indices)]).backward()
        optimizer.step()
    return network_parameters(network)


def _train_arguments(
    rng: np.random.Generator, sizes: list[int], n: int, epochs: int, batch_size: int, learning_rate: float
) -> dict[str, Any]:
    weights, biases = random_network(rng, sizes)
    return {
        "weights": weights,
        "biases": biases,
        "images": rng.uniform(0, 1, (n, sizes[0])),
        "labels": rng.integers(0, sizes[-1], n),
        "epochs": epochs,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "rng": SeededGenerator(int(rng.integers(2**31))),
    }


def _train_case(
    rng: np.random.Generator, sizes: list[int], n: int, epochs: int, batch_size: int, learning_rate: float
) -> Case:
    arguments = _train_arguments(rng, sizes, n, epochs, batch_size, learning_rate)
    seed = arguments["rng"].seed

    def trained(**how: bool) -> Network:
        batches = _batches(np.random.default_rng(seed), n, epochs, batch_size, **how)
        network = (arguments["weights"], arguments["biases"])
        return _torch_training(*network, arguments["images"], arguments["labels"], learning_rate, batches)

    expected = trained()
    mistakes = [
        Mistake((arguments["weights"], arguments["biases"]), STEPS_NOT_KEPT),
        # Even one mini-batch of everything pairs each shuffled image with another's label.
        Mistake(trained(labels_in_order=True), LABELS_IN_ORDER),
    ]
    if batch_size < n:  # with one batch per epoch, the order changes nothing
        mistakes += [Mistake(trained(shuffle=False), NO_SHUFFLE), Mistake(trained(apart=True), SHUFFLED_APART)]
        if epochs > 1:
            mistakes.append(Mistake(trained(once=True), SHUFFLED_ONCE))
    if n % batch_size:
        mistakes.append(Mistake(trained(drop_last=True), LAST_BATCH_DROPPED))
    return Case(Call("train", (), arguments), expected, FLOAT64, mistakes)


@check(EXERCISE, "train")
def train_matches_torch_sgd(rng: np.random.Generator) -> list[Case]:
    """train(...) equals torch.optim.SGD on the mini-batches of rng.permutation, epoch after epoch"""
    return [
        _train_case(rng, [4, 5, 10], 30, 2, 5, 3.0),
        _train_case(rng, [6, 10], 23, 3, 4, 1.0),  # 23 = 5·4 + 3: the last mini-batch has 3 examples
        _train_case(rng, [784, 16, 16, 10], 40, 1, 10, 3.0),
        _train_case(rng, [3, 4, 10], 9, 2, 9, 0.5),  # one mini-batch holding everything
        _train_case(rng, [5, 10], 12, 1, 1, 0.5),  # one example at a time
    ]


def _network_problem(outcome: Outcome, sizes: list[int]) -> Diagnosis | None:
    """Why an outcome of train is not a new network of these sizes, or None."""
    if outcome.ok and outcome.mutated:
        return mutation_problem(outcome, "train")
    return network_problem(outcome, "train", sizes, "`train` did not return a network of the sizes it was given.")


def _unchanged(case: Case, outcome: Outcome, sizes: list[int]) -> Diagnosis | None:
    """A diagnosis when ``train`` gave back the very network it started from (no step kept), else None."""
    start = (case.call.kwargs["weights"], case.call.kwargs["biases"])
    if _network_problem(outcome, sizes) is None and same_network(outcome.value, start):
        return Diagnosis(
            "`train` returned the network it was given, unchanged.",
            ["every parameter is exactly as it was before training"],
            likely_mistake=STEPS_NOT_KEPT,
        )
    return None


def _judge_determinism(case: Case, outcomes: list[Outcome]) -> Diagnosis | None:
    weights = case.call.kwargs["weights"]
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights]
    seeds = (case.calls[0].kwargs["rng"].seed, case.calls[2].kwargs["rng"].seed)
    problem_of = partial(_network_problem, sizes=sizes)
    problem = seed_problem("train", outcomes, seeds, problem_of, NOT_REPEATABLE, NOT_SHUFFLED_WITH_RNG)
    # The same network for every seed is first of all no training at all, when it is the starting one.
    return problem and (_unchanged(case, outcomes[0], sizes) or problem)


@check(EXERCISE, "train")
def train_shuffles_with_its_rng(rng: np.random.Generator) -> list[Case]:
    """train shuffles with its rng: the same seed gives the same network, another seed another"""
    cases = []
    for sizes, n, epochs, batch_size in (([8, 6, 10], 50, 1, 5), ([784, 16, 16, 10], 30, 2, 10)):
        arguments = _train_arguments(rng, sizes, n, epochs, batch_size, 3.0)
        call = Call("train", (), arguments)
        other = Call("train", (), {**arguments, "rng": SeededGenerator(arguments["rng"].seed + 1)})
        cases.append(Case(call, more_calls=(call, other), judge=_judge_determinism))
    return cases


def _mnist_test_accuracy(weights: list[np.ndarray], biases: list[np.ndarray]) -> float:
    """The accuracy on MNIST's 10,000 test images of the torch network holding these parameters."""
    from grader import mnist

    images, labels = mnist.load_mnist("test")
    return evaluate_network(weights, biases, mnist.mnist_as_float(images), labels)[0]


def _judge_mnist(case: Case, outcomes: list[Outcome]) -> Diagnosis | None:
    from grader import mnist

    problem = _network_problem(outcomes[0], MNIST_SIZES) or _unchanged(case, outcomes[0], MNIST_SIZES)
    if problem:
        return problem
    weights, biases = (list(part) for part in outcomes[0].value)
    if not all(np.isfinite(p).all() for p in [*weights, *biases]):
        return Diagnosis(
            "`train` returned a network holding NaN or Inf.",
            likely_mistake="the parameters blew up: check the sign of the step (W − η·∂C/∂W) and that "
            "backprop averages over the mini-batch.",
        )
    try:
        accuracy = _mnist_test_accuracy(weights, biases)
    except mnist.MnistError as error:
        return Diagnosis(
            "MNIST's test images could not be loaded, so the trained network was not measured.", [str(error)]
        )
    if accuracy >= TRAINING_ACCURACY:
        return None
    if accuracy < 0.2:
        likely = (
            "the network learned (almost) nothing: check the sign of the step, that the result of every "
            "sgd_step is kept (weights, biases = sgd_step(...)), and that each image is paired with its own "
            "label (index images and targets with the same order)."
        )
    else:
        likely = (
            "the network learns, but not enough: check that each epoch goes through every image once, "
            "that images and labels are shuffled together, and that the learning rate is applied once."
        )
    credit = min(max((accuracy - NO_CREDIT_ACCURACY) / (TRAINING_ACCURACY - NO_CREDIT_ACCURACY), 0.0), 0.99)
    return Diagnosis(
        f"the network `train` returned reads {accuracy:.2%} of MNIST's test digits correctly; "
        f"at least {TRAINING_ACCURACY:.0%} is needed.",
        [
            f"after {MNIST_EPOCHS} epochs on the 60,000 training images (batch {MNIST_BATCH_SIZE}, "
            f"learning rate {MNIST_LEARNING_RATE:g}), the reference solution reaches about 92%",
            "measured by PyTorch on the 10,000 test images, with your returned weights",
        ],
        likely_mistake=likely,
        credit=credit,
    )


@check(EXERCISE, "train")
def train_learns_mnist(rng: np.random.Generator) -> list[Case]:
    """train takes 784-16-16-10 to the required MNIST test accuracy (90% by default) in 2 epochs"""
    weights, biases = random_network(rng, MNIST_SIZES)
    call = Call(
        "train",
        (),
        {
            "weights": weights,
            "biases": biases,
            "images": MnistData("images"),
            "labels": MnistData("labels"),
            "epochs": MNIST_EPOCHS,
            "batch_size": MNIST_BATCH_SIZE,
            "learning_rate": MNIST_LEARNING_RATE,
            "rng": SeededGenerator(int(rng.integers(2**31))),
        },
    )
    return [Case(call, needs_mnist=True, judge=_judge_mnist)]


# ----------------------------------------------------------------------------------------------
# accuracy


def _accuracy_case(
    rng: np.random.Generator, sizes: list[int], n: int, share_right: float, *, largest_first: bool = False
) -> Case:
    weights, biases = random_network(rng, sizes)
    images = rng.uniform(0, 1, (n, sizes[0]))
    # A random network gives almost every image the same digit, and an accuracy that ignores the
    # images (one prediction for them all) would then pass. Centring the last layer's sums over
    # these images spreads the network's digits over several.
    last_inputs = array(forward(sigmoid_network(weights[:-1], biases[:-1]), images))
    biases[-1] = -(last_inputs @ weights[-1].T).mean(axis=0)
    output = forward(sigmoid_network(weights, biases), images)
    if largest_first:
        # np.argmax without axis is an index into the flattened outputs, mostly past the last
        # digit: equal to no label, an accuracy of 0. With the image holding the largest output
        # first, it is that image's digit, and the accuracy a share of the labels, not 0.
        first = int(output.argmax()) // output.shape[1]
        images[[0, first]] = images[[first, 0]]
        output = forward(sigmoid_network(weights, biases), images)
    predictions = array(output.argmax(dim=1))
    # About share_right of the labels agree with the network; the others are random digits.
    labels = np.where(rng.uniform(0, 1, n) < share_right, predictions, rng.integers(0, sizes[-1], n))
    correct = tensor(predictions) == tensor(labels)
    expected = float(correct.double().mean())
    count = int(correct.sum())
    flat_argmax = float((tensor(labels) == output.argmax()).double().mean())
    mistakes = [Mistake(count, COUNT), Mistake(100 * expected, PERCENT), Mistake(1 - expected, ERROR_RATE)]
    # Without axis=, the index mostly lies past the last digit, which gives 0 as an integer division
    # does: then both are named.
    mistakes.append(Mistake(flat_argmax, PREDICTIONS_FLATTENED if flat_argmax != 0 else ZERO_ACCURACY))
    return Case(
        Call("accuracy", (weights, biases, images, labels)), expected, FLOAT64, mistakes, telling_when_passed=False
    )


@check(EXERCISE, "accuracy")
def accuracy_matches_torch(rng: np.random.Generator) -> list[Case]:
    """accuracy(weights, biases, images, labels) equals the share of torch's argmax equal to the labels"""
    return [
        _accuracy_case(rng, [784, 16, 16, 10], 50, 0.6),
        _accuracy_case(rng, [784, 30, 10], 200, 0.9),
        _accuracy_case(rng, [4, 3, 10], 7, 0.5, largest_first=True),
        _accuracy_case(rng, [5, 10], 12, 1.0, largest_first=True),  # every answer right
        _accuracy_case(rng, [6, 6, 10], 9, 0.0, largest_first=True),
    ]
