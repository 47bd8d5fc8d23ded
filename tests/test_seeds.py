"""Run seeds: 64 bits of each run's child of the root SeedSequence, wide enough for any sweep."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import BASELINE

from sim.experiment.design import load_sweep
from sim.experiment.seeds import run_seed, run_seeds

KEYS = [0, 1, 2, 3, 999, 2**31, 2**32 - 1, 2**32, 2**32 + 1, 2**40 + 7, 2**63 + 5, 2**64 - 1]


@pytest.mark.parametrize("root", [0, 1, 2019, 2**32, 2**64 + 3, 2**128 - 1, 2**128, 2**200 + 12345])
def test_each_seed_is_the_first_64_bits_of_its_child_of_the_root_sequence(root):
    keys = KEYS + [int(k) for k in np.random.default_rng(root % 2**32).integers(0, 2**63, 50)]
    expected = [int(np.random.SeedSequence(root, spawn_key=(k,)).generate_state(1, np.uint64)[0]) for k in keys]
    assert [int(s) for s in run_seeds(root, keys)] == expected
    children = np.random.SeedSequence(root).spawn(4)
    assert [run_seed(root, i) for i in range(4)] == [int(c.generate_state(1, np.uint64)[0]) for c in children]


def test_a_million_run_seeds_never_repeat():
    seeds = run_seeds(2019, np.arange(1_000_000))  # one sweep of a million runs
    assert seeds.dtype == np.uint64 and np.unique(seeds).size == 1_000_000
    assert (seeds > 2**63).any() and (seeds < 2**32).sum() < 10  # the whole 64 bits are used
    # a thousand sweeps (root seeds 0-999) of a thousand runs each
    across = np.concatenate([run_seeds(root, np.arange(1000)) for root in range(1000)])
    assert np.unique(across).size == 1_000_000
    # The 32-bit seeds runs had before (`generate_state(1)`) are these seeds' low halves. Within
    # one root they are a permutation of the run ids; across roots a million of them repeat
    # some 116 times (n^2 / 2^33), as any million draws of 32 bits do.
    narrow = across & np.uint64(0xFFFFFFFF)
    assert [int(x) for x in narrow[:3]] == [int(np.random.SeedSequence(0, spawn_key=(i,)).generate_state(1)[0])
                                            for i in range(3)]  # fmt: skip
    assert 1_000_000 - np.unique(narrow).size > 50


SWEEP = """
name: crn
scenario: {base}
set: {{rounds: 6}}
parameters:
  hosts.south_korea.demand_usd_bn: {{values: [2.0, 3.0, 5.0]}}
design: {{sampler: grid, common_random_numbers: {crn}}}
replicates: 4
root_seed: 11
"""


@pytest.mark.parametrize("crn", [False, True])
def test_a_plan_gives_each_run_its_seed_and_common_random_numbers_share_one_per_replicate(tmp_path, crn):
    path = tmp_path / "crn.yaml"
    path.write_text(SWEEP.format(base=BASELINE, crn=str(crn).lower()))
    plan = load_sweep(path)
    runs = plan.runs(range(plan.runs_total))
    assert [(r.run_id, r.point, r.replicate) for r in runs] == [(i, i // 4, i % 4) for i in range(12)]
    assert all(plan.run(r.run_id) == r for r in runs)
    keys = [r.replicate if crn else r.run_id for r in runs]
    assert [r.seed for r in runs] == [run_seed(11, k) for k in keys]
    assert len({r.seed for r in runs}) == (4 if crn else 12)
    assert all(isinstance(r.seed, int) for r in runs)  # plain ints: to the model, JSON and Arrow
