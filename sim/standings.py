"""The standings of a strategy tournament (`sim.tournament`): the table of pairings, each side's
ranking, the heatmaps of patron against host strategies, and the printed report.

Each takes the runs table: one row per (patron, host, seed, scored table), with both sides'
utilities (US$bn a year), the deal, the rounds to it, the payment, lapses, walkouts and drawdowns.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

RANKING_COLUMNS = ["side", "rank", "strategy", "utility", "deal_rate", "rounds_to_deal", "payment_usd_bn"]


class Described(Protocol):  # what the heatmap and the report say about the tournament
    name: str
    tables: list[str]
    seeds: list[int]
    scenario: Any  # its hosts' payments before the talks are the heatmap's reference


def pairings(runs: pd.DataFrame) -> pd.DataFrame:
    """Per pairing: mean utility of each side with its 95% interval over the seeds (Student's t),
    deal rate, mean rounds to deal and payment (over deals).

    The patron's utility is additive over tables, so a run's is its sum over the scored tables;
    the host side's is the mean over them.
    """
    from sim.analysis.rates import mean_interval

    keys = ["patron", "host"]
    per_run = runs.groupby([*keys, "seed"], sort=False).agg(
        patron_utility=("patron_utility", "sum"), host_utility=("host_utility", "mean")
    )
    out = runs.groupby(keys, sort=False).agg(
        runs=("seed", "nunique"), deal_rate=("deal", "mean"),
        rounds_to_deal=("rounds_to_deal", "mean"), payment_usd_bn=("payment_usd_bn", "mean"),
        lapse_rate=("lapsed", "mean"), walkouts=("walkouts", "mean"), drawdowns=("drawdowns", "mean"),
    )  # fmt: skip
    for place, side in ((1, "patron"), (4, "host")):
        column = f"{side}_utility"
        bounds = per_run.groupby(level=keys, sort=False)[column].apply(mean_interval)
        out.insert(place, column, bounds.str[0])
        out.insert(place + 1, f"{column}_low95", bounds.str[1])
        out.insert(place + 2, f"{column}_high95", bounds.str[2])
    return out.reset_index()


def ranking(runs: pd.DataFrame) -> pd.DataFrame:
    """Each side's strategies by mean utility over all its pairings; ties broken by the deal rate,
    then by fewer rounds to deal (a strategy without deals ranks last among its ties)."""
    per_run = runs.groupby(["patron", "host", "seed"], sort=False).agg(
        patron_utility=("patron_utility", "sum"), host_utility=("host_utility", "mean")
    )
    frames = []
    for side in ("patron", "host"):
        utility = per_run.groupby(level=side, sort=False)[f"{side}_utility"].mean()
        rest = runs.groupby(side, sort=False).agg(
            deal_rate=("deal", "mean"), rounds_to_deal=("rounds_to_deal", "mean"),
            payment_usd_bn=("payment_usd_bn", "mean"),
        )  # fmt: skip
        table = rest.assign(utility=utility).reset_index().rename(columns={side: "strategy"})
        keys = table.assign(u=table.utility.round(9), r=table.rounds_to_deal.fillna(math.inf))
        order = keys.sort_values(["u", "deal_rate", "r"], ascending=[False, False, True], kind="stable").index
        table = table.loc[order].assign(side=side, rank=range(1, len(table) + 1))
        frames.append(table[RANKING_COLUMNS])
    return pd.concat(frames, ignore_index=True)


def heatmap(table: pd.DataFrame, t: Described, path: Path, metric: str = "payment",
            runs: pd.DataFrame | None = None) -> None:  # fmt: skip
    """Patron strategies (rows) x host strategies (columns), in three panels: the patron's and
    the host's utility, which rank them (each cell its mean and 95% interval over the seeds), and
    the mean payment of the deals against the payment before the talks (the reference: a
    diverging scale centred on it), or the deal rate (`metric`)."""
    import matplotlib
    import matplotlib.patheffects as effects
    from matplotlib.colors import TwoSlopeNorm
    from matplotlib.figure import Figure

    rows, cols = list(dict.fromkeys(table.patron)), list(dict.fromkeys(table.host))
    grid = table.set_index(["patron", "host"]).reindex(pd.MultiIndex.from_product([rows, cols]))  # failed: NaN
    before = {name: t.scenario.hosts[name].payment_usd_bn for name in t.tables}
    change = _payment_change(runs, before).reindex(grid.index) if runs is not None else pd.Series(np.nan, grid.index)

    def cells(values: pd.Series) -> np.ndarray:
        return np.array([[values.loc[(p, h)] for h in cols] for p in rows], dtype=float)

    fig = Figure(figsize=(4.2 + 1.35 * len(cols), 3 * (1.3 + 0.62 * len(rows))))
    axes = fig.subplots(3, 1)
    outline = [effects.withStroke(linewidth=2, foreground="black")]
    grey = "#d9d9d9"  # a pairing without a value: failed, or without a deal
    for ax, side in zip(axes[:2], ("patron", "host"), strict=True):
        mean, low, high = (cells(grid[f"{side}_utility{end}"]) for end in ("", "_low95", "_high95"))
        image = ax.imshow(np.ma.masked_invalid(mean), cmap=matplotlib.colormaps["viridis"].with_extremes(bad=grey),
                          aspect="auto")  # fmt: skip
        for i in range(len(rows)):
            for j in range(len(cols)):
                interval = f"{mean[i, j]:.2f}\n[{low[i, j]:.2f}, {high[i, j]:.2f}]"
                text = "failed" if mean[i, j] != mean[i, j] else interval
                ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white", path_effects=outline)
        who = "US" if side == "patron" else "host"
        fig.colorbar(image, ax=ax, label=f"{who} utility (US$bn a year)")
        ax.set_title(f"{who} utility, which ranks the {side} strategies: mean [95% interval]", fontsize=10, loc="left")
    ax = axes[2]
    if metric == "deal_rate":
        rate = cells(grid["deal_rate"])
        image = ax.imshow(np.ma.masked_invalid(rate), cmap=matplotlib.colormaps["viridis"].with_extremes(bad=grey),
                          aspect="auto", vmin=0, vmax=1)  # fmt: skip
        fig.colorbar(image, ax=ax, label="deal rate")
        ax.set_title("deal rate; cells: mean payment of deals", fontsize=10, loc="left")
    else:
        shift = cells(change) * 100
        reach = max(float(np.nanmax(np.abs(shift))) if np.isfinite(shift).any() else 0.0, 1.0)
        image = ax.imshow(np.ma.masked_invalid(shift), cmap=matplotlib.colormaps["RdBu_r"].with_extremes(bad=grey),
                          norm=TwoSlopeNorm(0, -reach, reach), aspect="auto")  # fmt: skip
        bar = fig.colorbar(image, ax=ax, label="change from the payment\nbefore the talks (%)")
        bar.ax.axhline(0, color="black", lw=1.5)
        reference = ", ".join(f"{name.replace('_', ' ').title()} US\\${pay:.2f}bn" for name, pay in before.items())
        ax.set_title(f"mean payment of deals (its change from before the talks), deal rate\n"
                     f"before the talks: {reference}", fontsize=10, loc="left")  # fmt: skip
    for i, p in enumerate(rows):
        for j, h in enumerate(cols):
            pay, rate, moved = grid.loc[(p, h), "payment_usd_bn"], grid.loc[(p, h), "deal_rate"], change.loc[(p, h)]
            shift_text = f" ({moved:+.0%})" if moved == moved else ""
            text = (f"\\${pay:.2f}bn{shift_text}\n{rate:.0%}" if pay == pay else f"no deal\n{rate:.0%}" if rate == rate
                    else "failed")  # fmt: skip
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white", path_effects=outline)
    for ax in axes:
        ax.set_xticks(range(len(cols)), cols, rotation=30, ha="right")
        ax.set_yticks(range(len(rows)), rows)
        ax.set(xlabel="host strategy", ylabel="patron strategy")
    where = ", ".join(t.tables)
    fig.suptitle(f"{t.name}: the {where} table{'s' if len(t.tables) > 1 else ''}, {len(t.seeds)} seeds each",
                 fontsize=11, x=0.01, ha="left")  # fmt: skip
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.3 / fig.get_figheight()))  # the title's own strip, above the panels'
    fig.savefig(path, dpi=120, format="png")  # the path may be a temporary name


def _payment_change(runs: pd.DataFrame, before: dict[str, float]) -> pd.Series:
    """Per pairing: the mean over its deals of the payment's change from the table's payment
    before the talks (0.1: ten per cent more)."""
    deals = runs[runs.deal.astype(bool)]
    change = deals.payment_usd_bn / deals.table.map(before) - 1
    return change.groupby([deals.patron, deals.host], sort=False).mean()


def report(table: pd.DataFrame, ranks: pd.DataFrame, t: Described) -> list[str]:
    """The pairings and both rankings, as printed by `allysim tournament`."""
    patrons, hosts = table.patron.nunique(), table.host.nunique()
    lines = [
        f"Tournament {t.name}: {patrons} patron x {hosts} host strategies, {len(t.seeds)} seeds each, "
        f"scored at the {', '.join(t.tables)} table{'s' if len(t.tables) > 1 else ''}",
        "",
        "Pairings (means over the seeds; rounds to deal and payment over the deals):",
    ]
    shown = table[["patron", "host", "patron_utility", "host_utility", "deal_rate", "rounds_to_deal",
                   "payment_usd_bn"]]  # fmt: skip
    lines += shown.to_string(index=False, float_format=lambda x: f"{x:.2f}", na_rep="-").splitlines()
    for side in ("patron", "host"):
        lines += ["", f"{side.title()} strategies by mean utility (ties: deal rate, then rounds to deal):"]
        for row in ranks[ranks.side == side].itertuples():
            to_deal = float(row.rounds_to_deal)  # type: ignore[arg-type]  # a float column, NaN without deals
            rounds = "-" if math.isnan(to_deal) else f"{to_deal:.1f}"
            lines.append(f"{row.rank:3d}. {row.strategy:<24} utility {row.utility:7.2f}   "
                         f"deal rate {row.deal_rate:4.0%}   rounds to deal {rounds}")  # fmt: skip
    return lines


# ------------------------------------------------------------------ disqualifications


def culprits(fault, patron, host, registered: dict[str, list[str]]) -> list[tuple[str, Any]]:
    """The entrants of a pairing that a fault (`sim.isolation.Fault`) points at: the strategy
    whose method was running (on its side), else the entrants a strategy file registered
    when the fault's frame lies in that file; none when the fault lies elsewhere."""
    from sim.strategies import HOST, PATRON

    sides = [("patron", patron, PATRON), ("host", host, HOST)]
    if fault.strategy:
        named = [(side, e) for side, e, code in sides if e.name == fault.strategy and fault.side in (None, code)]
        if named:
            return named
    if fault.file:
        names = registered.get(str(Path(fault.file).resolve()), [])
        return [(side, e) for side, e, _ in sides if e.name in names or e.policy in names]
    return []


def disqualification(side: str, entrant, patron, host, fault) -> dict:
    """One row of disqualified.csv."""
    return {"side": side, "strategy": entrant.shown if entrant else "-", "pairing": f"{patron.shown} x {host.shown}",
            "reason": fault.reason, "where": fault.where}  # fmt: skip


def disqualified_lines(disqualified: list[dict], pairings_played: int, pairings_total: int) -> list[str]:
    """What the report says of the disqualified strategies and of the rest of the tournament."""
    if not disqualified:
        return []
    lines = ["", "Disqualified (their pairings are left out of the tables above):"]
    for d in disqualified:
        who = f"{d['side']} {d['strategy']}" if d["strategy"] != "-" else f"the pairing {d['pairing']}"
        lines.append(f"  {who}, in {d['pairing']}: {d['reason']} ({d['where']})")
    lines.append(f"The rest of the tournament completed: {pairings_played} of {pairings_total} pairings ranked.")
    return lines
