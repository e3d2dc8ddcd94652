"""The README's "Set up and run" commands, run as they are written.

The commands are read from the fenced ``bash`` blocks of that section at test
time, so an edit of the README changes what is run here. What is run:

* every command that does not run pytest (the install + ``grader check lab3
  examples/lab3/complete_submission.ipynb`` line): exactly as written, with
  ``bash -e -o pipefail -c``, in a copy of the working tree (tracked and
  untracked, not ignored, files), in a NEW virtual environment created for the
  test without the system's or this environment's site-packages. The
  environment's ``bin`` comes first on PATH (as after ``source bin/activate``)
  and every other virtual environment is removed from PATH, so ``python3`` and
  ``grader`` are the fresh ones. pip downloads from the index configured for
  it (its cache, ``~/.cache/pip``, is the fast path: no cache, no local
  wheels). It must exit 0 and the check must report full marks (80/80).
* the test command (``python3 -m pytest``): with ``--collect-only -q``
  appended, in that same environment, so the suite is collected (every test
  module imports with only what ``.[test]`` installed) but not run again
  inside itself. The inner run also has ``LABGRADER_README_TEST=inner`` set,
  which skips this module there.

The install downloads TensorFlow and the rest (several hundred MB) unless pip's
cache has them, hence ``slow``. The quick test below only checks that the
section still has the commands this module and ``.ci/run`` rely on.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import venv
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
SECTION = "Set up and run"
INNER = os.environ.get("LABGRADER_README_TEST") == "inner"

pytestmark = pytest.mark.skipif(INNER, reason="inside the README test's own `pytest --collect-only` run")


def setup_commands(readme: str) -> list[str]:
    """The shell commands in the ```bash blocks of the README's "Set up and run" section."""
    match = re.search(rf"^##[ \t]+{re.escape(SECTION)}[ \t]*\n(.*?)(?=^##[ \t]|\Z)", readme, re.M | re.S)
    if match is None:
        raise AssertionError(f"README.md has no '## {SECTION}' section")
    commands = []
    for block in re.findall(r"^```(?:bash|sh|shell)[ \t]*\n(.*?)^```", match.group(1), re.M | re.S):
        pending = ""
        for line in block.splitlines():
            line = pending + line.strip()
            pending = ""
            if line.endswith("\\"):  # continued on the next line
                pending = line[:-1].rstrip() + " "
                continue
            line = line.removeprefix("$ ")
            if line and not line.startswith("#"):
                commands.append(line)
        if pending.strip():
            commands.append(pending.strip())
    return commands


def runs_pytest(command: str) -> bool:
    return re.search(r"(^|[\s;&|(])(python3?\s+-m\s+pytest|pytest)(\s|$)", command) is not None


def readme_commands() -> list[str]:
    return setup_commands((REPO / "README.md").read_text(encoding="utf-8"))


def test_readme_section_has_an_install_check_and_test_command():
    commands = readme_commands()
    assert any("pip install" in c and "grader check" in c for c in commands), commands
    tests = [c for c in commands if runs_pytest(c)]
    assert len(tests) == 1, commands
    # .ci/run calls the README's test command (with its own environment first on PATH)
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert any(line.strip() == tests[0] for line in ci.splitlines()), f".ci/run does not run {tests[0]!r}"


def test_setup_commands_parsing():
    readme = ("# x\n\n## Set up and run\n\ntext\n\n```bash\n# a comment\n$ pip install \\\n  -e .\n\ngrader check a b\n```\n\n"
              "```python\nnot = 'a command'\n```\n\n```bash\npython3 -m pytest\n```\n\n## Next\n\n```bash\nnot this\n```\n")
    assert setup_commands(readme) == ["pip install -e .", "grader check a b", "python3 -m pytest"]
    assert runs_pytest("python3 -m pytest") and runs_pytest("cd x && pytest -q") and not runs_pytest("pip install pytest-cov")


def _copy_working_tree(into: Path) -> Path:
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO / name
        if source.is_file():  # a tracked file deleted in the working tree is not copied
            (into / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, into / name)
    return into


def _fresh_environment(env_dir: Path) -> dict[str, str]:
    """A new virtual environment (no site-packages but its own) and the environment variables of a shell in it."""
    venv.EnvBuilder(with_pip=True, system_site_packages=False, clear=True).create(env_dir)
    env = {k: v for k, v in os.environ.items()
           if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP", "PYTEST_ADDOPTS", "PYTHONUSERBASE")}
    # any other virtual environment off PATH, so that a missing `grader` or `python3` cannot come from one
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p and not (Path(p).parent / "pyvenv.cfg").is_file()]
    env.update(PATH=os.pathsep.join([str(env_dir / "bin"), *path]), VIRTUAL_ENV=str(env_dir),
               PYTHONNOUSERSITE="1", PIP_DISABLE_PIP_VERSION_CHECK="1", LABGRADER_README_TEST="inner")
    return env


def _run(command: str, cwd: Path, env: dict[str, str], timeout: float) -> subprocess.CompletedProcess:
    print(f"$ {command}", flush=True)
    started = time.perf_counter()
    proc = subprocess.run(["bash", "-e", "-o", "pipefail", "-c", command], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)
    print(proc.stdout[-20000:], proc.stderr[-20000:], f"(exit {proc.returncode} after {time.perf_counter() - started:.0f} s)", sep="\n")
    return proc


@pytest.mark.slow
@pytest.mark.skipif(sys.platform == "win32", reason="the README's commands are bash")
@pytest.mark.skipif(shutil.which("git") is None or shutil.which("bash") is None, reason="needs git and bash")
def test_readme_set_up_and_run_commands_in_a_fresh_environment(tmp_path):
    commands = readme_commands()
    work = _copy_working_tree(tmp_path / "labgrader")
    env = _fresh_environment(tmp_path / "venv")
    interpreter = subprocess.run(["bash", "-c", "command -v python3"], env=env, capture_output=True, text=True).stdout.strip()
    assert interpreter == str(tmp_path / "venv" / "bin" / "python3")

    for command in commands:
        if runs_pytest(command):
            # collected, not run: running the whole suite inside itself would take as long again
            proc = _run(command + " --collect-only -q", work, env, timeout=900)
            assert proc.returncode == 0, f"{command} --collect-only -q exited {proc.returncode}"
            collected = re.search(r"(\d+) tests? collected", proc.stdout)
            assert collected and int(collected.group(1)) > 0, proc.stdout[-2000:]
            continue
        proc = _run(command, work, env, timeout=3600)
        assert proc.returncode == 0, f"`{command}` exited {proc.returncode}:\n{proc.stdout[-4000:]}\n{proc.stderr[-4000:]}"
        if "grader check" in command:
            total = re.search(r"Total:\s*([\d.]+)/([\d.]+)", proc.stdout)
            assert total, proc.stdout[-4000:]
            assert float(total.group(1)) == float(total.group(2)) > 0, total.group(0)
    grader_script = env["PATH"].split(os.pathsep)[0] + "/grader"
    assert Path(grader_script).is_file(), "the install did not put `grader` in the fresh environment"
