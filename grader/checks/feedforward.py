"""Checks of exercise 03: flatten, init_network, feedforward and predict, against PyTorch.

``flatten`` is compared with ``torch.flatten``, ``feedforward`` and ``predict`` with a
``torch.nn.Sequential`` of ``Linear`` + ``Sigmoid`` holding the same parameters. ``init_network``
draws random numbers, so its checks compare shapes with ``torch.nn.Linear``'s, calls it twice with
the same seed, and test the spread of a large network's parameters against
``torch.distributions.Normal``, never the order of the draws.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np
import torch

from grader.calling import Call, Outcome, SeededGenerator
from grader.checks import Case, check
from grader.checks.reference import (
    array,
    forward,
    network_problem,
    network_tolerance,
    random_network,
    seed_problem,
    sigmoid_network,
    tensor,
)
from grader.compare import FLOAT64, Diagnosis, Mistake

EXERCISE = "03_feedforward"

# How many standard errors a sample statistic may stray from its expected value. A correct
# network fails with probability about 2e-9 per statistic; the classic mistakes miss by hundreds.
STANDARD_ERRORS = 6.0

ONE_LONG_VECTOR = (
    "your result is every image's pixels in one long vector: flatten each image on its own and keep "
    "the first axis, images.reshape(len(images), -1), shape (N, H·W)."
)
COLUMN_MAJOR = (
    "your rows hold each image read column by column (the image transposed): reshape reads "
    "NumPy's row-by-row order, so reshape the images as they are, without transposing them or "
    "using order='F'."
)
TRANSPOSED_W = (
    "your result equals the network computed with every W transposed (a·W + b): W has shape "
    "(n_out, n_in), so compute W·a, or a @ W.T for a batch (layer_weighted_sums does this)."
)
NO_LAST_SIGMOID = (
    "your result equals the last layer's weighted sums z, before the sigmoid: every layer, the "
    "output layer too, applies σ."
)
NO_BIAS = "your result equals the network computed without biases: each layer is σ(W·a + b)."
ONE_LAYER_EARLY = (
    "your result equals the activations of the last hidden layer: the loop stopped one layer early; "
    "go through every pair in zip(weights, biases), the output layer's too."
)
ARGMAX_FLATTENED = (
    "your result is one number for the whole batch: np.argmax without axis= looks at every output "
    "of every example as one flat array. The digit of one example is the argmax of its own row: use axis=-1."
)
ARGMAX_OVER_BATCH = (
    "your result is the argmax over the batch (axis 0), for each output neuron: the digit of one "
    "example is the argmax of its own row, so use axis=-1."
)
MAX_NOT_ARGMAX = (
    "you returned the largest activation instead of its position: the digit is the index of the "
    "most activated output neuron, np.argmax."
)

NOT_REPEATABLE = (
    "the same seed must give the same network, so that a run can be repeated",
    "a draw that does not use the `rng` argument (np.random.randn, np.random.normal, ...): draw every "
    "number with rng, e.g. rng.standard_normal(shape).",
)
FIXED_SEED = (
    "different seeds must give different networks",
    "the function makes its own generator with a fixed seed instead of using the `rng` it is given.",
)


# ----------------------------------------------------------------------------------------------
# flatten


def _flatten_case(rng: np.random.Generator, shape: tuple[int, int, int], dtype: Any) -> Case:
    if np.dtype(dtype).kind == "u":
        images = rng.integers(0, 256, shape).astype(dtype)  # MNIST's raw pixels
    else:
        images = rng.uniform(0, 1, shape).astype(dtype)
    expected = array(torch.flatten(tensor(images), start_dim=1))
    mistakes = [
        Mistake(array(torch.flatten(tensor(images).transpose(1, 2), start_dim=1)), COLUMN_MAJOR),
        Mistake(images.reshape(-1), ONE_LONG_VECTOR),
    ]
    return Case(Call("flatten", (images,)), expected, FLOAT64, mistakes)


@check(EXERCISE, "flatten")
def flatten_matches_torch(rng: np.random.Generator) -> list[Case]:
    """flatten(images) equals torch.flatten(images, start_dim=1) for (N, H, W) images"""
    return [
        _flatten_case(rng, (3, 28, 28), np.float64),
        _flatten_case(rng, (1, 28, 28), np.float64),
        _flatten_case(rng, (4, 28, 28), np.uint8),
        _flatten_case(rng, (5, 4, 7), np.float32),  # not square: H and W must not be swapped
    ]


# ----------------------------------------------------------------------------------------------
# init_network


def _network_problem(outcome: Outcome, sizes: list[int]) -> Diagnosis | None:
    """Why an outcome of init_network is not a network of these sizes, in float64, or None."""
    headline = "`init_network` returned something that is not a network of the requested sizes."
    problem = network_problem(outcome, "init_network", sizes, headline)
    if problem:
        return problem
    for name, part in zip(("weights", "biases"), outcome.value):
        for i, item in enumerate(part):
            if item.dtype != np.float64:
                return Diagnosis(headline, [f"{name}[{i}]: expected dtype float64, got {item.dtype}"])
            if not np.isfinite(item).all():
                return Diagnosis(headline, [f"{name}[{i}] holds NaN or Inf"])
    return None


def _judge_shapes(case: Case, outcomes: list[Outcome]) -> Diagnosis | None:
    return _network_problem(outcomes[0], case.call.args[0])


@check(EXERCISE, "init_network")
def init_network_shapes_match_torch_linear(rng: np.random.Generator) -> list[Case]:
    """init_network(sizes, rng) gives each layer the shapes of torch.nn.Linear's weight and bias"""
    all_sizes = ([784, 16, 16, 10], [784, 30, 10], [2, 3], [5, 4, 3, 2, 1], [3, 3, 3])
    return [
        Case(Call("init_network", (sizes, SeededGenerator(int(rng.integers(2**31))))), judge=_judge_shapes)
        for sizes in all_sizes
    ]


