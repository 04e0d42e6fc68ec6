# ruff: noqa  (hostile code written to attack the grader, not to be tidy)
"""Replaces the worker's answer by a FIFO nobody writes to (a reader would block forever)."""

import os

os.mkfifo("outcomes.npz")
os._exit(0)
