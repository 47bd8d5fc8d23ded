"""The dashboard's panels of one run (`sim/app.py`): the negotiation dance, the zone of agreement,
hedging and troops, opposition by group and the news, each under one plain sentence.

The figures are vector drawings, WIDTH_IN wide and with no text under TEXT_PT points: stretched to
the width of a cell (half of a 1920-pixel screen beside the sidebar, about 740 px), that text is
15 px high.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from sim import talks
from sim.events import Event
from sim.model import AllianceModel
from sim.outcomes import collect
from sim.plots import HOST_COLOURS, MARKERS, dance, mark_elections
from sim.words import capital, country, describe, plain, title, usd

WIDTH_IN = 7.6
TEXT_PT = 11  # 14.8 px in a 740 px cell (a point is 740 / (72 * WIDTH_IN) px there)
FEED_LENGTH = 10
GROUP_STYLES = ["-", "--", ":", "-."]
US, HOST = "#d6604d", "#4393c3"  # the colours of plots.dance
SENTENCES = {
    "dance": "What the US asks (red) and each host offers (blue) month by month; dotted, the limit of "
    "each side; dashed grey, the elections; shaded, months after the old agreement lapsed.",
    "zone": "Where a deal can land this month: above the least the US accepts and below the most the host "
    "would pay (green), and only under the ceiling its legislature is expected to ratify.",
    "hedging": "How far each host leans toward China (0 not at all, 1 fully) and how many US troops "
    "stay there, never fewer than the legal floor.",
    "opposition": "The share of each political group at home opposed to the payment on the table.",
    "feed": "What happened, newest first.",
}


# ---------------------------------------------------------------- figures
def new_figure(model: AllianceModel, rows: int, height_in: float, top: float) -> tuple[Figure, list]:
    """Stacked panels over the whole horizon (months), so that they do not rescale as it runs,
    with the elections marked. Fixed margins: a layout engine would double the time a redraw takes."""
    fig = Figure(figsize=(WIDTH_IN, height_in))
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.07, top=top, hspace=0.42)
    axes = list(fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0])
    ticks = list(range(1, model.config.rounds + 1, 6))
    for ax in axes:
        style(ax)
        mark_elections(ax, election_rounds(model))
    axes[-1].set_xlim(0.5, model.config.rounds + 0.5)
    axes[-1].set_xticks(ticks, [model.calendar.label(r) for r in ticks])
    return fig, axes


def style(ax) -> None:
    ax.grid(alpha=0.3)
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=TEXT_PT)


def election_rounds(model: AllianceModel) -> list[int]:
    """The rounds of every election the scenario schedules within its horizon, ahead ones too."""
    days = [e.date for host in model.config.hosts.values() for e in host.elections]
    rounds = {model.calendar.round_of(day) for day in [*days, *model.config.patron.elections]}
    return sorted(r for r in rounds if 1 <= r <= model.config.rounds)


def series(model: AllianceModel, key: str) -> np.ndarray:
    return np.array(model.record.column(key), dtype=float)


def svg(fig: Figure) -> bytes:
    """The figure as SVG with its text as text, which the browser draws sharp at any width: half
    the time a PNG would take to draw, and none of it spent on pixels."""
    buffer = io.BytesIO()
    with matplotlib.rc_context({"svg.fonttype": "none"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None})  # the same run, the same bytes
    return buffer.getvalue()


DANCE_LEGEND = [
    Line2D([], [], color=US, marker="o", ms=4, lw=2, label="US demand"),
    Line2D([], [], color=HOST, marker="o", ms=4, lw=2, label="host's offer"),
    Line2D([], [], color=US, ls=":", label="US reservation"),
    Line2D([], [], color=HOST, ls=":", label="host's reservation"),
    Line2D([], [], color="#444444", lw=0.8, ls="-.", label="payment before"),
    Line2D([], [], color="#999999", lw=0.8, ls="--", label="election"),
    Patch(color="#fdae61", alpha=0.25, label="lapse"),
    *(Line2D([], [], ls="", marker=m, ms=9, color=c, label=label) for m, c, label in MARKERS.values()),
]


def dance_figure(model: AllianceModel, seed: int) -> Figure:
    """The trace's dance (sim.plots.dance) of each table, live, under one legend."""
    fig, axes = new_figure(model, len(model.tables), 2.6 + 2.6 * len(model.tables), top=0.84)
    result, x = collect(model, seed), np.arange(1, model.round + 1)
    for ax, name in zip(axes, model.tables, strict=True):
        dance(ax, result, name, x, legend=False)
        config = model.config.hosts[name]
        demands = np.r_[series(model, f"{name}.demand_usd_bn"), 1.0]
        top = max(config.demand_usd_bn, config.payment_usd_bn, np.nanmax(demands))
        ax.set_ylim(0, top * 1.15)
        ax.set_ylabel("US$bn a year", fontsize=TEXT_PT)
        ax.set_title(f"{title(name)}: {table_state(model, name)}", loc="left", fontsize=TEXT_PT + 1, parse_math=False)
    fig.legend(handles=DANCE_LEGEND, loc="upper center", ncol=4, fontsize=TEXT_PT, frameon=False,
               columnspacing=1.0, handlelength=1.6)  # fmt: skip
    return fig


