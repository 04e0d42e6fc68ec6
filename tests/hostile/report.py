"""Benign: writes a result file, prints, and reports its view of the world as JSON."""

import importlib
import json
import os
import sys

modules = {}
for name in sys.argv[1:]:
    try:
        importlib.import_module(name)
        modules[name] = "ok"
    except ImportError as error:
        modules[name] = type(error).__name__
with open("result.txt", "w") as out:
    out.write("42\n")
site_dirs = [p for p in sys.path if p.endswith(("site-packages", "dist-packages"))]
print(
    json.dumps(
        {
            "uid": os.getuid(),
            "gid": os.getgid(),
            "cwd": os.getcwd(),
            "env": dict(os.environ),
            "modules": modules,
            "site_listing": {p: sorted(os.listdir(p)) for p in site_dirs if os.path.isdir(p)},
        }
    )
)
