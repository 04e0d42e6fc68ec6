"""What the check modules share (trusted side only): conversions between NumPy and PyTorch, and
the kata's network, ``Linear`` + ``Sigmoid`` per layer, as PyTorch computes and trains it.

Check modules import their shared helpers from here only, never from each other.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import numpy as np
import torch

from grader.calling import Outcome
from grader.compare import Diagnosis, Tolerance, kind_of, outcome_problem, tolerance_for

torch.set_num_threads(1)  # expected values are small; threads would only add start-up cost

Network = tuple[list[np.ndarray], list[np.ndarray]]  # (weights, biases), one array of each per layer
Advice = tuple[str, str]  # what a diagnosis says: (why it is wrong, the likely mistake)


def tensor(array: Any, *, grad: bool = False) -> torch.Tensor:
    """A tensor holding a copy of ``array`` with the same dtype."""
    result = torch.from_numpy(np.array(array, copy=True))
    return result.requires_grad_(True) if grad else result


def array(value: torch.Tensor) -> np.ndarray:
    """A NumPy copy of a tensor (detached)."""
    return value.detach().numpy().copy()


def random_array(
    rng: np.random.Generator, shape: tuple[int, ...], dtype: Any = np.float64, scale: float = 1.0
) -> np.ndarray:
    """Standard-normal entries times ``scale``, in ``dtype``."""
    return (rng.standard_normal(shape) * scale).astype(dtype)


# ----------------------------------------------------------------------------------------------
# The kata's network


def random_network(rng: np.random.Generator, sizes: list[int], dtype: Any = np.float64) -> Network:
    """Parameters drawn like init_network's (weights N(0, 1/n_in), biases N(0, 1)), in ``dtype``."""
    weights = [random_array(rng, (n_out, n_in), dtype, 1 / math.sqrt(n_in)) for n_in, n_out in pairwise(sizes)]
    biases = [random_array(rng, (n_out,), dtype) for n_out in sizes[1:]]
    return weights, biases


def linear_shapes(sizes: list[int]) -> list[tuple[tuple[int, ...], tuple[int, ...]]]:
    """(weight shape, bias shape) of torch.nn.Linear for each layer, built without any memory."""
    layers = [torch.nn.Linear(n_in, n_out, device="meta") for n_in, n_out in pairwise(sizes)]
    return [(tuple(layer.weight.shape), tuple(layer.bias.shape)) for layer in layers]


def sigmoid_network(
    weights: list[np.ndarray], biases: list[np.ndarray], dtype: Any = np.float64
) -> torch.nn.Sequential:
    """The kata's network as PyTorch sees it: Linear + Sigmoid per layer, computing in ``dtype``."""
    layers: list[torch.nn.Module] = []
    for w, b in zip(weights, biases):
        linear = torch.nn.Linear(w.shape[1], w.shape[0], dtype=torch.float32 if dtype == np.float32 else torch.float64)
        with torch.no_grad():
            linear.weight.copy_(tensor(np.asarray(w, dtype=dtype)))
            linear.bias.copy_(tensor(np.asarray(b, dtype=dtype)))
        layers += [linear, torch.nn.Sigmoid()]
    return torch.nn.Sequential(*layers)


def forward(network: torch.nn.Module, x: np.ndarray) -> torch.Tensor:
    """The network's output for a NumPy input, without tracking gradients."""
    with torch.no_grad():
        return network(tensor(x))


def network_tolerance(x: np.ndarray, weights: list[np.ndarray], biases: list[np.ndarray]) -> Tolerance:
    """The tolerance for what a network computes from x (its output, its gradients).

    Float32 rounding grows with each layer's largest sum of |terms|; activations are at most 1.
    """
    magnitude = max(float(np.max(np.abs(w).sum(axis=1) + np.abs(b))) for w, b in zip(weights, biases))
    return tolerance_for(x, *weights, magnitude=magnitude)


def one_hot(labels: np.ndarray, num_classes: int) -> torch.Tensor:
    """Float64 rows by torch.nn.functional.one_hot: 1 at each label's column, 0 elsewhere."""
    return torch.nn.functional.one_hot(tensor(np.asarray(labels, dtype=np.int64)), num_classes).double()


