"""The command line: every command's arguments, and `allysim run` and `allysim check` (also
`python -m sim`). A module joins by defining `add_command(subparsers)`, which adds its parser
with `set_defaults(handler=...)`, and by being named in COMMAND_MODULES; or, when its module
is heavy to import, by a parser here whose handler is `later("module:function")`.

Building the parser imports neither the model nor pandas nor matplotlib (seconds on a busy
machine): a command imports what it needs when it runs, so that `allysim --help` answers at once.

Bad input ends with one line on stderr naming the file, the key path and what is accepted,
exit code 2, and nothing written.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from sim import arguments, shipped
from sim.paths import OutputFolderError, check_output_folder
from sim.stopping import exit_code, sigterm_as_interrupt

if TYPE_CHECKING:
    from sim.config import Scenario

EXIT_BAD_INPUT = 2
COMMAND_MODULES: tuple[str, ...] = ("sim.experiment.cli", "sim.calibration.cli", "sim.dashboard")
PAIRING_SECONDS = arguments.PAIRING_SECONDS  # here for the parser: importing sim.tournament takes seconds


class Parser(argparse.ArgumentParser):
    def parse_known_args(self, args=None, namespace=None):  # type: ignore[override]
        """An option this command does not know is named as such, before its value can be taken
        for a positional argument and refused as that (`allysim run --workers 2`)."""
        for token in args or ():
            if token == "--" or (self._subparsers is not None and not token.startswith("-")):
                break  # after the command's name, its own parser checks the rest
            name = token.split("=", 1)[0]
            known = any(option.startswith(name) for option in self._option_string_actions)
            if name.startswith("-") and not _number(name) and not known:
                self.error(f"unrecognized arguments: {name}")
        return super().parse_known_args(args, namespace)

    def error(self, message: str) -> NoReturn:  # one line, exit 2, like every other bad input
        # prog is "allysim" for the command line itself, "allysim run" for a command
        self.exit(EXIT_BAD_INPUT, f"allysim: error: {message} (see '{self.prog} --help')\n")


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


class Version(argparse.Action):
    """`--version`: the installed package's version, looked up only when asked for."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, help="print allysim's version and exit", **kwargs)

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from importlib import metadata

        print(f"allysim {metadata.version('allysim')}")
        parser.exit(0)


def later(target: str) -> Callable[[argparse.Namespace], int]:
    """The handler `module:function`, imported when its command runs."""

    def handler(args: argparse.Namespace) -> int:
        module, _, function = target.partition(":")
        return getattr(importlib.import_module(module), function)(args)

    handler.__qualname__ = f"later({target!r})"
    return handler


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(prog="allysim", description="Agent-based simulation of alliance cost-sharing talks.")
    parser.add_argument("--version", action=Version)
    sub = parser.add_subparsers(dest="command", required=True, parser_class=Parser)

    run = sub.add_parser("run", help="run one scenario with one seed and write its results")
    run.add_argument("scenario", type=shipped.scenario_path, nargs="?", default=shipped.BASELINE,
                     help=f"scenario YAML file, or a shipped scenario's name (default {shipped.BASELINE})")  # fmt: skip
    run.add_argument("--seed", type=arguments.seed, default=1, help="random seed, 0 or more (default 1)")
    run.add_argument("--rounds", type=int, help="override the horizon, in rounds (months)")
    run.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                     help="override any value by its key path, e.g. --set patron.transactionalism=0.3")  # fmt: skip
    run.add_argument(
        "--out",
        type=Path,
        help="output folder (default results/<scenario>-seed<N>/; -set-<hash> added when --set or --rounds change it)",
    )
    run.add_argument("--posterior", type=Path, metavar="DIR",
                     help="draw the calibrated parameters from a calibration's posterior")  # fmt: skip
    run.add_argument("--no-plot", action="store_true", help="skip trace.png")
    run.set_defaults(handler=cmd_run)

    check = sub.add_parser("check", help="validate a scenario and print it resolved")
    check.add_argument("scenario", type=shipped.scenario_path, help="scenario YAML file, or a shipped scenario's name")
    check.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE")
    check.set_defaults(handler=cmd_check)

    add_play(sub)
    add_classroom(sub)
    add_tournament(sub)
    for name in COMMAND_MODULES:
        importlib.import_module(name).add_command(sub)
    return parser


