"""Dates and rounds: one round is one month; round 1 is the scenario's start month."""

from __future__ import annotations

from datetime import date

DAYS_PER_MONTH = 30.44


class Calendar:
    def __init__(self, start: date, rounds: int):
        self.start = date(start.year, start.month, 1)
        self.rounds = rounds
        self._labels: dict[int, str] = {}
        self._next: dict[tuple, date | None] = {}

    def date_of(self, round_: int) -> date:
        """The first day of the round's month."""
        months = self.start.month - 1 + round_ - 1
        return date(self.start.year + months // 12, months % 12 + 1, 1)

    def round_of(self, day: date) -> int:
        """The round whose month contains the day (may lie outside 1..rounds)."""
        return (day.year - self.start.year) * 12 + day.month - self.start.month + 1

    def months_until(self, round_: int, day: date) -> float:
        return (day - self.date_of(round_)).days / DAYS_PER_MONTH

    def label(self, round_: int) -> str:
        """'YYYY-MM' of the round."""
        if round_ not in self._labels:
            self._labels[round_] = self.date_of(round_).strftime("%Y-%m")
        return self._labels[round_]

    def next_on_or_after(self, round_: int, days: list[date]) -> date | None:
        """The first of the days not in a month before this round's."""
        key = (round_, tuple(days))
        if key not in self._next:
            self._next[key] = min((d for d in days if self.round_of(d) >= round_), default=None)
        return self._next[key]
