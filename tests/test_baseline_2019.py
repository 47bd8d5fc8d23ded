"""The 2019 baseline, faithful to its sources (calibration_2019.yaml and the seed article of
2019-11-23), over 200 seeds: drawdowns rare ("a drawdown of American troops is unlikely"),
Seoul's hedging symbolic, its public almost unanimously against the $5bn while supporting the
alliance, and no deal near the $5bn demand. The rest of the outcome distribution is printed."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import SEEDS, rate, region, sk

pytestmark = pytest.mark.slow  # many seeds: `make test-fast` leaves it out

SK, JP = "south_korea", "japan"


def test_the_baseline_keeps_to_what_was_known_in_2019():
    runs = region("baseline_2019")
    drawdowns = rate(runs, lambda r: sk(r)["drawdowns"] > 0)
    hedging_peak = float(np.median([sk(r)["hedging_peak"] for r in runs]))
    first = [r.rounds.iloc[0] for r in runs]
    opposition = float(np.mean([row[f"{SK}.opposition"] for row in first]))  # to the $5bn on the table
    support = float(np.mean([r.rounds[f"{SK}.support"].mean() for r in runs]))
    paid = [sk(r)["payment_usd_bn"] for r in runs if sk(r)["deal"]]
    print(
        f"Seoul: drawdown in {drawdowns:.0%} of {SEEDS} runs; median hedging peak {hedging_peak:.2f}; "
        f"opposition to $5bn {opposition:.0%}; mean alliance support {support:.2f}; "
        f"highest deal ${max(paid):.2f}bn"
    )
    assert drawdowns <= 0.20
    assert hedging_peak < 0.3
    assert opposition >= 0.9 and 0.85 <= support <= 0.97
    assert max(paid) < 3.0  # nowhere near $5bn


def test_print_the_baseline_distribution():
    """Not an assertion of outcomes: the distribution the closing notes and the ODD report."""
    runs = region("baseline_2019")
    for host in (SK, JP):
        t = [sk(r, host) for r in runs]
        deals = [x for x in t if x["deal"]]
        inc = np.percentile([x["increase_pct"] for x in deals], [10, 50, 90]) if deals else [np.nan] * 3
        dates = sorted(x["deal_date"] for x in deals)

        def share(test, t=t) -> str:
            return f"{np.mean([bool(test(x)) for x in t]):.0%}"

        print(
            f"{host}: deal {len(deals) / len(t):.0%}; first-year increase q10/50/90 {inc[0]:+.0f}/{inc[1]:+.0f}/"
            f"{inc[2]:+.0f}%; deal dates q10/50/90 {dates[len(dates) // 10]} / {dates[len(dates) // 2]} / "
            f"{dates[9 * len(dates) // 10]}; walkout {share(lambda x: x['walkouts'])}; "
            f"threat {share(lambda x: x['threats'])}; drawdown {share(lambda x: x['drawdowns'])}; "
            f"lapse {share(lambda x: x['lapsed'])}; stall {share(lambda x: x['stalled_rounds'])}; "
            f"failed ratification {share(lambda x: x['ratification_failures'])}"
        )
    assert runs
