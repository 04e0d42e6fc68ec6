# ruff: noqa  (hostile code written to attack the grader, not to be tidy)
"""Tries to write everywhere outside its own folder, then answers wrongly."""

import os
from pathlib import Path

TARGETS = [
    "/tmp/nnkata-hostile-was-here",
    "/work/main/nnkata-hostile-was-here",
    "/root/nnkata-hostile-was-here",
    "../nnkata-hostile-was-here",
    "../../nnkata-hostile-was-here",
    "../../../nnkata-hostile-was-here",
    "../../../gradebook.csv",
    "../../../results/good.json",
    os.path.expanduser("~/nnkata-hostile-was-here"),
]
for target in TARGETS:
    try:
        Path(target).write_text("pwned")
    except OSError:
        pass


def weighted_sum(weights, activations, bias):
    return -1.0


def layer_weighted_sums(weights, activations, biases):
    return -1.0
