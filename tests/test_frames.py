"""sim.frames: a table built block by block is the frame pd.DataFrame builds from the same columns."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from conftest import scenario

from sim import frames
from sim.events import COLUMNS, TYPES, EventLog
from sim.model import AllianceModel


def plain(names, columns, types=None):
    """What the table was built as before: pd.DataFrame from a dict of typed columns."""
    types = types or {}
    data = {}
    for name, values in zip(names, columns, strict=True):
        if types.get(name) == "str":
            data[name] = pd.array(values, dtype="str")
        elif name in types:
            data[name] = np.array(values, dtype=types[name])
        else:
            array = np.array(values) if values and not isinstance(values[0], str) else None
            data[name] = array if array is not None and array.dtype.kind in "bif" else list(values)
    return pd.DataFrame(data, columns=list(names), copy=False)


def same(built: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(built, expected, check_exact=True)
    assert list(built.dtypes) == list(expected.dtypes) and built.columns.dtype == expected.columns.dtype
    a, b = io.BytesIO(), io.BytesIO()
    built.to_parquet(a)
    expected.to_parquet(b)
    assert a.getvalue() == b.getvalue()  # the same file, byte for byte


@pytest.mark.parametrize("seed", [0, 3])
def test_a_runs_tables_are_the_frames_pandas_builds(seed):
    model = AllianceModel(scenario("baseline_2019"), rng=seed).run()
    record, log = model.record, model.log
    same(record.frame(), plain(record.names, list(zip(*record.values, strict=True))))
    rows = [[getattr(event, c) for c in COLUMNS] for event in log.rows]
    same(log.frame(), plain(COLUMNS, list(zip(*rows, strict=True)), TYPES))
    assert len(log.frame()) == len(log.rows) > 0


def test_mixed_and_empty_columns_are_left_to_pandas():
    names = ["n", "t", "mixed", "flag"]
    columns = [[1, 2], ["a", "b"], [1.0, None], [True, False]]
    same(frames.table(names, columns), plain(names, columns))
    empty = EventLog().frame()
    assert len(empty) == 0 and list(empty.columns)[:2] == ["round", "date"] and empty["round"].dtype == np.int64
