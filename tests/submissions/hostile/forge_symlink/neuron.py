# ruff: noqa  (hostile code written to attack the grader, not to be tidy)
"""Replaces the worker's answer by a symlink to an endless device, then exits before answering."""

import os

os.symlink("/dev/zero", "outcomes.npz")
os._exit(0)
