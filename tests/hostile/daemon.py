"""Double-forks a daemon that calls setsid and sleeps; the original process exits at once."""

import os
import time

if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        with open("daemon-started", "w") as marker:
            marker.write(str(os.getpid()))
        time.sleep(600)
        with open("daemon-survived", "w") as marker:
            marker.write("still here")
    os._exit(0)
os.wait()
for _ in range(200):  # wait for the daemon to be up, so the test sees a real survivor
    if os.path.exists("daemon-started"):
        break
    time.sleep(0.01)
print("parent leaves")
