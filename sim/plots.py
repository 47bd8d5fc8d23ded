"""Figures of one run (matplotlib): the negotiation dance and what moved beneath it."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from sim.outcomes import RunResult  # noqa: E402

MARKERS = {  # event kind -> (marker, colour, label)
    "accept": ("*", "#1a9850", "deal"),
    "walkout": ("X", "#d73027", "walkout"),
    "threat": ("^", "#f46d43", "threat"),
    "drawdown": ("v", "#762a83", "drawdown"),
    "ratification failed": ("D", "#878787", "ratification failed"),
}
COUNTED = {  # summary key -> word in the story
    "walkouts": "walkout",
    "threats": "threat",
    "drawdowns": "drawdown",
    "ratification_failures": "failed ratification",
    "stalled_rounds": "stalled round",
}
HOST_COLOURS = ["#2166ac", "#b2182b", "#5aae61", "#9970ab", "#e08214"]


def title(name: str) -> str:
    """A key as a name: 'south_korea' -> 'South Korea'."""
    return name.replace("_", " ").title()


def trace(result: RunResult, path: str | Path | None = None) -> plt.Figure:
    """For each table: the patron's demand and the host's offer per round, with deals,
    walkouts, threats, drawdowns, elections and lapses marked; below, hedging, troops and
    public opposition. Saved to `path` if given."""
    rounds, events = result.rounds, result.events
    hosts = list(result.scenario.hosts)
    x = rounds["round"].to_numpy()
    n = len(hosts)
    fig, axes = plt.subplots(
        n + 2, 1, figsize=(11, 3.0 * n + 5.2), sharex=True,
        gridspec_kw={"height_ratios": [3] * n + [2, 2]},
    )  # fmt: skip
    labels = rounds["date"].tolist()
    for ax, host in zip(axes[:n], hosts, strict=True):
        _dance(ax, result, host, x)
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
    ax_o.legend(loc="lower left", fontsize=8, frameon=False)
    step = max(1, len(x) // 14)
    ax_o.set_xticks(x[::step])
    ax_o.set_xticklabels(labels[::step], rotation=45, ha="right")
    ax_o.set_xlabel("month (one round each)")
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        for when in events.loc[events["kind"] == "election", ["round", "actor"]].itertuples():
            ax.axvline(when.round, color="#999999", ls="--", lw=0.8)
    summary = result.summary
    fig.suptitle(
        f"{summary['scenario']}  ·  seed {summary['seed']}  ·  {summary['start']} to {summary['end']}",
        fontsize=13, x=0.01, ha="left",
    )  # fmt: skip
    fig.tight_layout()
    if path is not None:
        fig.savefig(path, dpi=110)
        plt.close(fig)
    return fig


def _dance(ax: plt.Axes, result: RunResult, host: str, x: np.ndarray) -> None:
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
    ax.legend(loc="upper right", fontsize=8, ncol=2, frameon=False)


def story(result: RunResult) -> list[str]:
    """A few lines that tell what happened in the run."""
    lines = []
    for host, t in result.summary["tables"].items():
        name = title(host)
        if t["deal"]:
            head = (f"{name}: deal in {t['deal_date']} (round {t['deal_round']}) at "
                    f"${t['payment_usd_bn']:.2f}bn a year ({t['increase_pct']:+.0f}%)")  # fmt: skip
        else:
            head = f"{name}: no deal; last demand ${t['final_demand_usd_bn']:.2f}bn"
            if t["final_counter_usd_bn"] is not None:
                head += f", last offer ${t['final_counter_usd_bn']:.2f}bn"
        notes = []
        for key, word in COUNTED.items():
            if t[key]:
                notes.append(f"{t[key]} {word}{'s' if t[key] > 1 else ''}")
        if t["lapsed"]:
            notes.append("the agreement lapsed")
        if t["troops_withdrawn"]:
            notes.append(f"{t['troops_withdrawn']:,} troops withdrawn")
        notes.append(f"hedging peaked at {t['hedging_peak']:.2f}")
        if t["opposition_final"] is not None:
            notes.append(f"{t['opposition_final']:.0%} of the public opposed the final figure")
        lines.append(f"{head}; " + ", ".join(notes) + ".")
    if not result.events.empty:
        changes = result.events[result.events["kind"] == "posture change"]
        if not changes.empty:
            lines.append(f"The US posture changed in {changes['date'].iloc[0]}.")
    return lines