def table_state(model: AllianceModel, name: str) -> str:
    table, host = model.tables[name], model.hosts[name]
    if table.status == "deal" and table.price is not None and table.deal_round is not None:
        rise = 100 * (table.price / host.config.payment_usd_bn - 1)
        return f"deal in {model.calendar.label(table.deal_round)} at {usd(table.price)} ({rise:+.0f}%)"
    if table.status == "waiting":
        return f"talks open in {model.calendar.label(table.opens_round)}"
    if table.status == "withdrawn":
        return "no US troops left"
    notes = ["talks suspended" if table.status == "suspended" else "no deal yet"]
    if table.threat is not None:
        notes.append(f"drawdown threatened by {model.calendar.label(table.threat.deadline_round)}")
    if host.lapsed:
        notes.append("old agreement lapsed")
    return "; ".join(notes)


@dataclass(frozen=True)
class Zone:
    """Where a deal can land at one table this round (US$bn a year). NaN reservations: the talks
    have not reached them yet; an infinite ceiling: no ratification vote in this scenario."""

    table: str
    status: str
    us_reservation: float  # the least the US accepts
    host_reservation: float  # the most the host would pay (its win-set)
    ceiling: float  # the most the US expects the host's legislature to ratify
    demand: float
    offer: float | None
    payment_before: float
    deal: float | None

    @property
    def exists(self) -> bool:
        return self.us_reservation <= self.host_reservation


def zones(model: AllianceModel) -> list[Zone]:
    out = []
    for name, table in model.tables.items():
        out.append(Zone(name, table.status, table.reservation_patron, table.reservation_host,
                        talks.ratifiable_ceiling(model, table), table.demand,
                        table.counter if table.counters else None, model.hosts[name].config.payment_usd_bn,
                        table.price if table.status == "deal" else None))  # fmt: skip
    return out


def zone_figure(model: AllianceModel) -> Figure:
    """One row a table: the band between the two reservations (green where ratifiable, hatched
    above the ceiling; red when the US wants more than the host can pay), the ceiling, the
    demand, the offer and the payment before the talks."""
    rows = zones(model)
    height_in = 1.9 + 1.3 * len(rows)
    fig = Figure(figsize=(WIDTH_IN, height_in))
    fig.subplots_adjust(left=0.16, right=0.97, bottom=0.6 / height_in, top=1 - 0.95 / height_in)
    ax = fig.subplots()
    style(ax)
    ax.grid(axis="y", visible=False)
    right = 1.1 * max(max(h.demand_usd_bn, h.payment_usd_bn) for h in model.config.hosts.values())
    for y, z in enumerate(rows):
        ax.plot([z.payment_before] * 2, [y - 0.4, y + 0.4], color="#444444", lw=1.2, ls="-.")
        if z.deal is not None:
            ax.scatter([z.deal], [y], marker="*", s=300, color=MARKERS["accept"][1], edgecolor="white", zorder=5)
            ax.text(right, y - 0.52, f"deal at {usd(z.deal)}", ha="right", fontsize=TEXT_PT, parse_math=False)
            continue
        if math.isnan(z.us_reservation) or math.isnan(z.host_reservation):
            ax.text(right, y - 0.52, "talks not open yet", ha="right", fontsize=TEXT_PT, color="#666666")
            continue
        low, high = sorted((z.us_reservation, z.host_reservation))
        if not z.exists:
            ax.barh(y, high - low, left=low, height=0.36, color="#d73027", alpha=0.35)
        else:
            ratified = min(high, z.ceiling)
            if ratified > low:
                ax.barh(y, ratified - low, left=low, height=0.36, color="#1a9850", alpha=0.45)
            if high > max(low, z.ceiling):
                start = max(low, z.ceiling)
                ax.barh(y, high - start, left=start, height=0.36, color="none", edgecolor="#1a9850", hatch="//")
        if math.isfinite(z.ceiling):
            ax.plot([min(z.ceiling, right)] * 2, [y - 0.3, y + 0.3], color="black", lw=2.5)
        ax.scatter([z.demand], [y - 0.28], marker="v", s=120, color=US, zorder=5)  # above the band, pointing at it
        if z.offer is not None:
            ax.scatter([z.offer], [y + 0.28], marker="^", s=120, color=HOST, zorder=5)
        ceiling = usd(z.ceiling) if math.isfinite(z.ceiling) else "none (no vote near)"
        limits = f"US at least {usd(z.us_reservation)}; host at most {usd(z.host_reservation)}; ceiling {ceiling}"
        ax.text(right, y - 0.52, limits, ha="right", fontsize=TEXT_PT, parse_math=False)
    ax.set_yticks(range(len(rows)), [title(z.table) for z in rows], fontsize=TEXT_PT + 1)
    ax.set_ylim(len(rows) - 0.5, -0.75)
    ax.set_xlim(0, right)
    ax.set_xlabel("US$bn a year", fontsize=TEXT_PT)
    legend = [
        Patch(color="#1a9850", alpha=0.45, label="zone of agreement"),
        Patch(facecolor="none", edgecolor="#1a9850", hatch="//", label="above the ceiling"),
        Patch(color="#d73027", alpha=0.35, label="no zone: the US asks more"),
        Line2D([], [], color="black", lw=2.5, label="ratifiable ceiling"),
        Line2D([], [], ls="", marker="v", ms=9, color=US, label="US demand"),
        Line2D([], [], ls="", marker="^", ms=9, color=HOST, label="host's offer"),
        Line2D([], [], color="#444444", lw=1.2, ls="-.", label="payment before"),
    ]
    fig.legend(handles=legend, loc="upper center", ncol=3, fontsize=TEXT_PT, frameon=False, columnspacing=1.0)
    return fig


