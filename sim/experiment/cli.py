"""`allysim sweep`, `allysim analyze` and `allysim plot`: their arguments, read without importing
the model, pandas or matplotlib; each command imports its modules when it runs."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim import arguments
from sim.arguments import add_execution, count


def add_command(sub: argparse._SubParsersAction) -> None:
    sweep = sub.add_parser("sweep", help="run a sweep file: many scenarios and seeds, streamed to Parquet")
    sweep.add_argument("sweep", type=Path, help="sweep YAML file (configs/sweeps/)")
    sweep.add_argument("--out", type=Path, help="output folder (default results/sweeps/<name>/)")
    add_execution(sweep, resume="run only the runs missing from --out")
    sweep.add_argument("--quiet", action="store_true", help="no progress output")
    sweep.add_argument("--batch-size", type=count(1, 100_000), default=0,
                       help="runs per task (default: about 8 tasks a worker)")  # fmt: skip
    sweep.add_argument("--keep-rounds", nargs="?", const="all", metavar="N",
                       help="also keep per-round tables: of every run, or of a sample of N runs")  # fmt: skip
    sweep.set_defaults(handler=cmd_sweep)

    analyze = sub.add_parser("analyze", help="outcome rates, sensitivity indices and scenario discovery")
    analyze.add_argument("folder", type=Path, help="a sweep's output folder")
    analyze.set_defaults(handler=cmd_analyze)

    plot = sub.add_parser("plot", help="outcome heatmaps, distributions and sensitivity charts")
    plot.add_argument("folder", type=Path, help="a sweep's output folder")
    plot.set_defaults(handler=cmd_plot)


def _fail(message: str) -> int:
    print(f"allysim: error: {message}", file=sys.stderr)
    return 2


def cmd_sweep(args: argparse.Namespace) -> int:
    from concurrent.futures.process import BrokenProcessPool

    from sim.experiment.design import load_sweep
    from sim.experiment.folder import SweepFolderError
    from sim.experiment.runner import Options, SchedulerError, reach_scheduler, run_sweep
    from sim.stopping import exit_code

    args.executor = arguments.executor_of(args)
    if args.executor is None:
        return _fail(arguments.SCHEDULER_WITHOUT_DASK)
    if args.keep_rounds not in (None, "all") and not (args.keep_rounds.isdigit() and int(args.keep_rounds) > 0):
        return _fail(f"--keep-rounds takes a number of runs (1 or more) or nothing (got {args.keep_rounds[:40]!r})")
    plan = load_sweep(args.sweep)
    out = args.out or Path("results") / "sweeps" / plan.sweep.name
    if out.exists() and not out.is_dir():
        return _fail(f"{out} exists and is not a folder; choose another --out")
    options = Options(args.executor, args.workers, args.scheduler, args.batch_size, args.keep_rounds, args.quiet)
    try:
        if args.scheduler:
            reach_scheduler(args.scheduler)  # before any folder is made
        manifest = run_sweep(plan, out, options, resume=args.resume, warn=lambda line: print(line, file=sys.stderr))
    except (SweepFolderError, SchedulerError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt as exc:
        print(f"allysim: interrupted; finished runs are stored in {out}/runs/; "
              f"complete them with: allysim sweep {args.sweep} --out {out} --resume", file=sys.stderr)  # fmt: skip
        return exit_code(exc)
    except BrokenProcessPool:
        print(f"allysim: error: a worker process died (killed, or out of memory); finished runs are stored "
              f"in {out}/runs/; complete them with: allysim sweep {args.sweep} --out {out} --resume",
              file=sys.stderr)  # fmt: skip
        return 1
    if not args.quiet and manifest["runs_done"] == plan.runs_total and not manifest["runs_per_second"]:  # none ran
        print(f"{manifest['runs_done']:,} of {plan.runs_total:,} runs in {out}/runs/, all there before: none to run")
    elif not args.quiet:
        print(f"{manifest['runs_done']:,} of {plan.runs_total:,} runs in {out}/runs/ "
              f"({manifest['runs_per_second']} runs/s with {options.executor})")  # fmt: skip
    if manifest["runs_failed"]:
        print(f"allysim: {manifest['runs_failed']} runs failed; see {out}/failures.jsonl", file=sys.stderr)
        return 1
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from sim.analysis import report
    from sim.config import ScenarioError
    from sim.experiment.folder import SweepFolderError

    try:
        report.analyze(args.folder)
    except (FileNotFoundError, ScenarioError, SweepFolderError) as exc:
        return _fail(str(exc))
    return 0


def cmd_plot(args: argparse.Namespace) -> int:
    from sim.analysis import figures
    from sim.config import ScenarioError
    from sim.experiment.folder import SweepFolderError

    try:
        written = figures.plot_sweep(args.folder)
    except (FileNotFoundError, ScenarioError, SweepFolderError) as exc:
        return _fail(str(exc))
    for path in written:
        print(path)
    return 0
