"""The dashboard's panels (`sim/panels.py`) without a page: the zone of agreement is the tables'
own figures, the dance marks what the trace marks, no text is under the floor, and the news
reads in words."""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.collections import PolyCollection
from matplotlib.colors import to_hex
from matplotlib.text import Text

from sim import panels, talks
from sim.app import DashboardModel, Levers
from sim.words import country, title

FIGURES = {
    "dance": lambda m: panels.dance_figure(m, m.seed),
    "zone": panels.zone_figure,
    "hedging": panels.hedging_figure,
    "opposition": lambda m: panels.opposition_figure(m, m.opposition_by_group),
}
GREEN = "#1a9850"


def played(seed: int, rounds: int | None = None) -> DashboardModel:
    model = DashboardModel(Levers(seed=str(seed)))
    for _ in range(rounds if rounds is not None else model.config.rounds):
        model.step()
    return model


def bars(ax, y: int) -> list:
    """The bars of the row y of the zone figure, as (left, right, face colour, hatched)."""
    found = []
    for patch in ax.patches:
        if abs(patch.get_y() + patch.get_height() / 2 - y) < 1e-9:
            face = patch.get_facecolor()
            colour = to_hex(face[:3]) if face[3] > 0 else "none"
            found.append((patch.get_x(), patch.get_x() + patch.get_width(), colour, bool(patch.get_hatch())))
    return found


def case(z: panels.Zone) -> str:
    if z.deal is not None:
        return "deal"
    if math.isnan(z.host_reservation):
        return "waiting"
    if not z.exists:
        return "no zone"
    if z.ceiling >= z.host_reservation:
        return "ratifiable"
    return "cut by the ceiling" if z.ceiling > z.us_reservation else "all above the ceiling"


def test_the_zone_is_the_tables_reservations_ceiling_and_offers():
    seen = dict.fromkeys(["ratifiable", "cut by the ceiling", "waiting", "deal"], 0)
    # with no electoral peak, the legislature's ceiling cuts the zone in some rounds (never in the baseline's runs)
    for seed, strategy, peak in [(s, name, p) for s in range(4) for name in ("linear", "boulware")
                                 for p in (Levers().electoral_peak, 0.0)]:  # fmt: skip
        model = DashboardModel(Levers(host_strategy=strategy, seed=str(seed), electoral_peak=peak))
        for _ in range(model.config.rounds):
            model.step()
            zones = panels.zones(model)
            assert [z.table for z in zones] == list(model.tables)
            for z in zones:
                table = model.tables[z.table]
                assert z.demand == table.demand and z.offer == (table.counter if table.counters else None)
                assert z.deal == (table.price if table.status == "deal" else None)
                assert z.ceiling == talks.ratifiable_ceiling(model, table)
                for mine, its in ((z.us_reservation, table.reservation_patron), (z.host_reservation,
                                                                               table.reservation_host)):
                    assert mine == its or (math.isnan(mine) and math.isnan(its))
            if all(seen.get(case(z), 0) >= 3 for z in zones):
                continue  # drawn three times each already: the figure is the slow part
            ax = panels.zone_figure(model).axes[0]
            for y, z in enumerate(zones):
                seen[case(z)] = seen.get(case(z), 0) + 1
                shown = bars(ax, y)
                low, high = z.us_reservation, z.host_reservation
                green = [(a, b) for a, b, colour, hatched in shown if colour == GREEN and not hatched]
                hatched = [(a, b) for a, b, _, hatched in shown if hatched]
                if case(z) in ("deal", "waiting"):
                    assert shown == []
                elif case(z) == "ratifiable":
                    assert green == [pytest.approx((low, high))] and hatched == []
                elif case(z) == "cut by the ceiling":
                    assert green == [pytest.approx((low, z.ceiling))]
                    assert hatched == [pytest.approx((z.ceiling, high))]
                elif case(z) == "all above the ceiling":
                    assert green == [] and hatched == [pytest.approx((low, high))]
                else:
                    assert [(a, b) for a, b, *_ in shown] == [pytest.approx((high, low))]
    assert all(seen.values()), seen  # every kind of row was drawn at least once


def test_a_us_reservation_above_the_host_s_is_drawn_as_no_zone():
    model = played(0, 3)  # the model's runs never have one: the reservations are set by hand
    table = model.tables["south_korea"]
    assert table.status != "deal" and not math.isnan(table.reservation_host)
    table.reservation_patron = table.reservation_host + 0.5
    (zone, *_) = panels.zones(model)
    assert not zone.exists
    shown = bars(panels.zone_figure(model).axes[0], 0)
    assert [(a, b, colour) for a, b, colour, _ in shown] == [
        (pytest.approx(table.reservation_host), pytest.approx(table.reservation_patron), "#d73027")]


def test_the_dance_marks_the_elections_the_lapse_and_the_payment_before():
    model = played(1)
    fig = panels.dance_figure(model, model.seed)
    held = sorted({e.round for e in model.log.rows if e.kind == "election"})
    assert panels.election_rounds(model) == held  # the scenario's, as they happened
    lapses = 0
    for ax, name in zip(fig.axes, model.tables, strict=True):
        dashed = sorted(line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--")
        assert dashed == held
        before = [line for line in ax.lines if line.get_linestyle() == "-."]
        assert [line.get_ydata()[0] for line in before] == [model.config.hosts[name].payment_usd_bn]
        lapsed = np.array(model.record.column(f"{name}.lapsed"), dtype=bool)
        shaded = [c for c in ax.collections if isinstance(c, PolyCollection)]
        assert bool(shaded) == lapsed.any()
        lapses += lapsed.any()
    assert lapses >= 1, "seed 1 was chosen for a lapse: the test would not see the shading"


@pytest.mark.parametrize("kind", FIGURES)
def test_no_text_of_a_figure_is_under_the_floor(kind):
    for model in (DashboardModel(), played(2, 16), played(2)):
        fig = FIGURES[kind](model)
        panels.svg(fig)  # draws it: the tick labels exist from here
        texts = [t for t in fig.findobj(Text) if t.get_visible() and t.get_text().strip()]
        assert texts and min(t.get_fontsize() for t in texts) >= panels.TEXT_PT
        assert fig.get_figwidth() == panels.WIDTH_IN


def test_the_news_is_in_words_without_keys_or_jargon():
    kinds: set[str] = set()
    for seed in range(12):
        model = played(seed)
        keys = [*model.config.hosts, *model.config.publics, model.patron.name, model.rival.name]
        for event in model.log.rows:
            line = panels.feed_line(event, model)
            kinds.add(event.kind)
            assert line.startswith(event.date + "  ") and line[len(event.date) + 2].isupper(), line
            assert "_" not in line and "tau" not in line.split(), line
            assert not any(f" {key} " in f" {line} " for key in keys if key != key.title()), line
            fallback = f"{country(event.actor)} {event.kind} {title(event.table)} {event.details}".strip()
            assert fallback.lower() not in line.lower(), f"{event.kind} has no words of its own: {line}"
        assert panels.news(model) == [panels.feed_line(e, model) for e in model.log.rows[::-1][: panels.FEED_LENGTH]]
    assert {"offer", "counter", "accept", "walkout", "threat", "linkage", "election", "lapse"} <= kinds, kinds
