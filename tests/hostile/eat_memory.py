"""Allocates and touches 64 MiB blocks until something stops it."""

blocks = []
while True:
    block = bytearray(64 * 1024**2)
    block[::4096] = b"x" * len(block[::4096])  # touch every page so it is really resident
    blocks.append(block)
