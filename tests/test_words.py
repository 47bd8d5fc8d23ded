"""sim.words: the text helpers that the command line, `allysim play` and its debrief share."""

from __future__ import annotations

from conftest import BASELINE, ROOT

from sim.config import load_scenario
from sim.outcomes import simulate
from sim.words import capital, country, possessive, story, title, usd


def test_names_read_as_words():
    assert title("south_korea") == "South Korea" and title("united_states") == "United States"
    assert country("united_states") == "the United States" and country("japan") == "Japan"
    assert possessive("united_states") == "the United States'" and possessive("south_korea") == "South Korea's"
    assert capital("the United States") == "The United States" and capital("") == ""


def test_sums_in_billions():
    assert usd(0.9237) == "$0.92bn" and usd(1234.5) == "$1,234.50bn"


def test_the_story_has_a_line_per_table_that_agrees_with_the_summary():
    result = simulate(load_scenario(BASELINE), 1)
    lines = story(result)
    tables = result.summary["tables"]
    for name, line in zip(tables, lines, strict=False):
        t = tables[name]
        assert line.startswith(title(name) + ": ")
        assert (f"deal in {t['deal_date']}" in line) == t["deal"]
        assert f"hedging peaked at {t['hedging_peak']:.2f}" in line


def test_library_code_leaves_matplotlib_and_its_backend_alone():
    """Figures are matplotlib's own objects: no module of the package selects a backend or uses
    pyplot's global state (a notebook's or a user's choice of backend stays theirs)."""
    package = ROOT / "sim"
    for path in package.rglob("*.py"):
        text = path.read_text()
        assert "matplotlib.use(" not in text and "import matplotlib.pyplot" not in text, path
