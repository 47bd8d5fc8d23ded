"""The debrief after a game of `allysim play`: how the student's talks ended and why there,
and where the outcome falls among the agents' own runs of the same scenario (the same
government played by its configured strategy, seeds 0..N-1) in which the calendar's chance
events came out as in the student's game (the 2020 election: a new US posture or not).
"""

from __future__ import annotations

import numpy as np

from sim.outcomes import OUTCOMES, RunResult, RunSummary, TableSummary, simulate
from sim.words import capital, country, possessive, story, title, usd


def share(mask: np.ndarray) -> str:
    return f"{float(np.mean(mask)) if mask.size else 0.0:.0%}"


def postures(summary: RunSummary) -> int:
    """How many times the US posture changed in the run (an administration change drawn by chance)."""
    return int(summary.actors[next(iter(summary.actors))]["posture_changes"])


def like_with_like(result: RunResult, seeds: int) -> tuple[list[RunSummary], str]:
    """The agents' runs over seeds 0..seeds-1 whose chance changes of US posture came out as in
    the student's game, and a line that says which they are."""
    everyone = [simulate(result.scenario, seed).outcome for seed in range(seeds)]
    if not result.scenario.calendar.administration_changes:
        return everyone, f"the agents' own {seeds} runs of {result.scenario.name} (seeds 0-{seeds - 1})"
    changed = postures(result.outcome)
    same = [a for a in everyone if postures(a) == changed]
    outcome = "a new US posture after the election" if changed else "no new US posture after the election"
    return same, (f"the {len(same)} of the agents' {seeds} runs of {result.scenario.name} (seeds 0-{seeds - 1}) "
                  f"with the same election outcome as yours: {outcome}")  # fmt: skip


def why(result: RunResult, name: str) -> str:
    """Why the table's outcome fell where it did: where it stands between the two reservations
    of its month (the US's least and the host's most it could pay and ratify)."""
    table, rounds = result.outcome.tables[name], result.rounds
    month = rounds.iloc[(table.deal_round or len(rounds)) - 1]
    r_p, r_h = float(month[f"{name}.reservation_patron_usd_bn"]), float(month[f"{name}.reservation_host_usd_bn"])
    host = country(name)
    if r_p != r_p or r_h != r_h:
        return f"At the {title(name)} table the talks never opened."
    if r_p <= r_h:
        zone = f"the US would have settled for {usd(r_p)} and {host} could have paid up to {usd(r_h)}"
    else:
        zone = f"the US wanted at least {usd(r_p)} and {host} could pay at most {usd(r_h)}"
    if table.deal and table.payment_usd_bn is not None:
        share = (table.payment_usd_bn - r_p) / (r_h - r_p) if r_h - r_p > 1e-9 else 0.5
        side = "the US" if share >= 0.5 else host
        return (f"Why {usd(table.payment_usd_bn)}: that month {zone}; the deal gave {side} "
                f"{max(share, 1 - share):.0%} of that zone of agreement.")  # fmt: skip
    if r_p > r_h:
        return f"Why no deal at the {title(name)} table: in the last month {zone}, so no payment suited both."
    return (f"Why no deal at the {title(name)} table: in the last month {zone}, but the last demand "
            f"({usd(table.final_demand_usd_bn)}) and offer ({usd(table.final_counter_usd_bn)}) never met inside it.")


def debrief(result: RunResult, tables: list[str], government: str, seeds: int) -> list[str]:
    """The end of the student's run in words and why, then (seeds > 0) its place among the agents'
    runs with the same election outcome."""
    summary, scenario = result.outcome, result.scenario
    mine = summary.utilities[government]
    lines = ["", "=== How it ended ===", *story(result), *(why(result, name) for name in tables)]
    lines.append(f"Your government's utility: {mine:.2f} (US$bn a year, mean over {summary.rounds} rounds).")
    if seeds <= 0:
        return lines
    agents, which = like_with_like(result, seeds)
    patron = government == scenario.patron.name
    lines += ["", f"=== Debrief: you and {which} ==="]
    if not agents:
        return [*lines, "None of the agents' runs had that outcome: compare with more of them (--debrief-seeds)."]
    for name in tables:
        lines += compare_table(summary.tables[name], [a.tables[name] for a in agents], name, patron)
    theirs = np.array([a.utilities[government] for a in agents], dtype=float)
    lines.append(f"Your government's utility, {mine:.2f}, is higher than {share(theirs < mine)} of the "
                 f"agents' runs (their median {np.median(theirs):.2f}, range {theirs.min():.2f} to "
                 f"{theirs.max():.2f}).")  # fmt: skip
    same = simulate(scenario, result.seed).outcome
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
