"""`allysim calibrate`: ABC-SMC (pyabc) of a calibration file's priors against its cases.

The output folder holds, as it is written:
- `manifest.json` first (the calibration's hash, versions, commit; then its status, wall time,
  runs and each generation's epsilon), so that a folder whose calibration was killed is one
  that `--resume` completes;
- `calibration.yaml`, the file as read; `calibration.db`, pyabc's history (SQLite), which keeps
  every finished generation, so that a calibration killed mid-generation loses that one only;
- at the end `posterior.parquet` (the last generation's particles and their weights),
  `predictive.parquet` (the cases played at posterior draws) and the figures (sim/calibration/figures.py).
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim import stopping
from sim.arguments import worker_count
from sim.calibration.cases import STATISTICS as STATISTIC_NAMES
from sim.calibration.sampler import Executor, SeededSampler
from sim.calibration.simulate import CaseModel, Distance, observed_point
from sim.calibration.spec import Calibration
from sim.experiment import folder, store

DATABASE = "calibration.db"
FILES = {"manifest.json", "calibration.yaml", DATABASE, "posterior.parquet", "predictive.parquet",
         "marginals.png", "pairs.png", "epsilon.png", "predictive.png", folder.LOCK}  # fmt: skip


PREDICTIVE_KEY = 2**31  # the predictive draws' seeds: a spawn key no generation uses


class CalibrationFolderError(Exception):
    """An output folder that cannot take this calibration: one line."""


@dataclass
class Options:
    executor: str = "processes"
    workers: int = 0  # 0: one per core
    scheduler: str | None = None
    quiet: bool = False


def calibrate(calibration: Calibration, out: Path, options: Options, resume: bool = False) -> dict:
    """Run (or on `resume` complete) the calibration into `out`; returns the final manifest."""
    out = Path(out)
    _check_folder(calibration, out, resume)
    with folder.locked(out):
        previous = _check_folder(calibration, out, resume)
        return _fit(calibration, out, options, previous)


def _check_folder(calibration: Calibration, out: Path, resume: bool) -> dict | None:
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise CalibrationFolderError(f"{out} exists and is not a folder; choose another --out")
    held = [p.name for p in out.iterdir() if p.name != folder.LOCK] if out.is_dir() else []
    if not held:
        return None
    if not resume and not (out / "manifest.json").is_file():
        raise CalibrationFolderError(f"{out} holds files that are not a calibration's; it is left untouched: "
                                     "choose another --out")  # fmt: skip
    try:
        previous = folder.read_manifest(out)
    except folder.SweepFolderError as exc:
        raise CalibrationFolderError(str(exc)) from None
    if previous is None or previous.get("kind") != "calibration":
        raise CalibrationFolderError(f"{out} is not a calibration's folder (no calibration manifest.json); "
                                     "it is left untouched: choose another --out")  # fmt: skip
    if previous.get("calibration_hash") != calibration.digest():
        raise CalibrationFolderError(f"{out} holds a different calibration (hash {previous.get('calibration_hash')}, "
                                     f"this one {calibration.digest()}); choose another --out")  # fmt: skip
    if not resume:  # the advice to resume only where resuming would be accepted: not while another writes
        try:
            with folder.locked(out):
                pass
        except folder.SweepFolderError as exc:
            raise CalibrationFolderError(str(exc)) from None
        raise CalibrationFolderError(
            f"{out} already holds results of this calibration; pass --resume to complete them or choose another --out"
        )
    foreign = sorted(set(held) - FILES)
    if foreign:
        raise CalibrationFolderError(f"{out} holds what a calibration does not write ({', '.join(foreign[:3])}); "
                                     "it is left untouched")  # fmt: skip
    return previous


def _fit(calibration: Calibration, out: Path, options: Options, previous: dict | None) -> dict:
    logging.getLogger("ABC").setLevel(logging.WARNING)
    logging.getLogger("ABC.History").setLevel(logging.WARNING)
    settings = calibration.file.abc
    workers = 1 if options.executor == "serial" else worker_count(options.workers)
    started_at = store.now()
    manifest = store.manifest(
        calibration.reference.digest(), started_at, kind="calibration", calibration=calibration.file.name,
        calibration_hash=calibration.digest(), calibration_file=str(calibration.path.resolve()),
        left_out=calibration.left_out.name if calibration.left_out else None,
        cases=[c.name for c in calibration.cases],
        parameters=calibration.names, executor=options.executor, workers=workers, root_seed=settings.root_seed,
        status="running", resumed=previous is not None,
    )  # fmt: skip
    manifest["versions"]["pyabc"] = _version("pyabc")
    manifest["reference_payments"] = {name: host.payment_usd_bn for name, host in calibration.reference.hosts.items()}
    if previous is None:
        folder.write_manifest(out, manifest)  # first: a folder with anything in it has a manifest
        text = calibration.path.read_text(encoding="utf-8")
        store.write_atomic(out / "calibration.yaml", lambda tmp: tmp.write_text(text, encoding="utf-8"))
    else:  # this leg's command, executor and start; the wall time of the legs before is added at the end
        previous = {**previous, "status": "running", "resumed": True, "resumed_at": started_at,
                    "command": manifest["command"], "executor": options.executor, "workers": workers}  # fmt: skip
        folder.write_manifest(out, previous)
    db = f"sqlite:///{(out / DATABASE).resolve()}"
    clock = time.perf_counter()
    status, timing = "stopped", {}
    with Executor(options.executor, workers, options.scheduler) as executor:
        sampler = SeededSampler(settings.root_seed, executor, None if options.quiet else _progress)
        abc = abc_smc(calibration, sampler)
        try:
            shape = settings.population_size, len(calibration.file.priors)  # of a whole generation
            if previous is not None and (out / DATABASE).exists() and _generations_done(out / DATABASE, *shape) > 0:
                history = abc.load(db, 1)
            else:
                (out / DATABASE).unlink(missing_ok=True)  # killed before its first generation: start again
                history = abc.new(db, observed_point(calibration))
            for write in ("store_pre_population", "update_after_calibration", "append_population", "done"):
                setattr(history, write, stopping.deferring(getattr(history, write)))  # each whole or not at all
            left = settings.generations - (history.max_t + 1)
            if left > 0:
                np.random.seed(np.random.SeedSequence(settings.root_seed).generate_state(4))
                fitting = time.perf_counter()
                history = abc.run(max_nr_populations=left, minimum_epsilon=settings.epsilon.minimum,
                                  min_acceptance_rate=settings.min_acceptance_rate)  # fmt: skip
                timing["fit_seconds"] = round(time.perf_counter() - fitting, 3)
            if not options.quiet:
                print("calibrate: predictive checks ...", file=sys.stderr)
            write_results(calibration, out, history, executor)
            status = "complete"
        except KeyboardInterrupt:
            status = "interrupted"
            raise
        finally:
            manifest = store.finished(
                {**(previous or manifest), "status": status}, wall_seconds=round(time.perf_counter() - clock, 3)
                + float((previous or {}).get("wall_seconds") or 0), **timing, **_history_fields(db, calibration),
            )  # fmt: skip
            folder.write_manifest(out, manifest)
    return manifest


def abc_smc(calibration: Calibration, sampler):
    import pyabc

    settings = calibration.file.abc
    prior = pyabc.Distribution(**{key: pyabc.RV("uniform", p.low, p.high - p.low)
                                  for key, p in calibration.file.priors.items()})  # fmt: skip
    if settings.epsilon.schedule is not None:
        eps = pyabc.epsilon.ListEpsilon(settings.epsilon.schedule)
    else:
        eps = pyabc.epsilon.QuantileEpsilon(alpha=settings.epsilon.quantile)
    return pyabc.ABCSMC(CaseModel(calibration), prior, Distance(calibration), population_size=settings.population_size,
                        sampler=sampler, eps=eps)  # fmt: skip


def _version(package: str) -> str:
    from importlib import metadata

    return metadata.version(package)


def _progress(t: int, n: int):
    """A bar per generation in a terminal; a line per generation otherwise."""
    started = time.perf_counter()
    name = "prior sample" if t < 0 else f"generation {t}"

    def wrap(results):
        if sys.stderr.isatty():
            from tqdm import tqdm

            yield from tqdm(results, total=n, desc=name, unit=" particles", file=sys.stderr, ascii=True,
                            dynamic_ncols=True, leave=True)  # fmt: skip
        else:
            yield from results
            print(f"calibrate: {name}: {n} particles in {time.perf_counter() - started:,.1f} s", file=sys.stderr)

    return wrap


def _generations_done(path: Path, size: int, parameters: int) -> int:
    """The generations a database holds whole (`size` particles, each with its `parameters`
    values and its sample), after taking out a last one that is not: one that an interrupt
    of an earlier version left half written. CalibrationFolderError when the database is
    damaged (it is then left as it is, never replaced)."""
    import sqlite3
    from contextlib import closing

    try:
        with closing(sqlite3.connect(path)) as con:  # read-write: a kill's hot journal is rolled back
            if con.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("its integrity check fails")
            tables = {row[0] for row in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if "populations" not in tables:  # killed before pyabc wrote its first generation
                return 0
            whole = [t for t, particles, values, samples in con.execute(_GENERATIONS)
                     if (particles, values, samples) == (size, size * parameters, size)]  # fmt: skip
            kept = next((t for t in range(len(whole) + 1) if t not in whole), 0)  # 0, 1, ... as far as whole
            with con:
                for statement in _DROP:
                    con.execute(statement, (kept,))
            return kept
    except sqlite3.DatabaseError as exc:
        raise CalibrationFolderError(f"{path} is damaged ({exc}); it is left untouched: move it away to start "
                                     "the calibration again, or choose another --out") from None  # fmt: skip


_GENERATIONS = """SELECT p.t, COUNT(DISTINCT pa.id), COUNT(DISTINCT pr.id), COUNT(DISTINCT s.id) FROM populations p
    LEFT JOIN models m ON m.population_id = p.id LEFT JOIN particles pa ON pa.model_id = m.id
    LEFT JOIN parameters pr ON pr.particle_id = pa.id LEFT JOIN samples s ON s.particle_id = pa.id
    WHERE p.t >= 0 GROUP BY p.t"""
_OF_DROPPED = "SELECT id FROM populations WHERE t >= ?"  # the generations from the first not whole on
_DROP = (
    "DELETE FROM summary_statistics WHERE sample_id IN (SELECT s.id FROM samples s JOIN particles pa ON "
    f"s.particle_id = pa.id JOIN models m ON pa.model_id = m.id WHERE m.population_id IN ({_OF_DROPPED}))",
    "DELETE FROM samples WHERE particle_id IN (SELECT pa.id FROM particles pa JOIN models m ON pa.model_id = m.id "
    f"WHERE m.population_id IN ({_OF_DROPPED}))",
    "DELETE FROM parameters WHERE particle_id IN (SELECT pa.id FROM particles pa JOIN models m ON "
    f"pa.model_id = m.id WHERE m.population_id IN ({_OF_DROPPED}))",
    f"DELETE FROM particles WHERE model_id IN (SELECT id FROM models WHERE population_id IN ({_OF_DROPPED}))",
    f"DELETE FROM models WHERE population_id IN ({_OF_DROPPED})",
    "DELETE FROM populations WHERE t >= ?",
)


def _history_fields(db: str, calibration: Calibration) -> dict:
    import pyabc

    try:
        populations = pyabc.History(db, _id=1).get_all_populations()
    except Exception:
        return {"generations_done": 0}
    populations = populations[populations.t >= 0]
    evaluations = int(populations.samples.sum())
    return {
        "generations_done": int(len(populations)),
        "epsilons": [round(float(e), 6) for e in populations.epsilon],
        "evaluations": evaluations,
        "runs": evaluations * len(calibration.cases),
    }


# ------------------------------------------------------------------ results


def posterior_frame(history, order: list[str] | None = None) -> pd.DataFrame:
    """The last generation's particles: one column per parameter and their normalised `weight`."""
    frame, weights = history.get_distribution(m=0, t=history.max_t)
    frame = frame.reset_index(drop=True)
    frame.columns = [str(c) for c in frame.columns]
    frame = frame[sorted(frame.columns, key=order.index)] if order else frame
    frame["weight"] = np.asarray(weights, float)
    return frame


