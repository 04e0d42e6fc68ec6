# ruff: noqa  (hostile code written to attack the grader, not to be tidy)
"""Forges an outcomes file with the right number of 'ok' outcomes, then exits early."""

import os

from grader import transport
from grader.calling import Outcome

request = transport.load("request.npz")
fake = [Outcome("ok", value=1.0) for _ in request["calls"]]
transport.save({"exercise": request["exercise"], "outcomes": fake}, os.path.abspath("outcomes.npz"))
os._exit(0)
