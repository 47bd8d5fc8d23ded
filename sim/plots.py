"""Figures of one run (matplotlib): the negotiation dance and what moved beneath it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from sim.outcomes import RunResult
from sim.words import story, title

# story and title live in sim.words; here for the notebooks
__all__ = ["dance", "mark_elections", "story", "title", "trace"]

MARKERS = {  # event kind -> (marker, colour, label)
    "accept": ("*", "#1a9850", "deal"),
    "walkout": ("X", "#d73027", "walkout"),
    "threat": ("^", "#f46d43", "threat"),
    "drawdown": ("v", "#762a83", "drawdown"),
    "ratification failed": ("D", "#878787", "ratification failed"),
}
HOST_COLOURS = ["#2166ac", "#b2182b", "#5aae61", "#9970ab", "#e08214"]


def trace(result: RunResult, path: str | Path | None = None) -> Figure:
    """For each table: the patron's demand and the host's offer per round, with deals,
    walkouts, threats, drawdowns, elections and lapses marked; below, hedging, troops and
    public opposition. Saved to `path` if given. The figure is matplotlib's own object, not
    pyplot's: it needs no backend (a notebook shows it as a cell's value)."""
    rounds, events = result.rounds, result.events
    hosts = list(result.scenario.hosts)
    x = rounds["round"].to_numpy()
    n = len(hosts)
    fig = Figure(figsize=(11, 3.0 * n + 5.2))
    axes = fig.subplots(n + 2, 1, sharex=True, gridspec_kw={"height_ratios": [3] * n + [2, 2]})
    labels = rounds["date"].tolist()
    for ax, host in zip(axes[:n], hosts, strict=True):
        dance(ax, result, host, x)
    ax_h, ax_o = axes[n], axes[n + 1]
    for i, host in enumerate(hosts):
        colour = HOST_COLOURS[i % len(HOST_COLOURS)]
        ax_h.plot(x, rounds[f"{host}.hedging"], color=colour, lw=2, label=f"{title(host)} hedging")
        troops = rounds[f"{host}.troops"] / result.scenario.hosts[host].troops
        ax_h.plot(x, troops, color=colour, lw=1.5, ls=":", label=f"{title(host)} troops (share of 2019)")
        ax_o.plot(x, rounds[f"{host}.opposition"], color=colour, lw=2, label=f"{title(host)} public")
    ax_h.set_ylim(-0.02, 1.05)
    ax_h.set_ylabel("share")
    ax_h.set_title("Hedging toward China and US troops", loc="left", fontsize=11)
    ax_h.legend(loc="center left", fontsize=8, ncol=2, frameon=False)
    ax_o.set_ylim(-0.02, 1.02)
    ax_o.set_ylabel("opposed")
    ax_o.set_title("Public opposition to the payment on the table", loc="left", fontsize=11)
    step = max(1, len(x) // 14)
    ax_o.set_xticks(x[::step])
    ax_o.set_xticklabels(labels[::step], rotation=45, ha="right")
    ax_o.set_xlabel("month (one round each)")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        mark_elections(ax, events.loc[events["kind"] == "election", "round"], "election" if ax is ax_o else None)
    ax_o.legend(loc="lower left", fontsize=8, frameon=False)  # the elections' line among its entries
    summary = result.summary
    fig.suptitle(
        f"{summary['scenario']}  ·  seed {summary['seed']}  ·  {summary['start']} to {summary['end']}",
        fontsize=13, x=0.01, ha="left",
    )  # fmt: skip
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
    return fig


def mark_elections(ax: Axes, rounds, label: str | None = None) -> None:
    """A dashed grey line at the round of each election (the dashboard's and the trace's), the
    first of them with `label` for a legend."""
    for i, r in enumerate(rounds):
        ax.axvline(r, color="#999999", ls="--", lw=0.8, label=label if i == 0 else None)


def dance(ax: Axes, result: RunResult, host: str, x: np.ndarray, legend: bool = True) -> None:
    """One table of the trace: demand, offer, both reservations, the payment before the talks,
    the lapse shaded and the talks' events marked; a legend unless the caller draws its own."""
    rounds, events = result.rounds, result.events
    demand, counter = rounds[f"{host}.demand_usd_bn"], rounds[f"{host}.counter_usd_bn"]
    ax.plot(x, demand, "-o", ms=3.5, color="#d6604d", lw=2, label="US demand")
    ax.plot(x, counter, "-o", ms=3.5, color="#4393c3", lw=2, label=f"{title(host)} offer")
    ax.plot(x, rounds[f"{host}.reservation_patron_usd_bn"], color="#d6604d", lw=1, ls=":",
            label="US reservation")  # fmt: skip
    ax.plot(x, rounds[f"{host}.reservation_host_usd_bn"], color="#4393c3", lw=1, ls=":",
            label=f"{title(host)} reservation (win-set)")  # fmt: skip
    ax.axhline(result.scenario.hosts[host].payment_usd_bn, color="#444444", lw=0.8, ls="-.",
               label="payment before the talks")  # fmt: skip
    lapsed = rounds[f"{host}.lapsed"].to_numpy(bool)
    if lapsed.any():
        ax.fill_between(x, 0, 1, where=lapsed, transform=ax.get_xaxis_transform(),
                        color="#fdae61", alpha=0.25, step="mid", label="lapse")  # fmt: skip
    mine = events[events["table"] == host]
    top = np.nanmax(np.r_[demand.to_numpy(float), counter.to_numpy(float), 1.0])
    for kind, (marker, colour, label) in MARKERS.items():
        hits = mine[mine["kind"] == kind]
        if hits.empty:
            continue
        y = hits["value"].to_numpy(float) if kind == "accept" else np.full(len(hits), top * 1.04)
        ax.scatter(hits["round"], y, marker=marker, s=160 if kind == "accept" else 90,
                   color=colour, zorder=5, label=label, edgecolor="white")  # fmt: skip
    ax.set_ylabel("US$bn per year")
    ax.set_ylim(0, top * 1.12)
    table = result.summary["tables"][host]
    if table["deal"]:
        outcome = f"deal {table['deal_date']} at ${table['payment_usd_bn']:.2f}bn ({table['increase_pct']:+.0f}%)"
    else:
        outcome = "no deal"
    ax.set_title(f"{title(host)}: {outcome}", loc="left", fontsize=11)
    if legend:
        ax.legend(loc="upper right", fontsize=8, ncol=2, frameon=False)


