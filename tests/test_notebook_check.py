"""grader.check() inside a real Jupyter kernel: graded in a sandbox, shown as HTML."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_check_in_a_running_kernel_grades_and_displays(tmp_path, repo):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import numpy as np\ndef add_noise(x, noise_factor=0.5):\n    return np.clip(x + noise_factor * np.random.normal(size=x.shape), 0, 1)"),
        nbformat.v4.new_code_cell("def detector_channels():\n    return (1, 4, 11)"),
        nbformat.v4.new_code_cell("import grader\nr1 = grader.check('add_noise')\nr2 = grader.check('detector_channels')\nprint(r1.exercises[0].status, r2.exercises[0].status)"),
    ]
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[2].outputs
    html = [o["data"]["text/html"] for o in outputs if o.get("output_type") == "display_data"]
    text = "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream")
    assert "passed failed" in text
    assert len(html) == 2 and "add_noise" in html[0] and "the cells you have run" in html[0]
    assert "expected 10" in html[1] or "classes: 11" in html[1]
