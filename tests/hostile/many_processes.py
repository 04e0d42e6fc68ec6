"""Starts sleeping children until fork fails, and lets the failure escape (exit 1)."""

import os
import time

children = 0
while True:
    if os.fork() == 0:
        time.sleep(600)
        os._exit(0)
    children += 1
    print(children, flush=True)
