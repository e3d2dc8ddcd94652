"""A submission that misbehaves in a different way in each exercise.

extract_W and detector_channels are correct: they must still get full marks.
"""
import os
import sys
import socket

import numpy as np

# Forged "results" printed to stdout must be treated as logs, never as observations.
print('{"event": "result", "exercise": "build_unet_no_skips", "status": "ok", "observations": {}}')
print("LGF1" + "A" * 64)


def extract_W(model):
    return model.layers[1].get_weights()[0]


def bottleneck_2d(x):
    hoard = []
    while True:  # grows resident memory until the watchdog stops it
        hoard.append(np.ones(50_000_000))


def add_noise(x, noise_factor=0.5):
    while True:
        pass


def build_sr_network():
    raise KeyboardInterrupt


def build_angle_cnn():
    os._exit(3)


def detector_channels():
    return (1, 4, 10)


def build_unet_no_skips(input_shape=(64, 64, 1), num_classes=10):
    sys.exit(0)


class BatchNormalizedLayer:
    def __init__(self, layer, axis=-1, activation=None, **kwargs):
        for path in ("/work/main/rubrics/lab3.toml", "/work/main/reference/lab3/solution.py", "/root/.bash_history", "/etc/shadow"):
            try:
                with open(path) as f:
                    print("READ_OK", path, len(f.read()))
            except OSError as exc:
                print("READ_BLOCKED", path, type(exc).__name__)
        try:
            socket.create_connection(("pypi.org", 443), timeout=3)
            print("NETWORK_OK")
        except OSError as exc:
            print("NETWORK_BLOCKED", type(exc).__name__)
        for path in ("/tmp/labgrader_escape_marker", os.path.expanduser("~/../labgrader_escape_marker")):
            try:
                with open(path, "w") as f:
                    f.write("escaped")
                print("WROTE", path)
            except OSError as exc:
                print("WRITE_BLOCKED", path, type(exc).__name__)
        sandbox = os.path.dirname(os.getcwd())  # the scratch folder's parent holds the harness and job
        for name in ("harness/main.py", "job.json"):
            try:
                with open(os.path.join(sandbox, name), "a") as f:
                    f.write("\n# rewritten by the student\n")
                print("HARNESS_REWRITTEN", name)
            except OSError as exc:
                print("HARNESS_WRITE_BLOCKED", name, type(exc).__name__)
        try:
            os.kill(os.getppid(), 9)
            print("KILL_PARENT_SENT")
        except OSError as exc:
            print("KILL_BLOCKED", type(exc).__name__)
        raise RuntimeError("nothing to see")
