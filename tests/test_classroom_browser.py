"""The classroom in a real browser: Debian's chromium, driven by Playwright for Python, on a
server started by `allysim classroom` itself. Three students and the instructor, each in a
browser context of their own, play a short game to its end: a reloaded page keeps its seat, a
student who leaves mid-game is stalled by the timer without stalling the class, and the
instructor's histogram and the exported files agree with what was played.

Needs /usr/bin/chromium (`apt-get install chromium`; never `playwright install`). Skipped
without it, except under CI=true, where a missing browser fails.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import urllib.request

import pandas as pd
import pytest
from conftest import BASELINE, stop
from playwright.sync_api import Browser, Page, expect, sync_playwright
from test_dashboard_browser import CHROMIUM, CHROMIUM_ARGS, free_port

pytestmark = pytest.mark.slow  # a real browser and a server: `make test-fast` leaves it out

ROUND_SECONDS = 5
SCENARIO = f"""\
extends: {BASELINE}
name: short_class
rounds: 3
hosts:
  japan:
    talks_open: 2019-09-15   # both tables meet from the first round: every student moves
"""


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """A class of two games (three students; one student chair left empty), as `allysim
    classroom` starts it: its URL, code, instructor key, folder and log."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing under CI=true: install it with 'apt-get install -y chromium'")
        pytest.skip(f"no browser at {CHROMIUM} (apt-get install -y chromium); CI=true would fail here")
    folder = tmp_path_factory.mktemp("classroom")
    scenario = folder / "short_class.yaml"
    scenario.write_text(SCENARIO)
    port, log = free_port(), folder / "server.log"
    command = [sys.executable, "-m", "sim", "classroom", str(scenario), "--seats", "all", "south_korea",
               "--round-seconds", str(ROUND_SECONDS), "--port", str(port), "--out", str(folder / "class")]  # fmt: skip
    with open(log, "w") as out:
        process = subprocess.Popen(command, cwd=folder, stdout=out, stderr=subprocess.STDOUT,
                                   env={**os.environ, "PYTHONUNBUFFERED": "1"})  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        started, deadline = time.monotonic(), time.monotonic() + 60
        while True:
            assert process.poll() is None, f"the classroom stopped:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no answer from {url} in 60 s:\n{log.read_text()}"
            try:
                urllib.request.urlopen(url + "/", timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        print(f"classroom answering after {time.monotonic() - started:.1f} s")
        text = log.read_text()
        code = re.search(r"with the class code (\w+)", text).group(1)
        key = re.search(r"/teacher\?key=(\S+)", text).group(1)
        yield url, code, key, folder / "class", log
    finally:
        stop(process, timeout=15)  # the command stops its server


@pytest.fixture
def browser():
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def open_page(browser: Browser, url: str, problems: list[str]) -> Page:
    """A page in a browser context of its own (its own cookies and storage: another person)."""
    page = browser.new_context(viewport={"width": 1300, "height": 1000}).new_page()
    page.set_default_timeout(15_000)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
    page.goto(url)
    return page


def join(page: Page, code: str, seat: str) -> None:
    page.get_by_label("Class code").fill(code)
    page.get_by_role("button", name=seat).click(no_wait_after=True)  # the page changes its address, no load
    page.wait_for_url(re.compile(r"/seat\?token="))


def move(page: Page, table: str, kind: str, amount: float | None = None) -> None:
    section = page.locator(f".allysim-table-{table}")
    section.get_by_role("button", name=kind, exact=True).click()
    if amount is not None:
        field = section.get_by_label(re.compile("Amount at the"))
        field.fill(f"{amount:g}")


def send(page: Page, expect_in_confirmation: str) -> None:
    page.get_by_role("button", name="Send move").click()
    expect(page.get_by_text("You will send:")).to_contain_text(expect_in_confirmation)
    confirm = page.get_by_role("button", name="Confirm and send")
    confirm.click()
    expect(confirm).to_have_count(0)  # sent (the page then waits for the others, or the next round opens)


def round_shown(page: Page, n: int) -> None:
    page.get_by_text(re.compile(rf"^Round {n} of 3 ")).wait_for()


def test_a_class_plays_a_game_to_its_end(classroom, browser):
    url, code, key, folder, log = classroom
    problems: list[str] = []
    teacher = open_page(browser, f"{url}/teacher?key={key}", problems)
    teacher.get_by_text(f"class code {code}").wait_for()
    intruder = open_page(browser, f"{url}/teacher?key=wrong", problems)
    intruder.get_by_text("needs the key").wait_for()  # a student cannot reach the instructor's buttons
    us, korea, japan = (open_page(browser, url + "/", problems) for _ in range(3))
    join(us, code, "Game 1: United States")
    join(korea, code, "Game 1: South Korea")
    join(japan, code, "Game 1: Japan")
    expect(us.get_by_role("button", name="Game 1: South Korea")).to_have_count(0)  # taken seats leave the list

    korea.reload()  # a reloaded page keeps its seat
    korea.get_by_text("you are the government of South Korea").wait_for()
    teacher.get_by_text("South Korea (student): joined").first.wait_for()

    teacher.get_by_role("button", name="Start").click()
    clock = time.monotonic()
    for page in (us, korea, japan):
        round_shown(page, 1)
        expect(page.get_by_role("button", name="Send move")).to_be_disabled()  # no move chosen for the student
        expect(page.locator(".v-btn--active")).to_have_count(0)
    move(us, "south_korea", "demand", 4.0)
    move(us, "japan", "demand", 6.5)
    send(us, "demand 4 at the South Korea table; demand 6.5 at the Japan table")
    move(korea, "south_korea", "counter", 9.0)  # above the demand: the page asks first
    korea.get_by_role("button", name="Send move").click()
    expect(korea.get_by_text("at or above the demand")).to_be_visible()
    korea.get_by_role("button", name="Change").click()
    expect(korea.locator(".allysim-table-south_korea .v-btn--active")).to_have_text("counter")  # the choice is kept
    korea.locator(".allysim-table-south_korea").get_by_label(re.compile("Amount at the")).fill("1.2")
    send(korea, "counter 1.2 at the South Korea table")
    move(japan, "japan", "counter", 2.1)
    send(japan, "counter 2.1 at the Japan table")
    for page in (us, korea):  # all three moved: the round closes at once, not at the timer
        round_shown(page, 2)
    first_round = time.monotonic() - clock
    assert first_round < ROUND_SECONDS, f"the round waited {first_round:.1f} s for the timer"

    clock = time.monotonic()  # round 2 is open: its timer runs from here, however long what follows takes
    japan.context.close()  # Japan's student leaves mid-game
    move(us, "south_korea", "hold")
    move(us, "japan", "hold")
    send(us, "hold at the South Korea table; hold at the Japan table")
    move(korea, "south_korea", "counter", 1.3)
    send(korea, "counter 1.3 at the South Korea table")
    round_shown(us, 3)  # the timer closed the round: Japan stalled
    second_round = time.monotonic() - clock
    assert ROUND_SECONDS - 1 <= second_round < ROUND_SECONDS + 5, second_round
    print(f"a round with every seat moving: {first_round:.1f} s; with one seat left to the timer: {second_round:.1f} s")

    teacher.get_by_role("button", name="Advance round").click()  # the instructor ends round 3 now
    for page in (us, korea):
        page.get_by_text("The game is over").wait_for()
        page.get_by_text(re.compile(r"^Ended in round 3 of 3 ")).wait_for()
        assert page.get_by_text(re.compile(r"\d+ s left|paused$")).count() == 0  # no clock once it is over
    teacher.get_by_text("The class is finished").wait_for(timeout=30_000)
    teacher.get_by_text(re.compile(r"^Agents at the South Korea table: deals in \d+ of 100")).wait_for(timeout=60_000)
    teacher.get_by_text("All saved in").wait_for(timeout=30_000)

    # the exported files, and the instructor's figures agree with them
    outcomes = pd.read_parquet(folder / "outcomes.parquet")
    assert sorted(outcomes.game.unique()) == [1, 2] and set(outcomes.table) == {"south_korea", "japan"}
    assert pd.read_csv(folder / "outcomes.csv").shape == outcomes.shape
    agents = pd.read_parquet(folder / "agents.parquet")
    assert agents.seed.nunique() == 100 and pd.read_csv(folder / "agents.csv").shape == agents.shape
    page_text = teacher.inner_text("body")
    for name, shown in (("south_korea", "South Korea"), ("japan", "Japan")):
        ours, theirs = outcomes[outcomes.table == name], agents[agents.table == name]
        assert f"Class at the {shown} table: deals in {int(ours.deal.sum())} of 2" in page_text
        assert f"Agents at the {shown} table: deals in {int(theirs.deal.sum())} of 100" in page_text
    figures = teacher.locator("img")
    expect(figures).to_have_count(2)  # the class histogram and the replayed game's trace
    widths = [figures.nth(i).evaluate("img => img.complete ? img.naturalWidth : 0") for i in range(2)]
    assert min(widths) > 800, widths  # both drawn (the histogram is 1,680 px wide, the trace 1,100)

    moves = pd.read_parquet(folder / "moves.parquet")
    assert pd.read_csv(folder / "moves.csv").shape == moves.shape
    game = moves[moves.game == 1].set_index(["round", "government", "table"])
    assert game.loc[(1, "south_korea", "south_korea"), "sent"] == "counter 1.2"
    assert game.loc[(1, "united_states", "japan"), "sent"] == "demand 6.5"
    assert game.loc[(2, "japan", "japan"), "by"] == "timer" and game.loc[(2, "japan", "japan"), "played"] == "stall"
    assert game.loc[(2, "south_korea", "south_korea"), "by"] == "student"
    assert (moves[moves.game == 2].by == "timer").all()  # game 2's student chair was never taken
    for number in (1, 2):
        saved = folder / f"game-{number}"
        for name in ("events.parquet", "events.csv", "rounds.parquet", "summary.json", "moves.parquet", "trace.png"):
            assert (saved / name).stat().st_size > 0, saved / name
    events = pd.read_parquet(folder / "game-1" / "events.parquet")
    korea_offers = events[(events.kind == "counter") & (events.actor == "south_korea")].value.round(6).tolist()
    assert korea_offers[:2] == [1.2, 1.3]  # what the students sent is what the model played

    assert not problems, "\n".join(problems)
    assert "Could not load URL" not in log.read_text() and "Traceback" not in log.read_text(), log.read_text()
