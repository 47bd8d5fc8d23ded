"""Text helpers: names, sums and a run told in a few lines, shared by the command line,
`allysim play` and its debrief."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.outcomes import RunResult

COUNTED = {  # summary key -> word in the story
    "walkouts": "walkout",
    "threats": "threat",
    "drawdowns": "drawdown",
    "ratification_failures": "failed ratification",
    "stalled_rounds": "stalled round",
}


def title(name: str) -> str:
    """A key as a name: 'south_korea' -> 'South Korea'."""
    return name.replace("_", " ").title()


def plain(text: str, names: Iterable[str]) -> str:
    """Each of the keys `names` in a text as a name: 'after south_korea at +52%' -> 'after South Korea at +52%'."""
    for name in sorted(set(names), key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(name)}\b", title(name), text)
    return text


def usd(x: float | None) -> str:
    """'$1.23bn'; '-' where there is no figure."""
    return "-" if x is None else f"${x:,.2f}bn"


def country(name: str) -> str:
    """'the United States', 'South Korea': plural names take the article."""
    shown = title(name)
    return f"the {shown}" if shown.endswith("s") else shown


def capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def possessive(name: str) -> str:
    shown = country(name)
    return shown + ("'" if shown.endswith("s") else "'s")


def story(result: RunResult) -> list[str]:
    """A few lines that tell what happened in the run."""
    from sim.outcomes import OUTCOMES

    lines = []
    for host, t in result.outcome.tables.items():
        name = title(host)
        if OUTCOMES["deal"].happened(t):
            head = (f"{name}: deal in {t.deal_date} (round {t.deal_round}) at "
                    f"${t.payment_usd_bn:.2f}bn a year ({t.increase_pct:+.0f}%)")  # fmt: skip
        else:
            head = f"{name}: no deal; last demand ${t.final_demand_usd_bn:.2f}bn"
            if t.final_counter_usd_bn is not None:
                head += f", last offer ${t.final_counter_usd_bn:.2f}bn"
        notes = []
        for key, word in COUNTED.items():
            count = getattr(t, key)
            if count:
                notes.append(f"{count} {word}{'s' if count > 1 else ''}")
        if OUTCOMES["lapse"].happened(t):
            notes.append("the agreement lapsed")
        if OUTCOMES["drawdown"].happened(t):
            notes.append(f"{t.troops_withdrawn:,} troops withdrawn")
        notes.append(f"hedging peaked at {t.hedging_peak:.2f}")
        if t.opposition_final is not None:
            notes.append(f"{t.opposition_final:.0%} of the public opposed the final figure")
        lines.append(f"{head}; " + ", ".join(notes) + ".")
    if not result.events.empty:
        changes = result.events[result.events["kind"] == "posture change"]
        if not changes.empty:
            lines.append(f"The US posture changed in {changes['date'].iloc[0]}.")
    return lines
