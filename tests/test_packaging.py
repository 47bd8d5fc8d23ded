"""A normal install: the metadata files agree with pyproject.toml, and a wheel installed in a
fresh environment prints its version, runs the baseline and serves the dashboard from a folder
far from any checkout."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import tomllib
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from conftest import ROOT

PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def test_the_citation_names_the_package_s_version_and_licence():
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["cff-version"] == "1.2.0" and citation["title"].startswith("allysim")
    assert citation["version"] == PROJECT["version"] and citation["license"] == PROJECT["license"] == "MIT"
    assert "MIT License" in (ROOT / "LICENSE").read_text()


# ------------------------------------------------------------------ a wheel in a fresh environment
NOT_SOURCES = shutil.ignore_patterns(".git", ".venv", "build", "dist", "*.egg-info", "results", ".cache", "__pycache__",
                                     ".*_cache", ".hypothesis", ".ipynb_checkpoints")  # fmt: skip
PIP = [sys.executable, "-m", "pip", "--disable-pip-version-check", "--no-input", "-q"]


@dataclass
class Installed:
    """A fresh environment with allysim installed from its wheel, and a folder far from the checkout."""

    python: Path
    elsewhere: Path
    environ: dict[str, str]

    def run(self, *command: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(command, cwd=self.elsewhere, env=self.environ, capture_output=True, text=True,
                              timeout=timeout)  # fmt: skip

    def allysim(self, *args: str) -> subprocess.CompletedProcess:
        return self.run("allysim", *args)


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    """`pip install .` as a user does it: a wheel (built from a copy, as a build leaves build/
    behind), its dependencies from pip's cache, no editable finder and no checkout in sight."""
    tmp = tmp_path_factory.mktemp("wheel")
    source, dist, env, elsewhere = (tmp / name for name in ("source", "dist", "env", "elsewhere"))
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    subprocess.run([*PIP, "wheel", "--no-deps", "-w", str(dist), str(source)], check=True, capture_output=True)
    (wheel,) = dist.glob("allysim-*.whl")
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    subprocess.run([*PIP, "--python", str(python), "install", "--no-compile", f"{wheel}[dashboard,calibration]"],
                   check=True, capture_output=True)  # fmt: skip
    elsewhere.mkdir()
    environ = {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}
    environ |= {"PATH": f"{env / 'bin'}{os.pathsep}{environ['PATH']}", "ALLYSIM_CACHE": str(tmp / "cache")}
    return Installed(python, elsewhere, environ)


@pytest.mark.slow
def test_the_installed_package_is_the_wheel_s_and_knows_its_version(installed):
    done = installed.allysim("--version")
    assert (done.returncode, done.stdout) == (0, f"allysim {PROJECT['version']}\n"), done.stderr
    where = installed.run(str(installed.python), "-c", "import sim; print(sim.__file__)").stdout
    assert Path(where).is_relative_to(installed.python.parents[1]), where  # not the checkout


@pytest.mark.slow
def test_the_installed_package_runs_the_baseline_from_another_folder(installed):
    done = installed.allysim("run")
    assert done.returncode == 0, done.stderr
    out = installed.elsewhere / "results" / "baseline_2019-seed1"
    assert {"rounds.parquet", "events.parquet", "summary.json", "manifest.json", "trace.png"} <= {
        p.name for p in out.iterdir()
    }
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["versions"]["allysim"] == PROJECT["version"] and manifest["rounds"] == 28


@pytest.mark.slow
def test_the_installed_package_ships_the_cases_and_calibrations(installed):
    code = ("from sim.calibration.spec import calibration_path, load_calibration as load; "
            "c = load(calibration_path('history')); print(c.path.parent.parent.parent.name, len(c.cases))")  # fmt: skip
    done = installed.run(str(installed.python), "-c", code)
    assert (done.returncode, done.stdout) == (0, "sim 6\n"), done.stderr  # sim/configs/calibration/, six cases
    done = installed.allysim("run", "--posterior", "nowhere", "--no-plot")
    assert done.returncode == 2 and "holds no finished calibration" in done.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def status(url: str, server: subprocess.Popen, limit: float) -> int:
    """The HTTP status of `url` once the server answers; fails if it stops or keeps silent."""
    deadline = time.monotonic() + limit
    while True:
        assert server.poll() is None, "the dashboard stopped before it answered"
        assert time.monotonic() < deadline, f"no answer from {url} in {limit:g} s"
        try:
            with urllib.request.urlopen(url, timeout=2) as page:
                return page.status
        except OSError:
            time.sleep(0.3)


@pytest.mark.slow
def test_the_installed_package_serves_the_dashboard_from_another_folder(installed, tmp_path):
    # the cache as fetching fills it (the fetch itself is the browser test's): no npm needed here
    cache = Path(installed.environ["ALLYSIM_CACHE"]) / "solara-assets"
    missing = "import sys, pathlib; from sim import page_assets; print(*page_assets.missing(pathlib.Path(sys.argv[1])))"
    for spec in installed.run(str(installed.python), "-c", missing, str(cache)).stdout.split():
        (cache / spec).mkdir(parents=True)
        (cache / spec / "package.json").write_text("{}")
    port, log = free_port(), tmp_path / "dashboard.log"
    with open(log, "w") as sink:
        server = subprocess.Popen(["allysim", "dashboard", "--port", str(port), "--no-open"], cwd=installed.elsewhere,
                                  env=installed.environ, stdout=sink, stderr=subprocess.STDOUT)  # fmt: skip
    try:
        answer = status(f"http://127.0.0.1:{port}/", server, limit=90)
    except AssertionError as failure:
        raise AssertionError(f"{failure}; its output:\n{log.read_text()}") from None
    finally:
        server.terminate()  # the command stops its server before it ends
        server.wait(timeout=20)
    printed = log.read_text()
    assert answer == 200 and "Traceback" not in printed and "fetching" not in printed, printed
