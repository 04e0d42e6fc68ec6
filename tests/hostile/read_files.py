"""Tries to read each path given on the command line (files, or directories to list)."""

import json
import os
import sys

for path in sys.argv[1:]:
    try:
        if os.path.isdir(path):
            content = sorted(os.listdir(path))
        else:
            with open(path, errors="replace") as source:
                content = source.read(200)
        outcome = {"read": content}
    except OSError as error:
        outcome = {"error": type(error).__name__}
    print(json.dumps({"path": path, **outcome}))
