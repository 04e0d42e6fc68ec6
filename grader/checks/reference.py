"""Conversions between NumPy and PyTorch for computing expected values (trusted side only)."""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

torch.set_num_threads(1)  # expected values are small; threads would only add start-up cost


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


def sigmoid_network(weights: list[np.ndarray], biases: list[np.ndarray]) -> torch.nn.Sequential:
    """The kata's network as PyTorch sees it: Linear + Sigmoid per layer, float64."""
    layers: list[torch.nn.Module] = []
    for w, b in zip(weights, biases):
        linear = torch.nn.Linear(w.shape[1], w.shape[0], dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(tensor(np.asarray(w, dtype=np.float64)))
            linear.bias.copy_(tensor(np.asarray(b, dtype=np.float64)))
        layers += [linear, torch.nn.Sigmoid()]
    return torch.nn.Sequential(*layers)


def evaluate_network(
    weights: list[np.ndarray], biases: list[np.ndarray], images: np.ndarray, labels: np.ndarray
) -> tuple[float, float]:
    """(accuracy, quadratic cost ½‖a − y‖² averaged over examples) of a network, by PyTorch.

    ``images`` float ``(N, 784)``; ``labels`` ints ``(N,)``.
    """
    with torch.no_grad():
        output = sigmoid_network(weights, biases)(tensor(np.asarray(images, dtype=np.float64)))
        target = torch.nn.functional.one_hot(tensor(np.asarray(labels, dtype=np.int64)), output.shape[1])
        accuracy = float((output.argmax(dim=1) == target.argmax(dim=1)).double().mean())
        cost = float(0.5 * ((output - target) ** 2).sum(dim=1).mean())
    return accuracy, cost
