"""Which of labgrader's files the sandbox hides, for each install layout (fast: fake distributions).

The end-to-end attacks (tests/test_sandbox.py) run on this checkout's own
layout; these cover the others: a wheel in site-packages, an editable install
(a copy of the lab files beside a `.pth`), and a lab shipped as a distribution
of its own.
"""

from __future__ import annotations

from pathlib import Path

import grader.sandbox as sandbox


class FakeDistribution:
    def __init__(self, base: Path, files: list[str]) -> None:
        self.base, self.files = base, [Path(f) for f in files]
        for file in files:
            path = base / file
            if not file.startswith(".."):
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text("x")

    def locate_file(self, path):
        return self.base / path


def _hidden(monkeypatch, tmp_path, distributions) -> set[str]:
    site = tmp_path / "site-packages"
    site.mkdir(exist_ok=True)
    monkeypatch.setattr(sandbox, "_python_roots", lambda: [str(tmp_path), str(site)])
    monkeypatch.setattr(sandbox, "_installed_lab_distributions", lambda: [d(site) for d in distributions])
    return {str(Path(p).relative_to(site)) for p in sandbox._hidden_in_python_roots() if p.startswith(str(site))}


def test_a_wheel_hides_the_package_and_its_metadata(monkeypatch, tmp_path):
    wheel = lambda site: FakeDistribution(site, ["grader/__init__.py", "grader/_lab_files/reference/lab3/solution.py",  # noqa: E731
                                                 "labgrader-0.1.0.dist-info/RECORD", "../../../bin/grader"])
    assert _hidden(monkeypatch, tmp_path, [wheel]) == {"grader", "labgrader-0.1.0.dist-info"}


def test_an_editable_install_hides_its_lab_files_copy_and_pth(monkeypatch, tmp_path):
    editable = lambda site: FakeDistribution(site, ["_editable_impl_labgrader.pth", "grader/_lab_files/rubrics/lab3.toml",  # noqa: E731
                                                    "labgrader-0.1.0.dist-info/RECORD"])
    assert _hidden(monkeypatch, tmp_path, [editable]) == {"_editable_impl_labgrader.pth", "grader", "labgrader-0.1.0.dist-info"}


def test_a_lab_of_its_own_distribution_is_hidden_too(monkeypatch, tmp_path):
    lab = lambda site: FakeDistribution(site, ["mycourse_labs/__init__.py", "mycourse_labs/reference/lab/solution.py",  # noqa: E731
                                               "mycourse_labs-1.0.dist-info/RECORD"])
    assert _hidden(monkeypatch, tmp_path, [lab]) == {"mycourse_labs", "mycourse_labs-1.0.dist-info"}


def test_the_mounts_cover_hidden_folders_with_tmpfs_and_files_with_dev_null(monkeypatch, tmp_path):
    folder, file = tmp_path / "grader", tmp_path / "x.pth"
    folder.mkdir()
    file.write_text("")
    monkeypatch.setattr(sandbox, "_hidden_in_python_roots", lambda: [str(folder), str(file)])
    bwrap = sandbox._bwrap_mounts()
    assert ["--tmpfs", str(folder)] == bwrap[bwrap.index(str(folder)) - 1:bwrap.index(str(folder)) + 1]
    assert bwrap[bwrap.index(str(file)) - 2:bwrap.index(str(file)) + 1] == ["--ro-bind", "/dev/null", str(file)]
    namespaces = sandbox._namespace_mounts()
    assert ["hide-dir", str(folder)] == namespaces[namespaces.index(str(folder)) - 1:namespaces.index(str(folder)) + 1]
    assert ["hide-file", str(file)] == namespaces[namespaces.index(str(file)) - 1:namespaces.index(str(file)) + 1]


def test_where_the_kernel_allows_user_namespaces_the_namespaces_mechanism_works():
    # The namespaces tests skip where the mechanism is unavailable; this keeps a defect in the
    # setup script from passing for the kernel's refusal (which a bare unshare would meet too).
    import shutil
    import subprocess

    import pytest

    unshare = sandbox._system_tool("unshare")
    if unshare is None or subprocess.run([unshare, "--user", "--map-root-user", "--mount", "--net", "--pid", "--fork", "true"],
                                         capture_output=True, timeout=30).returncode != 0 or shutil.which("chroot", path="/usr/sbin:/usr/bin") is None:
        pytest.skip("this kernel or container refuses user namespaces")
    sandbox.namespaces_available.cache_clear()
    assert sandbox.namespaces_available() == (True, unshare)
