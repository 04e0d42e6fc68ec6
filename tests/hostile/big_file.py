"""Writes a 1 GiB file into the working directory."""

chunk = b"z" * 1024**2
with open("big.bin", "wb") as out:
    for _ in range(1024):
        out.write(chunk)
