"""`allysim classroom`: check the class's plan, then serve its pages with `solara run`, as the
dashboard is served (page assets from the local cache, no telemetry, no version check).

The plan (scenario, games, seats, the round's time, the class code and the instructor's key) is
written to the class's folder as class.json and read by the server process (`sim.classroom.app`).
"""

from __future__ import annotations

import argparse
import signal
import subprocess
import sys
from datetime import datetime
from pathlib import Path

from sim import dashboard
from sim.classroom.session import ClassPlan
from sim.config import ScenarioError, load_scenario
from sim.paths import check_output_folder

ALL = "all"


def games_of(specs: list[str], governments: list[str], source: Path) -> list[list[str]]:
    """The student chairs of each game: `all`, or governments separated by commas, one game a SPEC."""
    games = []
    for spec in specs:
        names = governments if spec.strip() == ALL else [n.strip() for n in spec.split(",") if n.strip()]
        for name in names:
            if name not in governments:
                raise ScenarioError(source, "--seats", f"{name!r} is not a government of this scenario; "
                                    f"accepted: {', '.join(governments)}, or {ALL}")  # fmt: skip
        if not names or len(set(names)) < len(names):
            raise ScenarioError(source, "--seats", f"{spec!r}: name each government of a game once, "
                                "separated by commas (e.g. united_states,south_korea)")  # fmt: skip
        games.append(names)
    return games


def cmd_classroom(args: argparse.Namespace) -> int:
    from sim.page_assets import AssetError

    scenario = load_scenario(args.scenario, args.overrides)
    governments = [scenario.patron.name, *scenario.hosts]
    games = games_of(args.seats, governments, args.scenario)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out = (args.out or Path("results") / f"classroom-{scenario.name}-{stamp}").resolve()
    check_output_folder(out, set())
    problem = dashboard.address_problem(args.host, args.port)  # before the codes are printed or a folder made
    if problem:
        print(f"allysim: error: {problem}", file=sys.stderr)
        return 2
    if out.is_dir() and any(out.iterdir()):
        raise ScenarioError(out, "--out", "a class's folder must be new or empty: choose another --out")
    try:
        dashboard.ensure_assets(say=lambda line: print(line, flush=True))
    except AssetError as exc:
        print(f"allysim: error: {exc}", file=sys.stderr)
        return 1
    warning = dashboard.exposure_warning(args.host)
    if warning:
        print(warning.replace("the dashboard", "the classroom"), file=sys.stderr, flush=True)
    plan = ClassPlan(str(Path(args.scenario).resolve()), list(args.overrides), games, args.round_seconds,
                     args.seed, str(out))  # fmt: skip
    out.mkdir(parents=True, exist_ok=True)
    plan.dump(out / "class.json")
    url = f"http://{dashboard.shown_host(args.host)}:{args.port}"
    seats = "; ".join(f"game {i}: {', '.join(g)}" for i, g in enumerate(games, 1))
    print(f"Classroom of {scenario.name}, {len(games)} game{'s' * (len(games) != 1)} ({seats}); "
          f"rounds of at most {args.round_seconds:g} s", flush=True)  # fmt: skip
    print(f"Students: {url}/  with the class code {plan.code}", flush=True)
    print(f"Instructor: {url}/teacher?key={plan.key}  (Start there once the students have joined)", flush=True)
    print(f"The games are saved in {out}/ (Ctrl-C stops the class)", flush=True)
    env = {**dashboard.server_environment(), "ALLYSIM_CLASSROOM": str(out / "class.json")}
    server = subprocess.Popen(dashboard.server_command(args.host, args.port, "sim.classroom.app"), env=env)
    signal.signal(signal.SIGTERM, lambda *_: server.terminate())  # a stopped command leaves no server
    try:
        code = server.wait()
        return 128 - code if code < 0 else code
    except KeyboardInterrupt:
        server.terminate()
        server.wait(timeout=10)
        return 0
