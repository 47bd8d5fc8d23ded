"""docs/ODD.md's parameter table is the one sim/docs.py generates from the current schema and
baseline, and it names every leaf of the schema."""

from __future__ import annotations

import re
import types
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from sim import docs
from sim.config import Scenario, load_scenario


def schema_leaves(model: type[BaseModel], prefix: str = "") -> list[str]:
    """Every leaf key path of the schema, walked here independently of sim.docs."""
    out = []
    for name, field in model.model_fields.items():
        kind, path = field.annotation, prefix + name
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        if isinstance(kind, types.UnionType) and len(args) == 1:
            kind = args[0]
        origin, args = typing.get_origin(kind), typing.get_args(kind)
        if origin is dict and issubclass(args[1], BaseModel):
            out += schema_leaves(args[1], f"{path}.<{name.removesuffix('s')}>.")
        elif origin is list and issubclass(args[0], BaseModel):
            out += schema_leaves(args[0], f"{path}[].")
        elif isinstance(kind, type) and issubclass(kind, BaseModel):
            out += schema_leaves(kind, f"{path}.")
        else:
            out.append(path)
    return out


def rows(table: str) -> dict[str, list[str]]:
    """Key path -> the row's other cells."""
    out = {}
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        out[cells[0].strip("`")] = cells[1:]
    return out


@pytest.fixture(scope="module")
def table() -> str:
    return docs.parameter_table()


def test_odd_block_is_what_the_generator_makes_now(table: str) -> None:
    block = docs.current_block(docs.ODD.read_text())
    assert block, f"{docs.ODD} has no {docs.START} ... {docs.END} block"
    assert block == f"{docs.START}\n{table}{docs.END}", (
        "docs/ODD.md's parameter table is out of date: run `python -m sim.docs`"
    )


def test_every_leaf_key_path_of_the_schema_is_in_the_table(table: str) -> None:
    paths = schema_leaves(Scenario)
    for expected in ("hosts.<host>.troop_floor", "publics.<public>.groups.<group>.share",
                     "calendar.administration_changes[].posture.transactionalism"):  # fmt: skip
        assert expected in paths
    listed = rows(table)
    missing = [p for p in paths if p not in listed]
    assert not missing, f"not in the parameter table: {missing}"
    assert len(listed) == len(paths)


def test_rows_carry_unit_default_and_every_baseline_value(table: str) -> None:
    row = rows(table)["hosts.<host>.troop_floor"]
    assert row[:2] == ["0", "persons"]
    hosts = load_scenario(docs.BASELINE).hosts
    values = {h.troop_floor for h in hosts.values()}
    expected = "; ".join(f"{n}: {h.troop_floor}" for n, h in hosts.items())
    assert row[3] == (f"each: {values.pop()}" if len(values) == 1 and len(hosts) > 1 else expected)


MINI = """\
name: mini
start: 2019-09-01
rounds: 12                # cal: a fact
patron:
  public: null
  walkout: {suspend_rounds: 2} # assumed: a flow mapping
hosts:
  h:
    public: p
    payment_usd_bn: 1.0
    demand_usd_bn: 2.0
    aspiration_usd_bn: 1.5
    patron_value_usd_bn: 3.0
    troops: 1000
    alliance_value_usd_bn: 2.0
    troop_value_usd_bn: 1.0
    talks_open: 2019-09-01
    agreement_expires: 2019-12-31
    elections:            # cal: the elections
      - {date: 2020-04-15}
publics:
  p:
    # a comment above a key
    groups:
      g: {share: 1.0, tolerance_median_usd_bn: 1.0}
"""


def test_sources_come_from_the_scenario_files_comments(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(MINI)
    source = {key: cells[-1] for key, cells in rows(docs.parameter_table(path)).items()}
    assert source["rounds"] == "cal: a fact"
    assert source["patron.walkout.suspend_rounds"] == "assumed: a flow mapping"
    assert source["patron.threat.deadline_rounds"] == docs.UNSET  # not in the file: the default
    assert source["hosts.<host>.troops"] == f"h: {docs.UNCOMMENTED}"
    assert source["hosts.<host>.elections[].date"] == "h[0]: on `elections`: cal: the elections"
    group_share = "publics.<public>.groups.<group>.share"
    assert source[group_share] == "p.g: on `groups`: a comment above a key"
    assert source["calendar.security_shocks[].date"] == docs.UNSET


def test_check_fails_on_a_stale_block_and_the_rewrite_mends_it(tmp_path: Path) -> None:
    odd = tmp_path / "ODD.md"
    odd.write_text(f"# ODD\n\n{docs.START}\n| stale |\n{docs.END}\n\nafter\n")
    assert docs.main(["--check", "--odd", str(odd)]) == 1
    assert docs.main(["--odd", str(odd)]) == 0
    assert docs.main(["--check", "--odd", str(odd)]) == 0
    text = odd.read_text()
    assert text.startswith("# ODD\n\n") and text.endswith(f"{docs.END}\n\nafter\n")