def add_play(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("play", help="negotiate as one government against the agents, round by round")
    p.add_argument("scenario", type=shipped.scenario_path, help="scenario YAML file, or a shipped scenario's name")
    p.add_argument(
        "--as",
        dest="government",
        required=True,
        metavar="GOVERNMENT",
        help="the government you play: a host (south_korea, japan) or the patron (united_states)",
    )
    p.add_argument("--seed", type=arguments.seed, default=1, help="random seed (default 1)")
    p.add_argument(
        "--moves",
        type=Path,
        metavar="FILE",
        help="read the moves from FILE, one a line ('#' comments); default: ask at the prompt",
    )
    p.add_argument(
        "--debrief-seeds",
        type=int,
        default=100,
        metavar="N",
        help="agent runs the debrief compares your outcome with (default 100; 0: no debrief)",
    )
    p.add_argument("--out", type=Path, metavar="FOLDER",
                   help="where the finished game is saved (default results/play-<scenario>-<government>-seed<N>/, "
                        "or -2, -3, ... beside an earlier game)")
    p.add_argument("--no-save", action="store_true", help="do not save the finished game")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override any value of the scenario by its key path")  # fmt: skip
    p.set_defaults(handler=later("sim.play:cmd_play"))


def add_classroom(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("classroom", help="a class in the browser: students play governments, the instructor watches")
    p.add_argument("scenario", type=shipped.scenario_path, help="scenario YAML file, or a shipped scenario's name")
    p.add_argument("--seats", nargs="+", default=["all"], metavar="SPEC",
                   help="one SPEC a game: the governments students play in it, separated by commas, or 'all' "
                        "(the others are agents); e.g. --seats all south_korea (default: one game, all students)")
    p.add_argument("--round-seconds", type=arguments.seconds(1, 3600), default=90.0, metavar="N",
                   help="the most a round lasts; a seat that has not moved by then stalls (default 90)")
    p.add_argument("--seed", type=arguments.seed, default=1, help="random seed of every game (default 1)")
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--port", type=arguments.count(1, 65535), default=8766, help="port (default 8766)")
    p.add_argument("--out", type=Path, metavar="FOLDER",
                   help="the class's folder, new or empty (default results/classroom-<scenario>-<time>/)")
    p.add_argument("--set", dest="overrides", action="append", default=[], metavar="KEY=VALUE",
                   help="override any value of the scenario by its key path (e.g. --set rounds=6)")  # fmt: skip
    p.set_defaults(handler=later("sim.classroom.cli:cmd_classroom"))


def add_tournament(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tournament", help="round robin of patron against host strategies")
    p.add_argument("tournament", type=Path, help="tournament YAML file (configs/tournaments/)")
    p.add_argument("--out", type=Path, help="output folder (default results/tournament-<name>/)")
    p.add_argument("--quiet", action="store_true", help="print only where the results are")
    p.add_argument("--time-limit", type=arguments.seconds(0.1, 86_400), default=PAIRING_SECONDS, metavar="SECONDS",
                   help=f"time limit of one pairing; a strategy that overruns it is disqualified "
                        f"(default {PAIRING_SECONDS:g})")  # fmt: skip
    arguments.add_execution(p, resume="play only the pairings missing from --out",
                            executors=("isolated", *arguments.SWEEP_EXECUTORS), default="isolated",
                            executor_help="isolated (default): each pairing in a process of its own; or as a sweep's",
                            default_workers=1, workers_note="; any number gives the same results")  # fmt: skip
    p.set_defaults(handler=later("sim.tournament:cmd_tournament"))


def load(args: argparse.Namespace) -> Scenario:
    """The scenario named; a calibration case (configs/cases/) runs as its scenario, its
    `observed:` statistics checked and set aside."""
    from sim.calibration.cases import scenario_of

    overrides = list(args.overrides)
    if getattr(args, "rounds", None) is not None:
        overrides.append(f"rounds={args.rounds}")
    return scenario_of(args.scenario, overrides)


def cmd_check(args: argparse.Namespace) -> int:
    scenario = load(args)
    print(f"# {args.scenario}: valid (hash {scenario.digest()})")
    print(scenario.to_yaml(), end="")
    return 0


def changes(args: argparse.Namespace, scenario: Scenario) -> str:
    """`-set-<hash>` (of the resolved scenario) when --set or --rounds change the scenario, so
    that such a run never replaces the plain scenario's results; else nothing."""
    from sim.calibration.cases import scenario_of
    from sim.config import ScenarioError

    if not args.overrides and args.rounds is None:
        return ""
    try:
        plain = scenario_of(args.scenario).digest()
    except ScenarioError:  # a file valid only with its --set changes
        plain = None
    return "" if scenario.digest() == plain else f"-set-{scenario.digest()[:8]}"


def cmd_run(args: argparse.Namespace) -> int:
    from sim import plots
    from sim.experiment import store
    from sim.outcomes import simulate

    scenario = load(args)
    suffix, drawn = changes(args, scenario), None
    if args.posterior is not None:
        from sim.calibration.posterior import load_posterior

        fixed = [assignment.split("=", 1)[0].strip() for assignment in args.overrides]
        scenario, drawn = load_posterior(args.posterior).apply(scenario, args.seed, fixed=fixed)
        for key, reason in drawn["not_drawn"].items():
            print(f"allysim: note: {key} is not drawn from the posterior ({reason})", file=sys.stderr)
        suffix += f"-posterior-{scenario.digest()[:8]}"
    out = args.out or Path("results") / f"{scenario.name}-seed{args.seed}{suffix}"
    check_output_folder(out)
    started = store.now()
    clock = time.perf_counter()
    result = simulate(scenario, args.seed)
    manifest = store.manifest(
        scenario.digest(),
        started,
        scenario_file=str(args.scenario),
        scenario=scenario.name,
        seed=args.seed,
        rounds=scenario.rounds,
        run_seconds=round(time.perf_counter() - clock, 4),
        **({"posterior": drawn} if drawn else {}),
    )
    extras: dict[str, store.Writer] = {} if args.no_plot else {"trace.png": lambda path: plots.trace(result, path)}
    store.write_run(result, out, manifest, extras)
    for line in plots.story(result):
        print(line)
    print(f"Results in {out}/ (rounds.parquet, events.parquet, summary.json{', trace.png' if extras else ''})")
    return 0


def os_problem(exc: OSError) -> str:
    """An I/O failure in one line: the file and the reason (read-only, disk full, not a folder)."""
    where = f"{exc.filename}: " if exc.filename else ""
    return f"{where}{exc.strerror or exc}"


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
        from sim.config import ScenarioError  # numpy and pydantic: a Ctrl-C may come meanwhile
    except KeyboardInterrupt as exc:
        print("allysim: interrupted; nothing was written", file=sys.stderr)
        return exit_code(exc)
    try:
        with sigterm_as_interrupt():
            return args.handler(args)
    except (ScenarioError, OutputFolderError) as exc:
        print(f"allysim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as exc:  # a writer has removed what it had begun
        print(f"allysim: error: {os_problem(exc)}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt as exc:
        print("allysim: interrupted; nothing was written", file=sys.stderr)
        return exit_code(exc)


if __name__ == "__main__":
    sys.exit(main())
