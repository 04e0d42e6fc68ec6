"""Tries to reach TCP port argv[1] on 127.0.0.1 (a server the test runs on the host)."""

import socket
import sys

try:
    with socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2) as connection:
        print("connected:", connection.recv(100).decode())
except OSError as error:
    print("refused:", type(error).__name__, error)
