# ruff: noqa  (hostile code written to attack the grader, not to be tidy)
"""Writes a forged outcomes file claiming success, then exits before the worker can answer."""

import os
import sys

import numpy as np

FAKE = {"exercise": "01_neuron", "outcomes": "everything passed", "score": 100}


def forge():
    for arg in sys.argv[1:]:
        if arg.endswith(".npz"):
            for path in (arg, os.path.join(os.path.dirname(arg), "outcomes.npz")):
                try:
                    with open(path, "wb") as file:
                        np.savez(file, __manifest__=np.frombuffer(b'{"str": "full marks"}', dtype=np.uint8))
                except OSError:
                    pass
    try:
        from grader import transport
        from grader.calling import Outcome

        outcomes = [Outcome("ok", value=0.0) for _ in range(1000)]
        transport.save({"exercise": "01_neuron", "outcomes": outcomes}, os.path.abspath("outcomes.npz"))
    except Exception:
        pass
    for target in ("../../../results.json", "../../../gradebook.csv", "../../results/good.json"):
        try:
            with open(target, "w") as file:
                file.write("learner,total\nforge_outcomes,100\n")
        except OSError:
            pass


forge()
os._exit(0)
