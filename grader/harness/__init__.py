"""Code that runs inside the sandbox, next to the student's code.

Only this folder is copied into the sandbox: nothing here may import the rest
of the grader, and nothing here sees expected values, thresholds or labels.
The parent sends inputs (random weights, training arrays, test *inputs*) and
parameters (epochs, seeds); the harness sends back observations.
"""