def _judge_determinism(case: Case, outcomes: list[Outcome]) -> Diagnosis | None:
    seeds = (case.calls[0].args[1].seed, case.calls[2].args[1].seed)
    problem_of = partial(_network_problem, sizes=case.call.args[0])
    return seed_problem("init_network", outcomes, seeds, problem_of, NOT_REPEATABLE, FIXED_SEED)


@check(EXERCISE, "init_network")
def init_network_is_deterministic(rng: np.random.Generator) -> list[Case]:
    """init_network draws from its rng: the same seed gives the same network, another seed another"""
    cases = []
    for sizes in ([784, 16, 16, 10], [4, 3, 2]):
        seed = int(rng.integers(2**31))
        call = Call("init_network", (sizes, SeededGenerator(seed)))
        other = Call("init_network", (sizes, SeededGenerator(seed + 1)))
        cases.append(Case(call, more_calls=(call, other), judge=_judge_determinism))
    return cases


def _normal_statistics(std: float) -> dict[str, float]:
    """What a sample of N(0, std²) should show: mean, standard deviation, share within ±std."""
    normal = torch.distributions.Normal(torch.tensor(0.0, dtype=torch.float64), torch.tensor(std, dtype=torch.float64))
    within = normal.cdf(torch.tensor(std, dtype=torch.float64)) - normal.cdf(torch.tensor(-std, dtype=torch.float64))
    return {"mean": float(normal.mean), "std": float(normal.stddev), "within": float(within)}


