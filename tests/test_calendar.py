"""sim.calendar: rounds are months from the scenario's start month."""

from __future__ import annotations

from datetime import date

import pytest

from sim.calendar import DAYS_PER_MONTH, Calendar


@pytest.fixture
def cal() -> Calendar:
    return Calendar(date(2019, 9, 17), 28)  # the baseline's start: round 1 is September 2019


def test_round_one_is_the_start_month_and_rounds_cross_years(cal):
    assert cal.date_of(1) == date(2019, 9, 1) and cal.label(1) == "2019-09"
    assert cal.date_of(5) == date(2020, 1, 1) and cal.label(28) == "2021-12"


def test_round_of_is_the_inverse_of_date_of_and_reaches_outside_the_horizon(cal):
    for r in range(-7, 40):
        assert cal.round_of(cal.date_of(r)) == r
    assert cal.round_of(date(2019, 9, 30)) == 1 and cal.round_of(date(2020, 4, 15)) == 8
    assert cal.round_of(date(2019, 1, 1)) == -7


def test_months_until_counts_days_from_the_rounds_first_day(cal):
    assert cal.months_until(1, date(2019, 10, 1)) == pytest.approx(30 / DAYS_PER_MONTH)
    assert cal.months_until(8, date(2020, 4, 15)) == pytest.approx(14 / DAYS_PER_MONTH)
    assert cal.months_until(3, date(2019, 9, 1)) < 0


def test_the_next_day_on_or_after_a_round_skips_earlier_months(cal):
    days = [date(2020, 4, 15), date(2019, 12, 31), date(2020, 11, 3)]
    assert cal.next_on_or_after(1, days) == date(2019, 12, 31)
    assert cal.next_on_or_after(4, days) == date(2019, 12, 31)  # its month is round 4's
    assert cal.next_on_or_after(5, days) == date(2020, 4, 15)
    assert cal.next_on_or_after(27, days) is None
