"""The event log: every decision of consequence, one typed record each."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import attrgetter

import numpy as np
import pandas as pd

from sim import frames

KINDS = (
    "offer", "counter", "accept", "ratification failed", "stall", "walkout", "resume",
    "threat", "backing down", "drawdown", "hedge", "inducement", "coercion", "election",
    "expiry", "lapse", "posture change", "linkage", "security shock", "legislation",
)  # fmt: skip

_KNOWN = frozenset(KINDS)

COLUMNS = ["round", "date", "actor", "kind", "table", "value", "details"]
TYPES: dict[str, type | str] = {"round": np.int64, "value": np.float64, "actor": "str", "date": "str",
                                "kind": "str", "table": "str", "details": "str"}  # fmt: skip
_fields = attrgetter(*COLUMNS)


@dataclass(frozen=True, slots=True)
class Event:
    round: int
    date: str
    actor: str
    kind: str
    table: str = ""
    value: float = float("nan")
    details: str = ""


@dataclass
class EventLog:
    """Events in the order they happened, with a count per (round, kind, table) for the phases."""

    rows: list[Event] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    def add(self, round_: int, date: str, actor: str, kind: str, table: str = "",
            value: float = float("nan"), details: str = "") -> Event:  # fmt: skip
        if kind not in _KNOWN:
            raise ValueError(f"unknown event kind {kind!r}")
        event = Event(round_, date, actor, kind, table, float(value), details)
        self.rows.append(event)
        key = (round_, kind, table)
        self.counts[key] = self.counts.get(key, 0) + 1  # (Counter's += on a new key goes through __missing__)
        return event

    def count_in(self, round_: int, kind: str, table: str) -> int:
        """How many events of this kind at this table in this round."""
        return self.counts.get((round_, kind, table), 0)

    def count(self, kind: str, table: str | None = None) -> int:
        return sum(1 for e in self.rows if e.kind == kind and (table is None or e.table == table))

    def frame(self) -> pd.DataFrame:
        """The log as a table, built column by column (numpy for numbers, pandas' string arrays
        for text: faster than letting pandas infer the types of a list of records)."""
        columns: list[Sequence] = (
            list(zip(*map(_fields, self.rows), strict=True)) if self.rows else [[] for _ in COLUMNS]
        )
        return frames.table(COLUMNS, columns, TYPES)