def _spread_problem(sample: np.ndarray, std: float, name: str) -> str:
    """A message line when ``sample`` does not look drawn from N(0, std²), else ''."""
    n = sample.size
    expected = _normal_statistics(std)
    mean, sample_std = float(sample.mean()), float(sample.std())
    within = float(np.mean(np.abs(sample) <= std))
    # Standard errors of the sample mean, sample standard deviation and a sample proportion.
    bounds = {
        "mean": std / math.sqrt(n),
        "std": std / math.sqrt(2 * n),
        "within": math.sqrt(expected["within"] * (1 - expected["within"]) / n),
    }
    what = {
        "std": "standard deviation",
        "mean": "mean",
        "within": f"share of values within ±{std:.4g} (one standard deviation)",
    }
    for statistic, got in (("std", sample_std), ("mean", mean), ("within", within)):
        allowed = STANDARD_ERRORS * bounds[statistic]
        if abs(got - expected[statistic]) > allowed:
            return (
                f"{name} {sample.shape}: {what[statistic]} is {got:.5g}, expected {expected[statistic]:.5g} "
                f"± {allowed:.2g} ({STANDARD_ERRORS:g} standard errors of {n} draws from N(0, {std:.4g}²))"
            )
    return ""


def _spread_mistake(sample: np.ndarray, n_in: int, n_out: int, is_weight: bool) -> str:
    """The classic initialisation mistake that ``sample``'s spread matches, or ''."""
    std = float(sample.std())
    mean = float(sample.mean())
    if std == 0.0:
        return f"all the {'weights' if is_weight else 'biases'} are {mean:g}: draw them at random."
    if mean > 0.25 * std and sample.min() >= 0:
        return "the values are all positive: rng.random() draws uniformly from [0, 1); use rng.standard_normal."
    candidates = (
        [
            (1.0, "the weights are drawn from N(0, 1): divide them by sqrt(n_in), the number of inputs of the layer."),
            (
                1 / n_in,
                "the weights are divided by n_in: 1/n_in is the variance; the standard deviation is 1/sqrt(n_in).",
            ),
            (
                1 / math.sqrt(n_out),
                "the weights are divided by sqrt(n_out): scale by the number of inputs of the "
                "layer, n_in = sizes[i], not of outputs.",
            ),
        ]
        if is_weight
        else [
            (
                1 / math.sqrt(n_in),
                "the biases are divided by sqrt(n_in) too: only the weights are scaled; the biases come from N(0, 1).",
            ),
        ]
    )
    for candidate, message in candidates:
        if abs(std - candidate) <= STANDARD_ERRORS * candidate / math.sqrt(2 * sample.size):
            return message
    return ""


def _judge_distribution(case: Case, outcomes: list[Outcome]) -> Diagnosis | None:
    sizes = case.call.args[0]
    problem = _network_problem(outcomes[0], sizes)
    if problem:
        return problem
    weights, biases = outcomes[0].value
    for i, (w, b) in enumerate(zip(weights, biases)):
        n_in, n_out = sizes[i], sizes[i + 1]
        for sample, name, std, is_weight in (
            (w, f"weights[{i}]", 1 / math.sqrt(n_in), True),
            (b, f"biases[{i}]", 1.0, False),
        ):
            line = _spread_problem(sample, std, name)
            if line:
                return Diagnosis(
                    f"`init_network` drew {name} from the wrong distribution.",
                    [
                        f"expected: N(0, {std:.4g}²), i.e. standard deviation 1/sqrt({n_in})"
                        if is_weight
                        else "expected: N(0, 1)",
                        line,
                    ],
                    likely_mistake=_spread_mistake(sample, n_in, n_out, is_weight),
                )
    return None


@check(EXERCISE, "init_network")
def init_network_draws_from_normal(rng: np.random.Generator) -> list[Case]:
    """init_network draws weights from N(0, 1/n_in) and biases from N(0, 1), like torch.distributions.Normal"""
    return [
        Case(Call("init_network", (sizes, SeededGenerator(int(rng.integers(2**31))))), judge=_judge_distribution)
        for sizes in ([2000, 300, 50], [784, 500])
    ]


# ----------------------------------------------------------------------------------------------
# feedforward and predict


def _run(network: torch.nn.Module, x: np.ndarray) -> np.ndarray:
    return array(forward(network, x))


