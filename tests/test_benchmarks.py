"""The calibration benchmark's quick variant runs from the repository and its figures agree
with the calibration it ran (speed itself is measured in benchmarks/, not asserted here)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_the_quick_calibration_benchmark_prints_coherent_figures(tmp_path):
    kept = tmp_path / "calibration"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench_calibrate.py"), "--quick", "--sweep-runs", "200",
         "--keep", str(kept), "--json"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    figures = json.loads(done.stdout)
    manifest = json.loads((kept / "manifest.json").read_text())
    print(figures)
    assert figures["calibration"] == "quick.yaml" and figures["workers"] == 2
    assert figures["calibration_runs"] == manifest["runs"] == manifest["evaluations"] * len(manifest["cases"]) > 0
    assert figures["calibration_fit_seconds"] == manifest["fit_seconds"] > 0
    assert figures["sweep_runs"] == 200 * len(manifest["cases"])
    rate = figures["calibration_runs"] / figures["calibration_fit_seconds"]
    assert figures["calibration_runs_per_second"] == pytest.approx(rate, abs=0.05)
    assert figures["ratio"] == pytest.approx(rate / figures["sweep_runs_per_second"], rel=0.01)
    assert (kept / "posterior.parquet").exists()
