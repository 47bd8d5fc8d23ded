"""A table from columns of Python values, built block by block.

`pd.DataFrame(dict_of_columns)` costs about 30 µs a column, most of it checks and type
inference; a run's rounds table has 54 columns and is built once per run. Here the columns are
typed once (numbers and flags as numpy, text as pandas' string arrays) and the frame is made
from one 2-d block per numpy type with `pandas.api.internals.create_dataframe_from_blocks`:
the same frame (columns, order, types, values), 3 to 5 times faster. Where that function is
missing (pandas before 3) or a column holds anything else (a None among numbers), the frame is
left to `pd.DataFrame`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import pandas as pd
import pyarrow as pa

try:
    from pandas.api.internals import create_dataframe_from_blocks
except ImportError:  # pandas < 3
    create_dataframe_from_blocks = None

_TEXT = pd.StringDtype("pyarrow", na_value=np.nan) if create_dataframe_from_blocks is not None else None


def text(values: Sequence) -> pd.api.extensions.ExtensionArray:
    """A column of text as `pd.array(values, dtype="str")` makes it."""
    if _TEXT is not None:
        return _TEXT.__from_arrow__(pa.array(values, type=pa.large_string()))  # type: ignore[attr-defined]
    return pd.array(values, dtype="str")


def table(
    names: Sequence[str], columns: Sequence[Sequence], types: dict[str, type | str] | None = None
) -> pd.DataFrame:
    """The frame of `columns` (one sequence of values each, all of one length) under `names`.

    A column named in `types` becomes a numpy array of that type, or a string array for "str";
    any other column of numbers or flags a numpy array of the type numpy gives it, a column of
    text a string array, and anything else (an empty column among them) is left to pandas.
    """
    types = types or {}
    if create_dataframe_from_blocks is not None and len(types) >= len(names) and all(n in types for n in names):
        return _declared(names, columns, types)
    typed: list = []
    for name, values in zip(names, columns, strict=True):
        kind = types.get(name)
        if kind == "str" or (kind is None and values and all(isinstance(v, str) for v in values)):
            typed.append(text(values))
        elif kind is not None:
            typed.append(np.array(values, dtype=kind))
        else:
            array = np.array(values)
            typed.append(array if values and array.dtype.kind in "bif" else list(values))
    if create_dataframe_from_blocks is None or any(isinstance(c, list) for c in typed):
        return pd.DataFrame(dict(zip(names, typed, strict=True)), columns=list(names), copy=False)
    by_type: dict[np.dtype, list[int]] = {}
    blocks = []
    for i, column in enumerate(typed):
        if isinstance(column, np.ndarray):
            by_type.setdefault(column.dtype, []).append(i)
        else:
            blocks.append((column, np.array([i])))
    for dtype, where in by_type.items():
        blocks.append((np.array([typed[i] for i in where], dtype=dtype), np.array(where)))
    n = len(columns[0]) if len(columns) else 0
    return create_dataframe_from_blocks(blocks, index=pd.RangeIndex(n), columns=_labels(tuple(names)).copy())


def _declared(names: Sequence[str], columns: Sequence[Sequence], types: dict[str, type | str]) -> pd.DataFrame:
    """The frame of columns whose every type is declared: one 2-d block per numpy type, made in
    one conversion from the columns of that type (what converting each column and stacking
    them gives, value for value), and a string array per column of text."""
    n = len(columns[0]) if len(columns) else 0
    blocks: list = []
    by_type: dict[np.dtype | str, list[int]] = {}
    for i, name in enumerate(names):
        kind = types[name]
        by_type.setdefault(kind if kind == "str" else np.dtype(kind), []).append(i)
    for dtype, where in by_type.items():
        if dtype == "str":  # every column of text from one Arrow array, each a slice of it
            whole = pa.array(itertools.chain.from_iterable(columns[i] for i in where), type=pa.large_string())
            blocks += [(_TEXT.__from_arrow__(whole.slice(k * n, n)), np.array([i]))  # type: ignore[union-attr]
                       for k, i in enumerate(where)]  # fmt: skip
        else:
            blocks.append((np.array([columns[i] for i in where], dtype=dtype), np.array(where)))
    return create_dataframe_from_blocks(blocks, index=pd.RangeIndex(n), columns=_labels(tuple(names)).copy())


@lru_cache(maxsize=256)
def _labels(names: tuple[str, ...]) -> pd.Index:
    """The columns' index, built once per set of names; each frame takes a shallow copy (its
    own object, so that setting a frame's `columns.name` leaves the others alone)."""
    return pd.Index(list(names))
