"""Not hostile: the bystander. Sleeps a while, then proves it survived by writing a file."""

import time

time.sleep(1.5)
with open("alive", "w") as marker:
    marker.write("yes")
print("victim done")
