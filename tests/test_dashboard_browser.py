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
from playwright.sync_api import Page, expect, sync_playwright

from sim import app, dashboard

pytestmark = pytest.mark.slow  # a real browser: `make test-fast` leaves it out

CHROMIUM = Path("/usr/bin/chromium")
# --no-sandbox: we may run as root; the rest keep chromium off the network but for our server
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]  # fmt: skip
DEMAND = "US demand on Korea ($bn)"
PLOTS = ".vue-grid-item img.widget-image"


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
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def page(server):
    url, log = server
    problems: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.set_default_timeout(10_000)
        tab.on("pageerror", lambda error: problems.append(f"page error: {error}"))
        tab.on("requestfailed", lambda request: problems.append(f"failed request: {request.url}"))
        tab.on("response", lambda r: r.status >= 400 and problems.append(f"HTTP {r.status}: {r.url}"))
        tab.goto(url)
        yield tab
        browser.close()
    assert not problems, "\n".join(problems)
    assert "Could not load URL" not in log.read_text(), log.read_text()


def feed(page: Page) -> str:
    return page.locator(".vue-grid-item", has_text="Round ").inner_text()


def wait_for_feed(page: Page, text: str, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if text in feed(page):
            return True
        time.sleep(0.1)
    return False


def test_dashboard_in_the_browser(page: Page):
    step, reset = (page.get_by_role("button", name=label, exact=True) for label in ("Step", "Reset"))
    reset.click()  # a fresh session has a fresh model, but start clean all the same
    page.locator(PLOTS).nth(2).wait_for()
    assert page.locator(PLOTS).count() == 3
    start = app.SEOUL.demand_usd_bn
    assert wait_for_feed(page, "No events yet") and f"US demand on South Korea ${start:.2f}bn" in feed(page)
    before = [page.locator(PLOTS).nth(i).get_attribute("src") for i in range(3)]
    step.click()  # once its result shows, the server has finished the Reset too
    page.get_by_text("Time: 1.0", exact=True).wait_for()

    demand = page.get_by_role("slider", name=DEMAND, exact=True)
    assert demand.get_attribute("aria-valuenow") == f"{start:g}"
    key, target = ("ArrowLeft", start - 2) if start >= 3 else ("ArrowRight", start + 2)
    demand.focus()
    for _ in range(8):  # 0.25 a press
        demand.press(key)
    expect(demand).to_have_attribute("aria-valuenow", f"{target:g}")
    # The browser shows the new value at once, but ipywidgets holds a widget's changes back while
    # the server is busy, and a click can overtake them: Reset until the run has the new demand.
    for _ in range(5):
        reset.click()
        if wait_for_feed(page, f"US demand on South Korea ${target:.2f}bn", timeout_s=1.5):
            break
    assert f"US demand on South Korea ${target:.2f}bn" in feed(page), feed(page)
    page.get_by_text("Time: 0.0", exact=True).wait_for()

    for n in (1, 2, 3):
        step.click()
        page.get_by_text(f"Time: {n}.0", exact=True).wait_for()
        assert wait_for_feed(page, f"Round {n} of "), feed(page)
        if n == 1:  # the run opens with the new demand
            assert f"United States: offer (South Korea) ${target:.2f}bn" in feed(page), feed(page)
    after = [page.locator(PLOTS).nth(i).get_attribute("src") for i in range(3)]
    assert all(a != b for a, b in zip(before, after, strict=True)), "a panel did not redraw"
