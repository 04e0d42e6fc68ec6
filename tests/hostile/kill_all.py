"""Tries to kill everything it can name: kill(-1), its parent, PID 1 and every pid number."""

import os
import signal

attempts = {}
for name, pid in (("everything", -1), ("parent", os.getppid()), ("init", 1)):
    try:
        os.kill(pid, signal.SIGKILL)
        attempts[name] = "sent"
    except OSError as error:
        attempts[name] = type(error).__name__
sent = 0
for pid in range(2, 1 << 16):
    if pid == os.getpid():
        continue
    try:
        os.kill(pid, signal.SIGKILL)
        sent += 1
    except OSError:
        pass
print(attempts, "signals sent by pid:", sent, flush=True)
