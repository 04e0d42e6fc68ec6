"""Tries to create each path given on the command line; prints one JSON line per attempt."""

import json
import sys

for path in sys.argv[1:]:
    try:
        with open(path, "w") as out:
            out.write("escaped\n")
        outcome = "written"
    except OSError as error:
        outcome = f"{type(error).__name__}: {error.strerror}"
    print(json.dumps({"path": path, "outcome": outcome}))
