"""Writes 1 GiB to stdout (and a little to stderr), fast."""

import sys

chunk = b"y" * 1024**2
sys.stderr.write("starting\n")
sys.stderr.flush()
for _ in range(1024):
    sys.stdout.buffer.write(chunk)
sys.stdout.flush()
