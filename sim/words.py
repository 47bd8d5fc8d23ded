"""Text helpers: names, sums, an event and a run told in words, shared by the command line,
`allysim play`, its debrief and the classroom."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.events import Event
    from sim.outcomes import RunResult

KEY = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b")  # a name as the scenario spells it: south_korea
DETAIL_WORDS = {"tau": "transactionalism"}

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


def plain(details: str) -> str:
    """An event's details with every key in words: 'after south_korea at +20%' -> 'after South Korea at +20%'."""
    text = KEY.sub(lambda m: title(m.group()), details)
    return " ".join(DETAIL_WORDS.get(word, word) for word in text.split(" "))


def describe(event: Event) -> str:
    """One event of the log in words."""
    actor, kind, table, value = event.actor, event.kind, event.table, event.value
    details = plain(event.details)
    who, whose, where = country(actor), possessive(actor), title(table)
    text = {
        "accept": f"deal at {usd(value)} a year at the {where} table ({details})",
        "ratification failed": f"{possessive(table)} legislature rejects the deal at {usd(value)}",
        "stall": f"{who} stalls at {usd(value)}",
        "walkout": f"{who} walks out of the {where} talks ({details})",
        "resume": f"the {where} talks resume",
        "threat": f"{who} threatens a drawdown at {usd(value)} ({details})",
        "backing down": f"{who} backs down ({details})",
        "drawdown": f"{who} withdraws {value:,.0f} troops from {where} ({details})",
        "hedge": f"{whose} hedging toward China moves to {value:.2f} ({details})",
        "inducement": f"{whose} inducement to {where} rises to {usd(value)} a year",
        "coercion": f"{who} coerces {where} ({details})",
        "election": f"{who} holds its {details} election",
        "expiry": f"the {where} agreement expires",
        "lapse": f"the {where} agreement lapses",
        "posture change": f"a new US posture: the demand to {where} becomes {usd(value)} ({details})",
        "linkage": f"{possessive(actor)} idea of a fair payment at the {where} table moves by x{value:.2f} ({details})",
        "legislation": f"a bill setting the troop floor in {where} at {value:,.0f} ({details})",
        "security shock": f"a security shock changes the value of US troops to {where} by {usd(value)}",
    }
    return text.get(kind, f"{who} {kind} {where} {details}".strip())


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
