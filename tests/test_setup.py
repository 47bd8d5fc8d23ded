"""The set-up the README promises: the Makefile finds a Python 3.12+ or says what to install."""

from __future__ import annotations

import subprocess
import sys

from conftest import ROOT


def find_python(*args: str, env: dict | None = None) -> str:
    done = subprocess.run(["bash", str(ROOT / "scripts" / "find_python.sh"), *args], capture_output=True,
                          text=True, env=env)  # fmt: skip
    return done.stdout.strip()


def test_an_interpreter_named_with_python_is_taken_when_new_enough():
    assert find_python(sys.executable) == sys.executable


def test_an_interpreter_that_is_too_old_or_missing_is_refused():
    old = subprocess.run(["bash", "-c", "command -v python3.11 || true"], capture_output=True, text=True).stdout
    if old.strip():
        assert find_python(old.strip()) == ""
    assert find_python("/nonexistent/python3") == ""


def test_without_any_interpreter_make_says_what_to_install(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYENV_ROOT": str(tmp_path / "no-pyenv")}
    done = subprocess.run(["make", "-C", str(ROOT), "-s", "venv", "PYTHON=/nonexistent/python3",
                           f"VENV={tmp_path / 'venv'}"], capture_output=True, text=True, env=env)  # fmt: skip
    assert done.returncode != 0
    assert "needs Python 3.12 or newer" in done.stderr and "pyenv install 3.12" in done.stderr
    assert not (tmp_path / "venv").exists()


def test_a_python_named_that_is_too_old_is_refused_by_its_version_even_beside_a_venv(tmp_path):
    old = tmp_path / "python3.11"
    old.write_text("#!/bin/sh\necho 3.11\n")  # answers the version query as Python 3.11 would
    old.chmod(0o755)
    venv = tmp_path / "venv"
    venv.mkdir()
    (venv / ".installed").touch()  # a set-up .venv must not hide that the named interpreter is refused
    done = subprocess.run(["make", "-C", str(ROOT), "-s", "demo", f"PYTHON={old}", f"VENV={venv}"],
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode != 0
    assert f"Python 3.11 is too old: allysim needs 3.12 or newer (PYTHON={old})" in done.stderr
    assert find_python(str(old)) == ""
