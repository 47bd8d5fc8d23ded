"""The dashboard in a real browser: Debian's chromium, driven by Playwright for Python, on a
server started as `allysim dashboard` starts it (assets from the local cache, no CDN). It catches
what the browser-less test cannot: a page that stays blank for want of its JavaScript, a grid
that Vue fails to draw, panels that do not reach the screen.

Needs /usr/bin/chromium (`apt-get install chromium`; never `playwright install`). Skipped
without it, except under CI=true, where a missing browser fails.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from conftest import stop
from playwright.sync_api import Page, expect, sync_playwright

from sim import app, dashboard

pytestmark = pytest.mark.slow  # a real browser: `make test-fast` leaves it out

CHROMIUM = Path("/usr/bin/chromium")
# --no-sandbox: we may run as root; the rest keep chromium off the network but for our server
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
FIGURES = "img.allysim-figure"
SCREEN = {"width": 1920, "height": 1080}  # a projector's
SMALLEST_PX = 14  # read from the back of a room
WAIT_MS = 30_000  # a round's redraw on two busy cores can take seconds
expect.set_options(timeout=WAIT_MS)  # and so can the server's answer to a moved lever (expect's own default: 5 s)
# Each visible piece of text: its size as drawn (a CSS transform scales it) and where it is.
DOM_TEXT_SIZES = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const text = walker.currentNode.textContent.trim();
    const el = walker.currentNode.parentElement;
    if (!text || !el.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    let scale = 1;
    for (let e = el; e; e = e.parentElement) {
      const t = getComputedStyle(e).transform;
      if (t && t !== "none") { const m = new DOMMatrixReadOnly(t); scale *= Math.hypot(m.b, m.d); }
    }
    out.push([parseFloat(getComputedStyle(el).fontSize) * scale, text.slice(0, 60)]);
  }
  return out;
}"""
# Each figure as shown: its width, its cell's, and its smallest text in px (an SVG's font sizes
# are in its own units, its viewBox drawn over the image's width).
FIGURE_SIZES = """async () => Promise.all([...document.querySelectorAll("img.allysim-figure")].map(async img => {
  const svg = new DOMParser().parseFromString(await (await fetch(img.src)).text(), "image/svg+xml");
  const units = parseFloat(svg.documentElement.getAttribute("viewBox").split(" ")[2]);
  const sizes = [...svg.querySelectorAll("text")].filter(t => t.textContent.trim())
    .map(t => parseFloat(t.getAttribute("style").match(/font-size: ([0-9.]+)px/)[1]));
  const cell = img.parentElement.getBoundingClientRect().width;
  return [img.getBoundingClientRect().width, cell, Math.min(...sizes) * img.getBoundingClientRect().width / units];
}))"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The URL of a dashboard server of our own, and its log; stopped (that process only) after."""
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{CHROMIUM} is missing under CI=true: install it with 'apt-get install -y chromium'")
        pytest.skip(f"no browser at {CHROMIUM} (apt-get install -y chromium); CI=true would fail here")
    dashboard.ensure_assets()
    port, log = free_port(), tmp_path_factory.mktemp("dashboard") / "server.log"
    env = {**dashboard.server_environment(), "PYTHONUNBUFFERED": "1"}
    with open(log, "w") as out:
        process = subprocess.Popen(dashboard.server_command("127.0.0.1", port), env=env, cwd=log.parent,
                                   stdout=out, stderr=subprocess.STDOUT)  # fmt: skip
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert process.poll() is None, f"the server stopped:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"no answer from {url} in 30 s:\n{log.read_text()}"
            try:
                urllib.request.urlopen(url, timeout=2).close()
                break
            except OSError:
                time.sleep(0.2)
        yield url, log
    finally:
        stop(process, timeout=10)


@pytest.fixture
def browser(server):
    """Chromium, and the problems its pages met (page errors, failed requests, HTTP errors)."""
    url, log = server
    problems: list[str] = []
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)

        def open_tab() -> Page:
            tab = chromium.new_context(viewport=SCREEN).new_page()
            tab.set_default_timeout(WAIT_MS)
            tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            tab.on("requestfailed", lambda request: problems.append(f"failed request: {request.url}"))
            tab.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
            tab.goto(url)
            tab.get_by_text("This run: round 0 of ").wait_for()
            return tab

        yield open_tab
        chromium.close()
    assert not problems, "\n".join(problems)
    assert "Could not load URL" not in log.read_text(), log.read_text()


