"""The event log: every decision of consequence, one row each."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

KINDS = (
    "offer", "counter", "accept", "ratification failed", "stall", "walkout", "resume",
    "threat", "backing down", "drawdown", "hedge", "inducement", "coercion", "election",
    "expiry", "lapse", "posture change", "linkage", "security shock",
)  # fmt: skip

COLUMNS = ["round", "date", "actor", "kind", "table", "value", "details"]


@dataclass
class EventLog:
    """Rows of (round, date, actor, kind, table, value, details), in the order they happened."""

    rows: list[tuple] = field(default_factory=list)

    def add(self, round_: int, date: str, actor: str, kind: str, table: str = "",
            value: float = float("nan"), details: str = "") -> None:  # fmt: skip
        assert kind in KINDS, kind
        self.rows.append((round_, date, actor, kind, table, float(value), details))

    def in_round(self, round_: int) -> list[tuple]:
        out = []
        for row in reversed(self.rows):
            if row[0] < round_:
                break
            if row[0] == round_:
                out.append(row)
        return out[::-1]

    def count(self, kind: str, table: str | None = None) -> int:
        return sum(1 for r in self.rows if r[3] == kind and (table is None or r[4] == table))

    def frame(self) -> pd.DataFrame:
        columns = list(zip(*self.rows, strict=True)) if self.rows else [()] * len(COLUMNS)
        types = {"round": "int64", "value": "float64"}
        pairs = zip(COLUMNS, columns, strict=True)
        return pd.DataFrame({name: pd.Series(values, dtype=types.get(name, "str")) for name, values in pairs})
