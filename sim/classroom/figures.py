"""The class's outcomes beside the agents' own: a histogram per table and outcome."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.words import title

PANELS = {  # column -> (what it shows, deals only)
    "payment_usd_bn": ("deal payment, US$bn a year", True),
    "deal_round": ("round of the deal", True),
    "walkouts": ("walkouts", False),
    "drawdowns": ("drawdowns", False),
}
CLASS, AGENTS = "#d6604d", "#9e9e9e"


def bins(values: np.ndarray, column: str) -> np.ndarray:
    if column == "payment_usd_bn":
        low, high = (np.nanmin(values), np.nanmax(values)) if values.size else (0.0, 1.0)
        return np.linspace(np.floor(low * 4) / 4, np.ceil(high * 4) / 4 + 0.25, 12)
    top = int(np.nanmax(values)) if values.size else 1
    return np.arange(-0.5, top + 1.5, 1.0 if top < 30 else np.ceil(top / 20))


def shares(frame: pd.DataFrame, column: str, deals_only: bool) -> tuple[np.ndarray, int]:
    rows = frame[frame["deal"].astype(bool)] if deals_only else frame
    values = pd.to_numeric(rows[column], errors="coerce").dropna().to_numpy(float)
    return values, len(frame)


def class_histogram(outcomes: pd.DataFrame, agents: pd.DataFrame | None, tables: list[str]) -> Figure:
    """Per table (rows) and outcome (columns): the share of the class's games (red) and of the
    agents' runs (grey) in each bin; a deal's payment and round among the runs with a deal."""
    fig = Figure(figsize=(4.2 * len(PANELS), 3.4 * len(tables) + 0.6))
    axes = fig.subplots(len(tables), len(PANELS), squeeze=False)
    for row, name in enumerate(tables):
        ours = outcomes[outcomes["table"] == name] if not outcomes.empty else outcomes
        theirs = agents[agents["table"] == name] if agents is not None else None
        for ax, (column, (label, deals_only)) in zip(axes[row], PANELS.items(), strict=True):
            mine, games = shares(ours, column, deals_only) if not ours.empty else (np.array([]), 0)
            other, runs = shares(theirs, column, deals_only) if theirs is not None else (np.array([]), 0)
            edges = bins(np.r_[mine, other], column)
            width = np.diff(edges)
            if runs:
                counts, _ = np.histogram(other, edges)
                ax.bar(edges[:-1], counts / runs, width, align="edge", color=AGENTS, alpha=0.7,
                       label=f"agents ({runs} runs)")  # fmt: skip
            if games:
                counts, _ = np.histogram(mine, edges)
                ax.bar(edges[:-1] + width * 0.2, counts / games, width * 0.6, align="edge", color=CLASS,
                       label=f"class ({games} game{'s' * (games != 1)})")  # fmt: skip
            ax.set_title(f"{title(name)}: {label}", loc="left", fontsize=14)
            ax.set_ylabel("share of games" if column == "payment_usd_bn" else "", fontsize=12)
            ax.tick_params(labelsize=12)
            ax.spines[["top", "right"]].set_visible(False)
            if mine.size or other.size:
                ax.legend(fontsize=11, frameon=False)
            else:  # say why the panel is empty instead of showing bare axes
                why = "no deal" if deals_only and (games or runs) else "no game or run"
                ax.text(0.5, 0.5, f"{why} at this table,\nin the class or among the agents", ha="center",
                        va="center", fontsize=13, color="#555", transform=ax.transAxes)  # fmt: skip
                ax.set_xticks([])
                ax.set_yticks([])
    fig.tight_layout()
    return fig


def summary_lines(outcomes: pd.DataFrame, agents: pd.DataFrame | None, tables: list[str]) -> list[str]:
    """The histogram's figures in words: per table, deals and their median payment, walkouts and
    drawdowns, for the class and for the agents."""
    lines = []
    for name in tables:
        for who, frame in (("Class", outcomes), ("Agents", agents)):
            if frame is None or frame.empty:
                continue
            rows = frame[frame["table"] == name]
            deals = rows[rows["deal"].astype(bool)]
            median = f", median payment ${deals['payment_usd_bn'].astype(float).median():.2f}bn" if len(deals) else ""
            lines.append(f"{who} at the {title(name)} table: deals in {len(deals)} of {len(rows)}{median}; "
                         f"walkouts in {int((rows['walkouts'] > 0).sum())}, "
                         f"drawdowns in {int((rows['drawdowns'] > 0).sum())}")  # fmt: skip
    return lines
