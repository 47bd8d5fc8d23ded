"""Dates and rounds: one round is one month; round 1 is the scenario's start month.

A calendar is a pure function of its start month: what it answers is cached across runs
(module-level caches keyed by the start), since a sweep's runs ask the same questions.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from functools import lru_cache

DAYS_PER_MONTH = 30.44


def _date_of(start: date, round_: int) -> date:
    months = start.month - 1 + round_ - 1
    return date(start.year + months // 12, months % 12 + 1, 1)


@lru_cache(maxsize=8192)
def _label(start: date, round_: int) -> str:
    return _date_of(start, round_).strftime("%Y-%m")


@lru_cache(maxsize=8192)
def _months_until(start: date, round_: int, day: date) -> float:
    return (day - _date_of(start, round_)).days / DAYS_PER_MONTH


@lru_cache(maxsize=8192)
def _next_on_or_after(start: date, round_: int, days: tuple[date, ...]) -> date | None:
    return min((d for d in days if _round_of(start, d) >= round_), default=None)


def _round_of(start: date, day: date) -> int:
    return (day.year - start.year) * 12 + day.month - start.month + 1


class Calendar:
    def __init__(self, start: date, rounds: int):
        self.start = date(start.year, start.month, 1)
        self.rounds = rounds
        self._labels = [_label(self.start, r) for r in range(rounds + 2)]  # rounds 0 to one past the horizon

    def date_of(self, round_: int) -> date:
        """The first day of the round's month."""
        return _date_of(self.start, round_)

    def round_of(self, day: date) -> int:
        """The round whose month contains the day (may lie outside 1..rounds)."""
        return _round_of(self.start, day)

    def months_until(self, round_: int, day: date) -> float:
        return _months_until(self.start, round_, day)

    def label(self, round_: int) -> str:
        """'YYYY-MM' of the round."""
        if 0 <= round_ < len(self._labels):
            return self._labels[round_]
        return _label(self.start, round_)

    def next_on_or_after(self, round_: int, days: Sequence[date]) -> date | None:
        """The first of the days not in a month before this round's."""
        return _next_on_or_after(self.start, round_, tuple(days))
