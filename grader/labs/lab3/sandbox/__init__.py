"""Lab 3's sandbox half, copied into the sandbox as ``harness/lab``: probes, locators and given code.

Nothing here imports the grader: ``probes.py`` imports ``harness.*``, keras and
numpy; ``given.py`` (generated from the master notebook) imports keras and numpy.
"""
