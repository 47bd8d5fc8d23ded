"""The rounds table as the run grows: one tuple of values per round under fixed column names.

A round is recorded as one tuple (cheaper than a dict a round); the table is built once, at the
end, column by column.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from sim import frames


class Record:
    """The recorded rounds: `names` are the columns, `values` one tuple per round."""

    def __init__(self, names: list[str], types: dict[str, type | str] | None = None):
        self.names = list(names)
        self.types = dict(types or {})
        self.index = {name: i for i, name in enumerate(self.names)}
        self.values: list[tuple] = []

    def __len__(self) -> int:
        return len(self.values)

    def add(self, values: tuple) -> None:
        if len(values) != len(self.names):
            raise ValueError(f"a round of {len(values)} values for {len(self.names)} columns")
        self.values.append(values)

    def column(self, name: str) -> list:
        """One column's values, round by round."""
        i = self.index[name]
        return [row[i] for row in self.values]

    def last(self, name: str):
        return self.values[-1][self.index[name]]

    def rows(self) -> list[dict]:
        """The rounds as dicts, column name to value."""
        return [dict(zip(self.names, row, strict=True)) for row in self.values]

    def frame(self) -> pd.DataFrame:
        """The rounds table. A column of a declared type (`types`: a numpy type, or "str" for
        text) is of that type whatever its values; any other column of numbers or flags becomes
        a numpy column (int64, float64, bool), and text and anything numpy would hold as objects
        (a None among floats) is left to pandas."""
        columns: list[Sequence] = list(zip(*self.values, strict=True)) if self.values else [[] for _ in self.names]
        return frames.table(self.names, columns, self.types)
