"""Linkage emerges as a belief (MODEL.md): after a deal at one table, the patron's idea of a fair
payment at the others moves toward the precedent, at a rate in the scenario, and the talks that
open later open in its light. Thresholds sit at least three standard errors from the rates
measured over 200 seeds."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import common_and_rare, region, sk

pytestmark = pytest.mark.slow  # many seeds: `make test-fast` leaves it out

JP = "japan"
NO_CHANGE = {"calendar.administration_changes": []}  # one administration: linkage is not reset


def moved(r) -> bool:
    """Seoul's deal moved the patron's aspiration for Japan by more than 10%."""
    events = r.events[(r.events.kind == "linkage") & (r.events.table == JP)]
    return bool((abs(events.value - 1) > 0.10).any())


def test_a_precedent_moves_the_aspiration_when_it_differs_from_it():
    """A patron that thought Japan should pay $6bn learns from Seoul's deal at about +35%; one
    that thought $2.45bn (about the same increase) has little to learn."""
    common_and_rare("linkage", moved, ("baseline_2019", {**NO_CHANGE, "hosts.japan.aspiration_usd_bn": 6.0}),
                    ("baseline_2019", {**NO_CHANGE, "hosts.japan.aspiration_usd_bn": 2.45}),
                    common=0.8, rare=0.2)  # fmt: skip


def test_japans_talks_open_lower_and_end_lower_after_a_modest_korean_precedent():
    """The same seeds with and without learning from the precedent (rate 0.3 against 0): Japan's
    opening demand falls with the patron's aspiration, and so does the payment it agrees."""
    high = {**NO_CHANGE, "hosts.japan.aspiration_usd_bn": 6.0}
    linked = region("baseline_2019", **high)
    unlinked = region("baseline_2019", **high, **{"patron.linkage.rate": 0.0})
    opening = np.array([r.rounds[f"{JP}.demand_usd_bn"].dropna().iloc[0] for r in linked])
    print(f"Japan's opening demand after Seoul's precedent: median {np.median(opening):.2f} (configured 8.00)")
    assert np.median(opening) < 0.9 * 8.0
    paid = np.array([(sk(a, JP)["payment_usd_bn"] or 0.0) - (sk(b, JP)["payment_usd_bn"] or 0.0)
                     for a, b in zip(linked, unlinked, strict=True)])  # fmt: skip
    half_width = 1.96 * paid.std(ddof=1) / np.sqrt(len(paid))
    print(f"Japan's payment with linkage minus without: {paid.mean():+.3f} +- {half_width:.3f} $bn")
    assert paid.mean() + half_width < 0
