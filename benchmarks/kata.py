"""Speed of the kata, measured (not asserted): run with  ./run python benchmarks/kata.py

Prints
1. the wall time of `pytest exercises/ --impl solutions` (goal: under 15 s), and
2. the reference `train` time per epoch against the same network (784-16-16-10, sigmoid,
   float64, quadratic cost, plain SGD) trained with PyTorch on the CPU, side by side, at batch
   sizes 10 and 100 (goal: the NumPy reference at most half of PyTorch's time).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import torch

# The checks run PyTorch on one thread (tiny tensors); the baseline gets PyTorch's own default.
TORCH_DEFAULT_THREADS = torch.get_num_threads()
REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from grader import mnist  # noqa: E402
from grader.calling import LearnerModules  # noqa: E402
from grader.checks.reference import sigmoid_network, tensor  # noqa: E402
from grader.cli import NETWORK, initial_network  # noqa: E402


def pytest_wall_time() -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "pytest", "exercises/", "--impl", "solutions", "-q", "-p", "no:cacheprovider"],
        cwd=REPO,
        check=True,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "CI": os.environ.get("CI", "")},
    )
    return time.perf_counter() - start


def numpy_epoch(images: np.ndarray, labels: np.ndarray, batch_size: int) -> float:
    training = LearnerModules(REPO / "solutions").load("08_training")
    weights, biases = initial_network(NETWORK, np.random.default_rng(0))
    start = time.perf_counter()
    training.train(
        weights=weights,
        biases=biases,
        images=images,
        labels=labels,
        epochs=1,
        batch_size=batch_size,
        learning_rate=3.0,
        rng=np.random.default_rng(1),
    )
    return time.perf_counter() - start


def torch_epoch(images: np.ndarray, labels: np.ndarray, batch_size: int) -> float:
    weights, biases = initial_network(NETWORK, np.random.default_rng(0))
    model = sigmoid_network(weights, biases)
    optimizer = torch.optim.SGD(model.parameters(), lr=3.0)
    x = tensor(images)
    y = torch.nn.functional.one_hot(tensor(labels.astype(np.int64)), 10).double()
    order = torch.from_numpy(np.random.default_rng(1).permutation(len(images)))
    start = time.perf_counter()
    for first in range(0, len(images), batch_size):
        batch = order[first : first + batch_size]
        optimizer.zero_grad()
        cost = 0.5 * ((model(x[batch]) - y[batch]) ** 2).sum(dim=1).mean()
        cost.backward()
        optimizer.step()
    return time.perf_counter() - start


def main() -> None:
    torch.set_num_threads(TORCH_DEFAULT_THREADS)
    print(
        f"torch {torch.__version__}, threads {torch.get_num_threads()}, numpy {np.__version__}, {os.cpu_count()} cores"
    )
    print(f"pytest exercises/ --impl solutions: {pytest_wall_time():.1f} s (goal < 15 s)")
    raw_images, raw_labels = mnist.load_mnist("train")
    images, labels = mnist.mnist_as_float(raw_images), raw_labels.astype(np.int64)
    for batch_size in (10, 100):
        ours = min(numpy_epoch(images, labels, batch_size) for _ in range(2))
        theirs = min(torch_epoch(images, labels, batch_size) for _ in range(2))
        print(
            f"one epoch at batch {batch_size:>3}: NumPy reference {ours:5.2f} s, PyTorch {theirs:5.2f} s "
            f"(ratio {ours / theirs:.2f}, goal <= 0.5)"
        )


if __name__ == "__main__":
    main()
