"""The calibration cases (configs/cases/): each loads as a scenario with its observed statistics,
stays before the cut-off of the record, matches the record's numbers and runs; a bad case file
gives one line naming the file and the key path."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from conftest import ROOT, SHARED

from sim.calibration.cases import DAYS_PER_MONTH, STATISTICS, load_case
from sim.cli import main
from sim.config import ScenarioError, load_scenario
from sim.outcomes import simulate

CASES_DIR = ROOT / "configs" / "cases"
TEMPLATE = CASES_DIR / "_template.yaml"
CASES = sorted(p for p in CASES_DIR.glob("*.yaml") if not p.name.startswith("_"))
CUTOFF = date(2019, 11, 23)  # the record's as_of: nothing from after it
HISTORY = yaml.safe_load((SHARED / "data" / "history_before_2019.yaml").read_text())
RECORD = {"sk_sma7": "ROK-SMA7", "sk_sma8": "ROK-SMA8", "sk_sma9": "ROK-SMA9", "sk_sma10": "ROK-SMA10",
          "jp_2008": "JPN-SMA2008", "jp_2016": "JPN-SMA2016"}  # fmt: skip


def record(case_name: str) -> dict:
    country = "south_korea" if case_name.startswith("sk_") else "japan"
    return next(n for n in HISTORY[country]["negotiations"] if n["id"] == RECORD[case_name])


def covers(stat, value: float, tolerance: float = 0.0) -> bool:
    low, high = stat.bounds
    return low - tolerance <= value <= high + tolerance


def test_the_cases_asked_for_are_there():
    assert {p.stem for p in CASES} >= set(RECORD)


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_every_case_loads_with_one_host_and_all_five_statistics(path):
    case = load_case(path)
    assert case.name == path.stem and len(case.scenario.hosts) == 1
    for name in STATISTICS:
        stat = getattr(case.observed, name)
        assert stat.known or stat.reason, f"{path.name}: {name} neither observed nor explained"
        assert not stat.known or stat.source


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_every_date_of_a_case_is_before_the_cutoff(path):
    s = load_case(path).scenario
    months = s.start.year * 12 + s.start.month - 1 + s.rounds - 1
    assert date(months // 12, months % 12 + 1, 1) < CUTOFF, "the horizon runs past the cut-off"
    days = [s.start, *s.patron.elections]
    for host in s.hosts.values():
        days += [host.talks_open, host.agreement_expires, *(e.date for e in host.elections)]
    assert max(days) < CUTOFF


@pytest.mark.parametrize("name", ["sk_sma7", "sk_sma8", "sk_sma9", "sk_sma10"])
def test_a_korean_case_matches_the_record(name):
    case, rec = load_case(CASES_DIR / f"{name}.yaml"), record(name)
    host = case.scenario.hosts["south_korea"]
    outcome = rec["outcome"]
    assert case.observed.first_year_change_pct.bounds == (outcome["change_pct"]["value"],) * 2
    # the status-quo payment is the year before the agreement: its ratio to the first year is the change
    before = HISTORY["south_korea"]["background"]["amounts_krw_bn"]["value"][host.agreement_expires.year]
    assert 100 * (outcome["first_year_krw_bn"]["value"] / before - 1) == pytest.approx(
        outcome["change_pct"]["value"], abs=0.15
    )
    assert host.agreement_expires == rec["timeline"]["previous_expiry"]["date"]
    assert host.term_years == outcome["duration_years"]
    assert case.observed.walkouts.bounds == (0, 0) and rec["pressure"]["walkouts"] == "none found"


def test_the_durations_and_lapses_match_the_record():
    for name, days in (("sk_sma9", 194), ("sk_sma10", 340)):
        stat = load_case(CASES_DIR / f"{name}.yaml").observed.months_to_deal
        assert record(name)["timeline"]["talk_duration_days"]["value"] == days
        assert covers(stat, days / DAYS_PER_MONTH, 0.01)
    lapses = {"sk_sma9": ("deal_days_after_expiry", "ratified_days_after_expiry"),
              "sk_sma10": ("initialled_days_after_expiry", "ratified_days_after_expiry"),
              "sk_sma7": ("ratified_days_after_expiry",), "jp_2008": ("days",)}  # fmt: skip
    for name, keys in lapses.items():
        stat, lapse = load_case(CASES_DIR / f"{name}.yaml").observed.lapse_days, record(name)["timeline"]["lapse"]
        assert all(covers(stat, lapse[k]) for k in keys), name
        assert stat.bounds[1] == max(lapse[k] for k in keys)
    assert load_case(CASES_DIR / "jp_2016.yaml").observed.lapse_days.bounds == (0, 0)


def test_the_japanese_cases_match_the_record():
    jp08, jp16 = load_case(CASES_DIR / "jp_2008.yaml"), load_case(CASES_DIR / "jp_2016.yaml")
    total = record("jp_2008")["outcome"]["fy2008_total_jpy_bn"]
    change = float(re.match(r"-?[\d.]+", total["change"]).group())
    assert covers(jp08.observed.first_year_change_pct, 100 * change / (total["value"] - change), 0.05)
    assert not jp08.observed.walkouts.known and "pressure" not in record("jp_2008")
    assert covers(
        jp16.observed.first_year_change_pct, record("jp_2016")["outcome"]["total_5yr_jpy_bn"]["change_pct_derived"]
    )
    assert jp16.scenario.hosts["japan"].demand_usd_bn == pytest.approx(
        1.3 * jp16.scenario.hosts["japan"].payment_usd_bn
    )


def test_sma10s_demand_is_carried_as_the_range_of_its_reports():
    case = load_case(CASES_DIR / "sk_sma10.yaml")
    reported = case.observed.uncertain_inputs["hosts.south_korea.demand_usd_bn"]
    assert (reported.low, reported.high) == (1.0, 1.6)
    assert len(record("sk_sma10")["positions"]["us_opening"]) == 6  # five figures and one without


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_a_case_runs_with_one_seed(path):
    case = load_case(path)
    table = simulate(case.scenario, 1).summary["tables"][case.host]
    assert table["walkouts"] >= 0 and table["deal"] in (True, False)


def test_allysim_run_takes_a_case_and_the_scenario_loader_stays_strict(tmp_path, capsys):
    assert main(["run", str(CASES_DIR / "sk_sma10.yaml"), "--no-plot", "--out", str(tmp_path / "out")]) == 0
    assert "observed" not in (tmp_path / "out" / "scenario.yaml").read_text()
    with pytest.raises(ScenarioError, match="observed: unknown key"):
        load_scenario(CASES_DIR / "sk_sma10.yaml")


def bad_case(tmp_path, change) -> str:
    text = (CASES_DIR / "sk_sma9.yaml").read_text().replace("extends: _template.yaml", f"extends: {TEMPLATE}")
    path = tmp_path / "bad.yaml"
    path.write_text(change(text))
    return str(path)


@pytest.mark.parametrize(
    "change, words",
    [
        (
            lambda t: t.replace("  months_to_deal:", "  months_to_dael:"),
            "observed.months_to_dael: unknown key; accepted keys here: first_year_change_pct, months_to_deal",
        ),
        (lambda t: re.sub(r"\n  walkouts: .*", "", t), "observed.walkouts: required key is missing"),
        (
            lambda t: re.sub(r"\n  walkouts: .*", "\n  walkouts: {value: null}", t),
            "observed.walkouts: a statistic without a value needs the reason",
        ),
        (
            lambda t: t.replace("{value: 5.8, source:", "{value: 5.8, low: 5, source:"),
            "observed.first_year_change_pct: give a value or",
        ),
        (
            lambda t: t.replace('{value: 0, source: "data: pressure.walkouts', '{value: -1, source: "'),
            "walkouts: a count or a duration is not negative",
        ),
        (lambda t: t[: t.index("observed:")], "observed: a case needs the statistics"),
        (
            lambda t: t + "  uncertain_inputs: {hosts.south_korea.demand_usd_bn: {low: 2, high: 3, source: x}}\n",
            "observed.uncertain_inputs.hosts.south_korea.demand_usd_bn: the scenario's value 0.941 lies outside",
        ),
        (
            lambda t: t + "  uncertain_inputs: {hosts.south_korea.demand: {low: 2, high: 3, source: x}}\n",
            "observed.uncertain_inputs.hosts.south_korea.demand: names no numeric parameter",
        ),
        (
            lambda t: t.replace("  japan: null\n  south_korea:\n    payment", "  south_korea:\n    payment", 1),
            "hosts.japan",
        ),
    ],
    ids=[
        "misspelt",
        "missing",
        "null-without-reason",
        "value-and-range",
        "negative",
        "no-observed",
        "input-outside-range",
        "input-unknown-key",
        "second-host",
    ],  # fmt: skip
)
def test_a_bad_case_gives_one_line_with_the_file_and_the_key_path(tmp_path, capsys, change, words):
    path = bad_case(tmp_path, change)
    with pytest.raises(ScenarioError) as caught:
        load_case(path)
    assert str(caught.value).startswith(f"{path}: ") and words in str(caught.value)
    if "observed:" not in Path(path).read_text():
        return  # without observed: the file is a scenario, and allysim check rightly takes it
    assert main(["check", path]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and path in err and words in err
