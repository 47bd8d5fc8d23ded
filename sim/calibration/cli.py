"""`allysim calibrate`: its arguments, read without importing pyabc, the model or pandas."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from sim import arguments
from sim.arguments import add_execution


def add_command(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="fit assumed parameters to past negotiations (ABC-SMC with pyabc)")
    p.add_argument("calibration", type=Path, nargs="?",
                   help="calibration YAML file, or a shipped one by name (history, quick)")  # fmt: skip
    p.add_argument("--out", type=Path, help="output folder (default results/calibration/<name>/)")
    add_execution(p, resume="complete the calibration stored in --out")
    p.add_argument("--leave-out", metavar="CASE", help="calibrate without this case, to predict it")
    p.add_argument("--report", type=Path, metavar="DIR", help="print the posterior and checks of a calibration folder")
    p.add_argument("--quiet", action="store_true", help="no progress output")
    p.set_defaults(handler=cmd_calibrate)


def _fail(message: str) -> int:
    print(f"allysim: error: {message}", file=sys.stderr)
    return 2


def cmd_calibrate(args: argparse.Namespace) -> int:
    from sim.config import ScenarioError

    if args.report is not None:
        if args.calibration is not None:
            return _fail("give a calibration file to run, or --report DIR of one that ran, not both")
        extra = next((f"--{k.replace('_', '-')}" for k in ("out", "resume", "leave_out", "scheduler")
                      if getattr(args, k)), None)  # fmt: skip
        if extra:
            return _fail(f"--report DIR reads a calibration that ran; {extra} is for running one")
        from sim.calibration.figures import report

        try:
            print(report(args.report))
        except (FileNotFoundError, ScenarioError, ValueError, KeyError) as exc:
            return _fail(str(exc))
        return 0
    if args.calibration is None:
        return _fail("calibrate needs a calibration file (configs/calibration/), or --report DIR")
    try:
        import pyabc  # noqa: F401
    except ImportError:
        return _fail("calibrate needs pyabc: pip install 'allysim[calibration]' (make venv installs it)")
    from sim.calibration.fit import CalibrationFolderError, Options, calibrate
    from sim.calibration.spec import calibration_path, load_calibration
    from sim.experiment.folder import SweepFolderError
    from sim.experiment.runner import SchedulerError, reach_scheduler
    from sim.stopping import exit_code

    args.executor = arguments.executor_of(args)
    if args.executor is None:
        return _fail(arguments.SCHEDULER_WITHOUT_DASK)
    calibration = load_calibration(calibration_path(str(args.calibration)))
    if args.leave_out:
        calibration = calibration.without(args.leave_out)
    name = calibration.file.name + (f"-without-{args.leave_out}" if args.leave_out else "")
    out = args.out or Path("results") / "calibration" / name
    try:
        if args.scheduler:
            reach_scheduler(args.scheduler)  # before any folder is made
        manifest = calibrate(calibration, out, Options(args.executor, args.workers, args.scheduler, args.quiet),
                             resume=args.resume)  # fmt: skip
    except (CalibrationFolderError, SweepFolderError, SchedulerError) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt as exc:
        again = f"allysim calibrate {args.calibration} --out {out} --resume"
        again += f" --leave-out {args.leave_out}" if args.leave_out else ""
        print(f"allysim: interrupted; the finished generations are stored in {out}/calibration.db; "
              f"continue with: {again}", file=sys.stderr)  # fmt: skip
        return exit_code(exc)
    if not args.quiet:
        print(f"{manifest['generations_done']} generations, {manifest['runs']:,} runs in "
              f"{manifest['wall_seconds']:,.0f} s; results in {out}/ (allysim calibrate --report {out})")  # fmt: skip
    return 0
