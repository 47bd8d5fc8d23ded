"""The dashboard (`sim/app.py`) rendered without a browser: its buttons drive the runs, its
levers reach them on Reset (and the page says so until then), a kept run stands beside the next,
every panel redraws, and Mesa's own settings are not shown. What only a browser can catch
(missing front-end assets, the Vue version) is in test_dashboard_browser.py."""

from __future__ import annotations

import argparse
import re
from dataclasses import replace
from pathlib import Path

import ipyvuetify as v
import ipywidgets
import pytest
import solara
from conftest import BASELINE

from sim import app, cli, dashboard, page_assets
from sim.config import load_scenario


def texts(rc) -> str:
    """Every solara.Text on the page (a <span>), one line each."""
    return "\n".join(str(w.children[0]) for w in rc.find(v.Html, tag="span").widgets if w.children)


def images(rc) -> list[bytes]:
    return [image.value for image in rc.find(ipywidgets.Image).widgets]


def notice(rc) -> str:
    """The page's call to press Reset, or ''."""
    alerts = rc.find(v.Alert).widgets
    return " ".join(str(c) for a in alerts for c in a.children)


def render(start: app.SideBySide):
    # the sidebar (Mesa's buttons, the levers) renders only inside an AppLayout
    return solara.render(solara.AppLayout(children=[app.Page(start=start)]), handle_error=False)


@pytest.mark.slow
def test_step_advances_the_runs_and_reset_applies_the_levers_and_the_kept_run():
    start = app.SideBySide(seed="3")
    box, rc = render(start)
    step, reset = (rc.find(v.Btn, children=[label]).widget for label in ("Step", "Reset"))
    shown = texts(rc)
    assert "This run: round 0 of 28" in shown and "No events yet" in shown and "seed 3" in shown
    assert notice(rc) == ""
    for internal in ("Use Threads", "Render Interval", "Play Interval", "Page 0", "Time:"):
        assert internal not in shown, f"Mesa's {internal!r} is shown"
    assert not rc.find(v.Checkbox).widgets and not rc.find(v.Tab).widgets
    before = images(rc)
    assert len(before) == 4  # the dance, the zone, hedging and troops, opposition by group

    step.click()
    step.click()
    (run,) = start.runs
    assert run.round == 2 and len(run.record) == 2
    shown = texts(rc)
    assert f"This run: round 2 of 28 ({run.calendar.label(2)})" in shown
    opening = f"{run.calendar.label(1)}  The United States asks South Korea for ${app.SEOUL.demand_usd_bn:.2f}bn a year"
    assert opening in shown  # the opening demand, in the feed
    assert all(a != b for a, b in zip(before, images(rc), strict=True)), "a panel did not redraw"

    # a lever moved in the sidebar reaches the runs only on Reset, and the page says so
    rc.find(v.Slider).widgets[list(app.SLIDERS).index("transactionalism")].v_model = 0.3
    rc.find(v.Select, label="US strategy").widget.v_model = "conceder"
    assert "Press Reset" in notice(rc) and "Transactionalism 0.30 (now 0.80)" in notice(rc)
    assert "US strategy conceder (now boulware)" in notice(rc)
    assert "0.30" in texts(rc)  # the slider's value, beside it
    reset.click()
    assert notice(rc) == ""
    shown = texts(rc)
    assert "This run: round 0 of 28" in shown
    assert "· Transactionalism 0.30" in shown and "· US strategy conceder" in shown
    assert run.round == 2, "Reset must build new runs, not rewind the old ones"

    # the run kept stands beside the next one, from the first round, and steps with it
    rc.find(v.Btn, children=["Keep this run"]).widget.click()
    assert "the kept run beside it" in notice(rc)
    rc.find(v.TextField, label="Seed").widget.v_model = "4"
    reset.click()
    step.click()
    shown = texts(rc)
    assert "This run: round 1 of 28" in shown and "Kept run: round 1 of 28" in shown
    assert len(images(rc)) == 8
    assert shown.count("What happened, newest first.") == 1, "one sentence a panel, over both runs"
    rc.find(v.Btn, children=["Drop the kept run"]).widget.click()
    reset.click()
    assert "Kept run" not in texts(rc) and len(images(rc)) == 4


@pytest.mark.slow
def test_each_session_has_its_own_runs():
    (_, first), (_, second) = (solara.render(solara.AppLayout(children=[app.Page()]), handle_error=False)
                               for _ in range(2))  # fmt: skip
    first.find(v.Btn, children=["Step"]).widget.click()
    assert "This run: round 1 of 28" in texts(first)
    assert "This run: round 0 of 28" in texts(second)


def test_the_run_kept_is_the_run_shown():
    model = app.SideBySide(seed="")  # a seed drawn at random: kept as the number drawn
    (run,) = model.runs
    for _ in range(5):
        model.step()
    kept = replace(run.levers, seed=str(run.seed))
    again = app.SideBySide(**app.parameters(model) | {"seed": "9", "kept": kept})
    for _ in range(5):
        again.step()
    assert again.runs[1].log.frame().equals(run.log.frame())
    assert again.runs[0].seed == 9 and again.levers.seed == "9"


def test_reset_is_asked_for_only_when_a_lever_differs_from_the_runs():
    model = app.SideBySide(demand_usd_bn=3.0)
    wanted = app.parameters(model)
    assert app.pending(model, wanted) == []
    assert app.pending(model, wanted | {"demand_usd_bn": 3.5}) == ["US demand on Korea $3.50bn (now $3.00bn)"]
    assert app.pending(model, wanted | {"seed": "7"}) == ["seed 7 (now 1)"]
    assert app.pending(model, wanted | {"kept": app.Levers()}) == ["the kept run beside it"]


def test_levers_change_only_what_they_name():
    base = load_scenario(BASELINE)
    default = app.DashboardModel().config
    assert default.model_dump() == base.model_dump(), "the default levers must give the baseline"
    moved = app.DashboardModel(app.Levers(demand_usd_bn=3.0, transactionalism=0.3, electoral_peak=4.0,
                                          inducement_max_usd_bn=1.0, patron_strategy="conceder",
                                          host_strategy="tit_for_tat", seed="7")).config  # fmt: skip
    assert moved.hosts["south_korea"].demand_usd_bn == 3.0
    assert moved.hosts["japan"].demand_usd_bn == base.hosts["japan"].demand_usd_bn
    assert moved.patron.transactionalism == 0.3
    assert moved.hosts["south_korea"].electoral_pressure.peak == 4.0
    assert moved.rival.inducement_max_usd_bn == 1.0
    assert moved.patron.strategy.name == "conceder"
    assert {h.strategy.name for h in moved.hosts.values()} == {"tit_for_tat"}


def test_the_same_seed_gives_the_same_run_and_a_bad_seed_a_drawn_one():
    a, b = app.DashboardModel(app.Levers(seed="5")), app.DashboardModel(app.Levers(seed=" 5 "))
    for model in (a, b):
        for _ in range(6):
            model.step()
    assert a.seed == b.seed == 5 and a.log.frame().equals(b.log.frame())
    assert app.seed("5") == 5 and app.seed("five") is None and app.seed("-1") is None and app.seed("") is None
    drawn = {app.DashboardModel(app.Levers(seed="five")).seed for _ in range(5)}
    assert len(drawn) > 1 and all(0 <= s < 1_000_000 for s in drawn)


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
