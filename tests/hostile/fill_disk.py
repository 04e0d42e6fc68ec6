"""Fills the disk one MiB file at a time, then waits: only a cap on the total can stop it.

``python fill_disk.py MODE [COUNT]`` (default: files 64): writes COUNT files of 1 MiB (at most
COUNT MiB in all, so a sandbox bug cannot fill the machine), then sleeps for a minute.
MODE says how the files are kept:
  files     plain files in the working directory
  deep      in a folder 30 levels down, its path longer than PATH_MAX
  unlinked  deleted at once, each kept by an open descriptor
  mapped    deleted at once, each kept by a one-page mapping (its descriptor closed)
  empty     COUNT empty files (no data at all)
  exit      plain files, then exit at once instead of waiting
  small     COUNT files of 64 KiB, then exit at once (a worker within every limit)
Imported as a module (a learner's hand-in), it runs as "files 64".
"""

import mmap
import os
import sys
import time

MIB = b"d" * 1024**2
kept = []


def main(mode: str, count: int) -> None:
    if mode == "deep":
        for _ in range(30):
            os.mkdir("d" * 200)
            os.chdir("d" * 200)  # relative steps: the full path is far beyond PATH_MAX
    for number in range(count):
        name = f"fill-{number:04d}.bin"
        if mode == "empty":
            open(name, "wb").close()
            continue
        handle = open(name, "w+b")  # noqa: SIM115 (kept open on purpose in "unlinked" mode)
        if mode in ("unlinked", "mapped"):
            os.unlink(name)
        handle.write(MIB[: 64 * 1024] if mode == "small" else MIB)
        handle.flush()
        if mode == "unlinked":
            kept.append(handle)
        elif mode == "mapped":
            kept.append(mmap.mmap(handle.fileno(), 4096))
            handle.close()
        else:
            handle.close()
    print(f"wrote {count}", flush=True)
    if mode not in ("exit", "small"):
        time.sleep(60)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "files", int(sys.argv[2]) if len(sys.argv) > 2 else 64)
else:
    main("files", 64)
