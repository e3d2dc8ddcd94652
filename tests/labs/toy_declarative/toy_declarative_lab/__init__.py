"""A lab with no Python of its own beyond this declaration: its rubric uses only generic probes and checks."""

from pathlib import Path

from grader.lab import Lab


class ToyDeclarativeLab(Lab):
    name = "toydecl"
    title = "Toy lab written as data: relu and an MNIST perceptron"
    files_root = Path(__file__).resolve().parent


lab = ToyDeclarativeLab()