def quadratic_cost(output: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """C = ½‖a_L − y‖², averaged over the batch (a single example is a batch of one)."""
    return 0.5 * ((output - y) ** 2).sum(dim=-1).mean()


def network_parameters(network: torch.nn.Sequential, *, gradients: bool = False) -> Network:
    """(weights, biases) of the network's Linear layers as NumPy arrays; with ``gradients``, their ``.grad``."""
    linears = [m for m in network if isinstance(m, torch.nn.Linear)]
    weights, biases = [m.weight for m in linears], [m.bias for m in linears]
    if gradients:
        weights, biases = [w.grad for w in weights], [b.grad for b in biases]
    return [array(w) for w in weights], [array(b) for b in biases]


def network_gradients(network: torch.nn.Sequential, cost: torch.Tensor) -> Network:
    """(∂C/∂W per layer, ∂C/∂b per layer) of ``cost`` by autograd.

    They are also left in each parameter's ``.grad``, where an optimizer's ``step`` reads them.
    """
    network.zero_grad()
    cost.backward()
    return network_parameters(network, gradients=True)


def evaluate_network(
    weights: list[np.ndarray], biases: list[np.ndarray], images: np.ndarray, labels: np.ndarray
) -> tuple[float, float]:
    """(accuracy, quadratic cost ½‖a − y‖² averaged over examples) of a network, by PyTorch.

    ``images`` float ``(N, 784)``; ``labels`` ints ``(N,)``.
    """
    output = forward(sigmoid_network(weights, biases), np.asarray(images, dtype=np.float64))
    accuracy = float((output.argmax(dim=1) == tensor(np.asarray(labels, dtype=np.int64))).double().mean())
    return accuracy, float(quadratic_cost(output, one_hot(labels, output.shape[1])))


# ----------------------------------------------------------------------------------------------
# Judging the networks a learner's function returns


def network_problem(outcome: Outcome, function: str, sizes: list[int], headline: str) -> Diagnosis | None:
    """Why an outcome is not a network (weights, biases) of these layer sizes, or None."""
    problem = outcome_problem(outcome, function)
    if problem:
        return problem
    value = outcome.value
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        return Diagnosis(headline, [f"expected: (weights, biases), a tuple of 2 lists; got {kind_of(value)}"])
    shapes = linear_shapes(sizes)
    for name, part, index in (("weights", value[0], 0), ("biases", value[1], 1)):
        if not isinstance(part, (list, tuple)) or len(part) != len(shapes):
            return Diagnosis(
                headline,
                [
                    f"{name}: expected a list of {len(shapes)} arrays (one per layer after the input), "
                    f"got {kind_of(part)}"
                ],
                likely_mistake="the input layer has no weights or biases: sizes [n_0, ..., n_L] gives L layers."
                if isinstance(part, (list, tuple)) and len(part) == len(sizes)
                else "",
            )
        for i, (item, expected_shapes) in enumerate(zip(part, shapes)):
            shape = expected_shapes[index]
            if not isinstance(item, np.ndarray) or item.shape != shape:
                transposed = isinstance(item, np.ndarray) and item.shape == shape[::-1] and len(shape) == 2
                return Diagnosis(
                    headline,
                    [
                        f"{name}[{i}]: expected shape {shape} (as torch.nn.Linear({sizes[i]}, {sizes[i + 1]})), "
                        f"got {kind_of(item)}"
                    ],
                    likely_mistake="weights[i] has shape (n_out, n_in) = (sizes[i + 1], sizes[i]): row j holds "
                    "the weights into neuron j."
                    if transposed
                    else "",
                )
    return None


def same_network(a: Network, b: Network) -> bool:
    return all(np.array_equal(x, y) for x, y in zip([*a[0], *a[1]], [*b[0], *b[1]]))


def seed_problem(
    function: str,
    outcomes: list[Outcome],
    seeds: tuple[int, int],
    problem_of: Callable[[Outcome], Diagnosis | None],
    not_repeatable: Advice,
    ignores_seed: Advice,
) -> Diagnosis | None:
    """What is wrong with what ``function`` gave for a seed, the same seed again and another seed.

    Each outcome must be a network (else what ``problem_of`` says); the same seed must give the same
    network (else ``not_repeatable``), another seed another network (else ``ignores_seed``).
    """
    problem = next(filter(None, map(problem_of, outcomes)), None)
    if problem:
        return problem
    first, again, other = (outcome.value for outcome in outcomes)
    seed, other_seed = seeds
    if not same_network(first, again):
        detail, likely = not_repeatable
        return Diagnosis(
            f"`{function}` gave two different networks for the same np.random.default_rng({seed}).",
            [detail],
            likely_mistake=likely,
        )
    if same_network(first, other):
        detail, likely = ignores_seed
        return Diagnosis(
            f"`{function}` gave the same network for np.random.default_rng({seed}) and "
            f"np.random.default_rng({other_seed}).",
            [detail],
            likely_mistake=likely,
        )
    return None