def _feedforward_case(rng: np.random.Generator, sizes: list[int], batch: int | None, dtype: Any) -> Case:
    weights, biases = random_network(rng, sizes, dtype)
    x = rng.uniform(0, 1, (sizes[0],) if batch is None else (batch, sizes[0])).astype(dtype)
    network = sigmoid_network(weights, biases, dtype)
    expected = _run(network, x)
    mistakes = [
        Mistake(_run(network[:-1], x), NO_LAST_SIGMOID),  # the Sequential without its last Sigmoid
        Mistake(_run(sigmoid_network(weights, [np.zeros_like(b) for b in biases], dtype), x), NO_BIAS),
    ]
    if len(sizes) > 2:  # the Sequential without its last Linear + Sigmoid: the last hidden layer
        mistakes.append(Mistake(_run(network[:-2], x), ONE_LAYER_EARLY))
    if len(set(sizes)) == 1:  # square layers: a transposed W still has the right shapes
        mistakes.append(Mistake(_run(sigmoid_network([w.T for w in weights], biases, dtype), x), TRANSPOSED_W))
    return Case(Call("feedforward", (weights, biases, x)), expected, network_tolerance(x, weights, biases), mistakes)


@check(EXERCISE, "feedforward")
def feedforward_matches_torch_sequential(rng: np.random.Generator) -> list[Case]:
    """feedforward(weights, biases, a) equals a torch.nn.Sequential of Linear + Sigmoid layers"""
    return [
        _feedforward_case(rng, [784, 16, 16, 10], None, np.float64),
        _feedforward_case(rng, [784, 16, 16, 10], 5, np.float64),
        _feedforward_case(rng, [3, 4, 2], 1, np.float64),
        _feedforward_case(rng, [5, 5, 5, 5], None, np.float64),  # square: catches a transposed W
        _feedforward_case(rng, [6, 6, 6], 4, np.float64),
        _feedforward_case(rng, [10, 7], 3, np.float64),  # a single layer
    ]


@check(EXERCISE, "feedforward")
def feedforward_keeps_float32(rng: np.random.Generator) -> list[Case]:
    """feedforward keeps float32 inputs float32"""
    return [
        _feedforward_case(rng, [784, 16, 16, 10], None, np.float32),
        _feedforward_case(rng, [784, 30, 10], 8, np.float32),
    ]


def _predict_case(rng: np.random.Generator, sizes: list[int], batch: int | None) -> Case:
    weights, biases = random_network(rng, sizes)
    x = rng.uniform(0, 1, (sizes[0],) if batch is None else (batch, sizes[0]))
    output = forward(sigmoid_network(weights, biases), x)
    digits = array(output.argmax(dim=-1))
    top = array(output.max(dim=-1).values)
    if batch is None:
        return Case(
            Call("predict", (weights, biases, x)),
            int(digits),
            mistakes=[Mistake(float(top), MAX_NOT_ARGMAX)],
            telling_when_passed=False,
        )
    mistakes = [Mistake(top, MAX_NOT_ARGMAX), Mistake(int(output.argmax()), ARGMAX_FLATTENED)]
    if batch == sizes[-1]:  # the argmax over the batch has the same shape
        mistakes.append(Mistake(array(output.argmax(dim=0)), ARGMAX_OVER_BATCH))
    return Case(Call("predict", (weights, biases, x)), digits, mistakes=mistakes, telling_when_passed=False)


@check(EXERCISE, "predict")
def predict_matches_torch_argmax(rng: np.random.Generator) -> list[Case]:
    """predict gives the argmax of the torch network's output: an int for one example, ints for a batch"""
    return [
        _predict_case(rng, [784, 16, 16, 10], None),
        _predict_case(rng, [784, 30, 10], None),
        _predict_case(rng, [784, 16, 16, 10], 10),  # batch == 10 outputs: argmax over axis 0 fits the shape
        _predict_case(rng, [784, 16, 16, 10], 7),
        _predict_case(rng, [20, 5], 1),
    ]