def heading(page: Page, run: str = "This run") -> str:
    return page.locator(".allysim-heading", has_text=f"{run}: round").inner_text()


def step_to(page: Page, n: int) -> None:
    page.get_by_role("button", name="Step", exact=True).click()
    page.get_by_text(f"This run: round {n} of ").wait_for()


def test_at_1920_by_1080_the_page_reads_from_the_back_of_a_room(browser):
    page = browser()
    for n in (1, 2, 3):
        step_to(page, n)
    expect(page.locator(FIGURES)).to_have_count(4)
    small = [(px, text) for px, text in page.evaluate(DOM_TEXT_SIZES) if px < SMALLEST_PX]
    assert not small, f"text under {SMALLEST_PX} px: {small}"
    figures = page.evaluate(FIGURE_SIZES)
    for width, cell, smallest in figures:
        assert width >= cell - 1 and width >= 0.35 * SCREEN["width"], figures  # the figure fills its cell
        assert smallest >= SMALLEST_PX, figures
    page.set_viewport_size({"width": 2560, "height": 1440})  # a larger screen: larger figures, still filling
    expect(page.locator(FIGURES).first).not_to_have_js_property("width", round(figures[0][0]))
    wider = page.evaluate(FIGURE_SIZES)
    assert all(w >= cell - 1 and w > 1.2 * before for (w, cell, _), (before, *_) in zip(wider, figures, strict=True))
    feed = page.locator(".allysim-news").inner_text()
    assert "The United States asks South Korea for" in feed and "_" not in feed, feed
    # Mesa's own settings are not on the page
    for internal in ("Use Threads", "Render Interval", "Play Interval", "Page 0"):
        expect(page.get_by_text(internal)).to_have_count(0)
    expect(page.get_by_role("tab")).to_have_count(0)
    expect(page.get_by_role("checkbox")).to_have_count(0)


def test_a_moved_lever_asks_for_reset_and_a_kept_run_plays_beside_the_next(browser):
    page = browser()
    reset = page.get_by_role("button", name="Reset", exact=True)
    step_to(page, 1)
    demand = page.locator(".allysim-lever", has_text="US demand on Korea").get_by_role("slider")
    start = app.SEOUL.demand_usd_bn
    assert demand.get_attribute("aria-valuenow") == f"{start:g}"
    key, target = ("ArrowLeft", start - 2) if start >= 3 else ("ArrowRight", start + 2)
    demand.focus()
    for _ in range(8):  # 0.25 a press
        demand.press(key)
    expect(demand).to_have_attribute("aria-valuenow", f"{target:g}")
    # the page says what Reset would change, once the server has the new value
    notice = page.locator(".allysim-reset")
    expect(notice).to_contain_text(f"Press Reset to start again with US demand on Korea ${target:.2f}bn "
                                   f"(now ${start:.2f}bn)")  # fmt: skip
    expect(page.locator(".allysim-lever", has_text="US demand on Korea")).to_contain_text(f"${target:.2f}bn")
    reset.click()
    expect(notice).to_have_count(0)
    assert f"US demand on Korea ${target:.2f}bn" in heading(page) and "round 0 of" in heading(page)

    page.get_by_role("button", name="Keep this run").click()
    expect(notice).to_contain_text("the kept run beside it")
    seed = page.get_by_label("Seed")
    seed.fill("2")
    seed.press("Enter")
    expect(notice).to_contain_text("seed 2 (now 1)")
    reset.click()
    expect(notice).to_have_count(0)
    step_to(page, 1)
    page.get_by_text("Kept run: round 1 of ").wait_for()
    assert "seed 2" in heading(page) and "seed 1" in heading(page, "Kept run")
    mine, kept = (page.locator(".allysim-heading").nth(i).bounding_box() for i in (0, 1))
    assert mine and kept and abs(mine["y"] - kept["y"]) < 1 and kept["x"] >= mine["x"] + mine["width"]
    expect(page.locator(FIGURES)).to_have_count(8)
    zones = page.locator(".allysim-zone " + FIGURES)
    expect(zones).to_have_count(2)
    (left, right) = (zones.nth(i).bounding_box() for i in (0, 1))
    assert left and right and abs(left["y"] - right["y"]) < 1 and right["x"] > left["x"] + left["width"]
    expect(page.get_by_text("Where a deal can land this month")).to_have_count(1)

    other = browser()  # another tab has runs of its own
    assert "round 0 of" in heading(other) and "Kept run" not in other.locator(".allysim-runs").inner_text()
    step_to(page, 2)
    assert "round 0 of" in heading(other)