def draws(posterior: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    """n parameter sets drawn from the posterior by weight (with replacement)."""
    rng = np.random.default_rng(seed)
    index = rng.choice(len(posterior), size=n, replace=True, p=posterior.weight / posterior.weight.sum())
    return posterior.iloc[index].drop(columns="weight").reset_index(drop=True)


def predictive(calibration: Calibration, posterior: pd.DataFrame, executor: Executor) -> pd.DataFrame:
    """Every case played once at each of `predictive.draws` posterior draws: one row per draw and case."""
    settings = calibration.file.predictive
    sets = draws(posterior, settings.draws, calibration.file.abc.root_seed)
    root = np.random.SeedSequence(calibration.file.abc.root_seed, spawn_key=(PREDICTIVE_KEY,))
    seeds = root.generate_state(settings.draws, np.uint64)
    model = CaseModel(calibration)
    model.cases, model.used = calibration.checked, list(STATISTIC_NAMES)
    import cloudpickle

    blob = cloudpickle.dumps(model)
    items = [(dict(sets.iloc[i]), int(seeds[i] >> np.uint64(1))) for i in range(len(sets))]
    rows = []
    for i, stats in enumerate(executor.map(_predict_one, blob, b"predictive", items)):
        for case in calibration.checked:
            row = {"draw": i, "case": case.name}
            row.update({s: stats[f"{case.name}.{s}"] for s in STATISTIC_NAMES})
            rows.append(row)
    return pd.DataFrame(rows)


def _predict_one(blob: bytes, key: bytes, item) -> dict:
    import cloudpickle

    values, seed = item
    return cloudpickle.loads(blob).simulate(values, seed)


def write_results(calibration: Calibration, out: Path, history, executor: Executor) -> None:
    from sim.calibration import figures

    posterior = posterior_frame(history, calibration.names)
    store.write_atomic(out / "posterior.parquet", lambda tmp: posterior.to_parquet(tmp, index=False))
    checks = predictive(calibration, posterior, executor)
    store.write_atomic(out / "predictive.parquet", lambda tmp: checks.to_parquet(tmp, index=False))
    epsilons = history.get_all_populations()
    figures.write_all(calibration, out, posterior, checks, epsilons[epsilons.t >= 0])
