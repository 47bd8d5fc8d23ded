"""A hash of everything a set of runs produces: the check that a change for speed changed no result.

For each shipped scenario (or those named), N seeds are run; the rounds table, the event log and
the summary of each run are hashed (the tables through their Parquet bytes, the summary as
sorted JSON), and one hash per scenario and one of them all are printed. Two checkouts whose
lines agree give the same results to the last bit on those runs.

    .venv/bin/python benchmarks/fingerprint.py                 # 60 seeds of every scenario
    .venv/bin/python benchmarks/fingerprint.py --runs 300 baseline_2019 analytic
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.config import load_scenario  # noqa: E402
from sim.model import AllianceModel  # noqa: E402
from sim.outcomes import collect  # noqa: E402


def run_hash(scenario, seed: int) -> bytes:
    result = collect(AllianceModel(scenario, rng=seed).run(), seed)
    digest = hashlib.sha256()
    for frame in (result.rounds, result.events):
        buffer = io.BytesIO()
        frame.to_parquet(buffer, index=False)
        digest.update(buffer.getvalue())
    digest.update(json.dumps(result.summary, sort_keys=True, default=str).encode())
    return digest.digest()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenarios", nargs="*", help="names in configs/scenarios (default: all)")
    parser.add_argument("--runs", type=int, default=60, help="seeds 0 .. N-1 of each (default 60)")
    args = parser.parse_args()
    names = args.scenarios or sorted(p.stem for p in (ROOT / "configs" / "scenarios").glob("*.yaml"))
    whole = hashlib.sha256()
    for name in names:
        scenario = load_scenario(ROOT / "configs" / "scenarios" / f"{name}.yaml")
        digest = hashlib.sha256()
        for seed in range(args.runs):
            digest.update(run_hash(scenario, seed))
        whole.update(digest.digest())
        print(f"{name:28s} {digest.hexdigest()[:16]}")
    print(f"{'all':28s} {whole.hexdigest()[:16]}  ({args.runs} seeds each)")


if __name__ == "__main__":
    main()
