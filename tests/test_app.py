"""The dashboard (`sim/app.py`) rendered without a browser: its buttons drive the model, its
levers reach the model on Reset, and every panel redraws. What only a browser can catch
(missing front-end assets, the Vue version) is in test_dashboard_browser.py."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import ipyvuetify as v
import ipywidgets
import pytest
import solara
from conftest import BASELINE

from sim import app, cli, dashboard, page_assets
from sim.config import load_scenario
from sim.strategies import STRATEGIES


def texts(rc) -> str:
    """Every solara.Text on the page (a <span>), one line each."""
    return "\n".join(str(w.children[0]) for w in rc.find(v.Html, tag="span").widgets if w.children)


def images(rc) -> list[bytes]:
    return [image.value for image in rc.find(ipywidgets.Image).widgets]


@pytest.mark.slow
def test_step_advances_the_model_and_reset_applies_the_levers():
    model = app.DashboardModel(rng=3)
    # SolaraViz's buttons sit in a solara.Sidebar, which renders only inside an AppLayout
    box, rc = solara.render(solara.AppLayout(children=[app.Page(model=model)]), handle_error=False)
    step, reset = (rc.find(v.Btn, children=[label]).widget for label in ("Step", "Reset"))
    assert "Time: 0.0" in texts(rc) and "No events yet" in texts(rc)
    before = images(rc)
    assert len(before) == 3  # the dance, hedging and troops, opposition by group

    step.click()
    step.click()
    assert model.round == 2 and len(model.rows) == 2
    assert [len(h) for h in model.opposition_by_group.values()] == [2, 2]
    shown = texts(rc)
    assert "Time: 2.0" in shown and f"Round 2 of {model.config.rounds} ({model.calendar.label(2)})" in shown
    opening = f"United States: offer (South Korea) ${app.SEOUL.demand_usd_bn:.2f}bn"
    assert opening in shown  # the opening demand, in the feed
    assert all(a != b for a, b in zip(before, images(rc), strict=True)), "a panel did not redraw"

    # a lever moved in the sidebar reaches the model only on Reset, which starts a new run
    rc.find(v.Slider, label="Transactionalism").widget.v_model = 0.3
    rc.find(v.Select, label="US strategy").widget.v_model = "conceder"
    reset.click()
    shown = texts(rc)
    assert "Time: 0.0" in shown and "transactionalism 0.30" in shown
    assert f"US conceder vs hosts {app.SEOUL.strategy.name}" in shown
    assert model.round == 2, "Reset must build a new model, not rewind the old one"
    step.click()
    assert f"Round 1 of {model.config.rounds} ({model.calendar.label(1)})" in texts(rc)


def test_levers_change_only_what_they_name():
    base = load_scenario(BASELINE)
    default = app.DashboardModel().config
    assert default.model_dump() == base.model_dump(), "the default levers must give the baseline"
    moved = app.DashboardModel(demand_usd_bn=3.0, transactionalism=0.3, electoral_peak=4.0,
                               inducement_max_usd_bn=1.0, patron_strategy="conceder",
                               host_strategy="tit_for_tat", rng="7").config  # fmt: skip
    assert moved.hosts["south_korea"].demand_usd_bn == 3.0
    assert moved.hosts["japan"].demand_usd_bn == base.hosts["japan"].demand_usd_bn
    assert moved.patron.transactionalism == 0.3
    assert moved.hosts["south_korea"].electoral_pressure.peak == 4.0
    assert moved.rival.inducement_max_usd_bn == 1.0
    assert moved.patron.strategy.name == "conceder"
    assert {h.strategy.name for h in moved.hosts.values()} == {"tit_for_tat"}
    assert app.model_params["patron_strategy"]["values"] == sorted(STRATEGIES)


def test_the_same_seed_gives_the_same_run_and_a_bad_seed_a_fresh_one():
    a, b = app.DashboardModel(rng="5"), app.DashboardModel(rng=5)
    for model in (a, b):
        for _ in range(6):
            model.step()
    assert a.log.frame().equals(b.log.frame())
    assert app.seed("5") == 5 and app.seed("five") is None and app.seed(None) is None


def test_the_dashboard_command_serves_this_machine_only_and_offline_by_default(tmp_path, monkeypatch):
    parser = argparse.ArgumentParser()
    dashboard.add_command(parser.add_subparsers())
    args = parser.parse_args(["dashboard"])
    assert (args.host, args.port, args.no_open, args.fetch_assets) == ("127.0.0.1", 8765, False, False)
    assert args.handler is dashboard.cmd_dashboard
    command = dashboard.server_command("127.0.0.1", 8765)
    assert command[-7:] == ["--host", "127.0.0.1", "--port", "8765", "--production", "--no-open",
                            "--no-check-version"]  # fmt: skip
    assert command[-9:-7] == ["run", "sim.app"]  # a module: no sim/ on the server's sys.path
    monkeypatch.setenv("ALLYSIM_CACHE", str(tmp_path / "cache"))
    env = dashboard.server_environment()
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert Path(env["SOLARA_ASSETS_PROXY_CACHE_DIR"]) == tmp_path / "cache" / "solara-assets"
    assert Path(env["SOLARA_HOME"]) == tmp_path / "cache" / "solara-home"


def test_the_cache_is_the_user_s_unless_named(tmp_path, monkeypatch):
    monkeypatch.delenv("ALLYSIM_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert dashboard.asset_cache() == tmp_path / "xdg" / "allysim" / "solara-assets"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert dashboard.cache_folder() == tmp_path / ".cache" / "allysim"


def test_fetching_the_assets_says_what_it_fetches_and_where_and_stops(tmp_path, monkeypatch, capsys):
    fetched = []
    monkeypatch.setenv("ALLYSIM_CACHE", str(tmp_path))
    monkeypatch.setattr(page_assets, "fetch", lambda cache, specs: fetched.append((cache, specs)))
    assert cli.main(["dashboard", "--fetch-assets"]) == 0
    printed = capsys.readouterr().out
    ((cache, specs),) = fetched
    assert cache == tmp_path / "solara-assets" and len(specs) == len(page_assets.NEEDED)
    assert printed.startswith("allysim: fetching the dashboard page's scripts and styles")
    assert "from the npm registry into " + str(cache) in printed and specs[0] in printed
    for spec in specs:  # as if fetched: now complete, and a second run says so
        (cache / spec).mkdir(parents=True)
        (cache / spec / "package.json").write_text("{}")
    assert cli.main(["dashboard", "--fetch-assets"]) == 0
    assert capsys.readouterr().out == f"allysim: the dashboard page's scripts and styles are all in {cache}\n"


def test_without_npm_the_dashboard_says_what_to_install(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ALLYSIM_CACHE", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))  # no npm here
    assert cli.main(["dashboard", "--no-open"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("allysim: error: npm is needed to fetch ") and "apt-get" in err


def test_the_asset_versions_come_from_the_installed_solara():
    versions = page_assets.pinned_versions(page_assets.solara_dir())
    assert set(versions) == set(page_assets.NEEDED)
    assert all(re.fullmatch(r"\d+\.\d+\.\d+(-[\w.]+)?", v) for v in versions.values()), versions
