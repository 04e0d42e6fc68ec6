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
