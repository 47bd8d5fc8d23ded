"""The debrief after a game of `allysim play`: how the student's talks ended, and where the
outcome falls among the agents' own runs of the same scenario (the same government played by
its configured strategy, seeds 0..N-1).
"""

from __future__ import annotations

import numpy as np

from sim.outcomes import OUTCOMES, RunResult, TableSummary, simulate
from sim.words import capital, possessive, story, title, usd


def share(mask: np.ndarray) -> str:
    return f"{float(np.mean(mask)) if mask.size else 0.0:.0%}"


def debrief(result: RunResult, tables: list[str], government: str, seeds: int) -> list[str]:
    """The end of the student's run in words, then (seeds > 0) its place among the agents' runs."""
    summary, scenario = result.outcome, result.scenario
    mine = summary.utilities[government]
    lines = ["", "=== How it ended ===", *story(result)]
    lines.append(f"Your government's utility: {mine:.2f} (US$bn a year, mean over {summary.rounds} rounds).")
    if seeds <= 0:
        return lines
    agents = [simulate(scenario, seed).outcome for seed in range(seeds)]
    patron = government == scenario.patron.name
    lines += ["", f"=== Debrief: you and the agents' own {seeds} runs of {scenario.name} "
              f"(seeds 0-{seeds - 1}) ==="]  # fmt: skip
    for name in tables:
        lines += compare_table(summary.tables[name], [a.tables[name] for a in agents], name, patron)
    theirs = np.array([a.utilities[government] for a in agents], dtype=float)
    lines.append(f"Your government's utility, {mine:.2f}, is higher than {share(theirs < mine)} of the "
                 f"agents' runs (their median {np.median(theirs):.2f}, range {theirs.min():.2f} to "
                 f"{theirs.max():.2f}).")  # fmt: skip
    same = agents[result.seed] if 0 <= result.seed < seeds else simulate(scenario, result.seed).outcome
    deals = []
    for name in tables:
        t = same.tables[name]
        where = f" at the {title(name)} table" if patron else ""
        deals.append(f"a deal{where} in round {t.deal_round} at {usd(t.payment_usd_bn)}"
                     if OUTCOMES["deal"].happened(t) else f"no deal{where}")  # fmt: skip
    lines.append(f"The agents in your chair with your seed ({result.seed}) reached {'; '.join(deals)}, "
                 f"utility {same.utilities[government]:.2f}.")  # fmt: skip
    return lines


def compare_table(mine: TableSummary, theirs: list[TableSummary], name: str, patron: bool) -> list[str]:
    """The student's deal (or none) at one table against the agents' deals there."""
    dealt = OUTCOMES["deal"].happened
    deals = [t for t in theirs if dealt(t)]
    payments = np.array([t.payment_usd_bn for t in deals], dtype=float)
    rounds = np.array([t.deal_round for t in deals], dtype=float)
    where = f" at the {title(name)} table" if patron else ""
    lines = []
    if dealt(mine) and deals:
        pay, whose = (
            mine.payment_usd_bn,
            f"{capital(possessive(name))} payment" if patron else "Your payment",
        )
        if patron:  # the patron wants more
            lines.append(f"{whose} of {usd(pay)} is higher than {share(payments < pay)} of the agents' deals "
                         f"(lower than {share(payments > pay)}).")  # fmt: skip
        else:
            lines.append(f"{whose} of {usd(pay)} is lower than {share(payments > pay)} of the agents' deals "
                         f"(higher than {share(payments < pay)}).")  # fmt: skip
        closed = f"You closed{where} in round {mine.deal_round} ({mine.deal_date})"
        spread = f"rounds {rounds.min():g}-{rounds.max():g}"
        lines.append(f"{closed}; the agents' deals came in round {np.median(rounds):g} on median ({spread}).")
    elif dealt(mine):
        lines.append(f"You closed{where} at {usd(mine.payment_usd_bn)} in round {mine.deal_round}.")
    else:
        lines.append(f"You reached no deal{where}.")
    median = f" (median payment {usd(float(np.median(payments)))})" if deals else ""
    lines.append(f"The agents reached a deal{where} in {len(deals)} of {len(theirs)} runs{median}.")
    return lines
