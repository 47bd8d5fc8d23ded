"""sim.record and sim.events: the rounds table and the event log, kept as a run grows and
built as tables at its end."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.events import COLUMNS, EventLog
from sim.record import Record


def test_a_record_builds_typed_columns_in_their_order():
    record = Record(["round", "date", "deal", "payment", "troops", "reservation"])
    record.add((1, "2019-09", False, math.nan, 28_500, None))
    record.add((2, "2019-10", True, 1.25, 27_500, 1.1))
    frame = record.frame()
    assert list(frame.columns) == record.names and len(record) == 2
    assert frame["round"].dtype == np.int64 and frame["troops"].dtype == np.int64
    assert frame["deal"].dtype == bool and frame["payment"].dtype == np.float64
    assert frame["reservation"].isna().tolist() == [True, False]  # a None among floats is missing
    assert frame["date"].tolist() == ["2019-09", "2019-10"]
    assert record.column("payment")[1] == 1.25 and record.last("troops") == 27_500
    assert record.rows()[0]["date"] == "2019-09"


def test_declared_types_hold_whatever_the_values():
    """A run's table has one schema: whole-number offers stay float, a flag column stays bool,
    text is text, and an empty record has the same types."""
    types = {"round": np.int64, "date": "str", "offer": np.float64, "threat": np.bool_, "note": "str"}
    record = Record(list(types), types)
    record.add((1, "2019-09", 5, False, "first"))
    record.add((2, "2019-10", 4, True, None))
    for frame in (record.frame(), Record(list(types), types).frame()):
        assert [str(t) for t in frame.dtypes] == ["int64", "str", "float64", "bool", "str"]
    frame = record.frame()
    assert frame["offer"].tolist() == [5.0, 4.0] and frame["note"].isna().tolist() == [False, True]
    assert frame["date"].tolist() == ["2019-09", "2019-10"] and frame["threat"].tolist() == [False, True]


def test_a_round_of_the_wrong_width_is_refused_and_an_empty_record_has_its_columns():
    record = Record(["a", "b"])
    with pytest.raises(ValueError, match="a round of 3 values for 2 columns"):
        record.add((1, 2, 3))
    assert list(record.frame().columns) == ["a", "b"] and record.frame().empty


def test_the_event_log_counts_and_builds_its_table():
    log = EventLog()
    log.add(1, "2019-09", "united_states", "walkout", "south_korea", 0.4, "gap 40%")
    log.add(1, "2019-09", "united_states", "walkout", "japan", 0.2)
    log.add(2, "2019-10", "south_korea", "counter", "south_korea", 1.0)
    assert log.count("walkout") == 2 and log.count("walkout", "japan") == 1
    assert log.count_in(1, "walkout", "south_korea") == 1 and log.count_in(2, "walkout", "south_korea") == 0
    frame = log.frame()
    assert list(frame.columns) == COLUMNS and len(frame) == 3
    assert frame["round"].dtype == np.int64 and frame["value"].dtype == np.float64
    assert frame["details"].tolist() == ["gap 40%", "", ""]
    assert list(EventLog().frame().columns) == COLUMNS
    with pytest.raises(ValueError, match="unknown event kind"):
        log.add(3, "2019-11", "china", "invasion")
    pd.testing.assert_frame_equal(frame, log.frame())  # the same table each time it is asked