def hedging_figure(model: AllianceModel) -> Figure:
    fig, (ax_h, ax_t) = new_figure(model, 2, 5.6, top=0.93)
    x = np.arange(1, model.round + 1)
    for i, (name, host) in enumerate(model.hosts.items()):
        colour = HOST_COLOURS[i % len(HOST_COLOURS)]
        ax_h.plot(x, series(model, f"{name}.hedging"), color=colour, lw=2.5, label=title(name))
        ax_t.plot(x, series(model, f"{name}.troops") / 1000, color=colour, lw=2.5, label=title(name))
        ax_t.axhline(host.troop_floor / 1000, color=colour, lw=1, ls="--")
    ax_h.set_ylim(0, 1)
    ax_h.set_title("Hedging toward China (0-1)", loc="left", fontsize=TEXT_PT + 1)
    ax_h.legend(loc="upper right", fontsize=TEXT_PT, frameon=False)
    ax_t.set_ylim(0, 1.1 * max(h.config.troops for h in model.hosts.values()) / 1000)
    ax_t.set_title("US troops, thousands (dashed: legal floor)", loc="left", fontsize=TEXT_PT + 1)
    return fig


def opposition_figure(model: AllianceModel, history: dict[str, list[dict[str, float]]]) -> Figure:
    fig, axes = new_figure(model, len(history), 1.2 + 2.3 * len(history), top=0.92)
    x = np.arange(1, model.round + 1)
    for ax, (name, rounds) in zip(axes, history.items(), strict=True):
        public = model.hosts[name].public
        for i, group in enumerate(public.group_names if public is not None else []):
            ax.plot(x, [h[group] for h in rounds], lw=2.5, ls=GROUP_STYLES[i % 4], label=group)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"{title(name)}: share opposed to {usd(model.tables[name].on_the_table)}", loc="left",
                     fontsize=TEXT_PT + 1, parse_math=False)  # fmt: skip
        ax.legend(loc="lower left", fontsize=TEXT_PT, ncol=3, frameon=False)
    return fig


# ---------------------------------------------------------------- the news
def feed_line(event: Event, model: AllianceModel) -> str:
    """One event in words, raw keys and jargon replaced: '2019-12  South Korea offers $1.40bn a year'.
    The sides' moves, which `allysim play` shows apart from its news, are worded here."""
    where = title(event.table)
    if event.kind == "offer":
        text = f"{country(event.actor)} asks {where} for {usd(event.value)} a year"
    elif event.kind == "counter":
        text = f"{country(event.actor)} offers {usd(event.value)} a year"
    elif event.kind == "security shock":
        text = f"a security shock changes what US troops are worth to {where} by {usd(event.value)}"
    else:
        text = describe(event)
    return f"{event.date}  {capital(plain(text))}"


def news(model: AllianceModel) -> list[str]:
    return [feed_line(event, model) for event in model.log.rows[::-1][:FEED_LENGTH]]

