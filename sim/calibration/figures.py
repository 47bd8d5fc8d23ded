"""A calibration's figures and its report: marginal posteriors against their priors, a pair
plot, epsilon per generation, and for every case the observed statistics against their
posterior predictive distribution (the 90% interval marked)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.figures import _short, _subplots
from sim.calibration.cases import STATISTICS
from sim.calibration.spec import Calibration
from sim.experiment import store

UNITS = {
    "first_year_change_pct": "first-year change (%)",
    "months_to_deal": "months to the deal",
    "lapse_days": "days of lapse",
    "walkouts": "walkouts",
    "threats_carried_out": "threats carried out",
}
LEVEL = 0.90


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: list[float]) -> np.ndarray:
    order = np.argsort(values)
    values, weights = np.asarray(values, float)[order], np.asarray(weights, float)[order]
    cumulative = (np.cumsum(weights) - 0.5 * weights) / weights.sum()
    return np.interp(qs, cumulative, values)


def posterior_table(calibration: Calibration, posterior: pd.DataFrame) -> pd.DataFrame:
    """Per parameter: the posterior median and 90% interval beside the prior's range."""
    rows = []
    tail = (1 - LEVEL) / 2
    for key, prior in calibration.file.priors.items():
        values, weights = posterior[key].to_numpy(), posterior.weight.to_numpy()
        low, median, high = weighted_quantiles(values, weights, [tail, 0.5, 1 - tail])
        rows.append({"parameter": key, "median": median, "low_90": low, "high_90": high,
                     "prior_low": prior.low, "prior_high": prior.high,
                     "width_share": (high - low) / (prior.high - prior.low)})  # fmt: skip
    return pd.DataFrame(rows)


def checks_table(calibration: Calibration, checks: pd.DataFrame) -> pd.DataFrame:
    """Per case and known statistic: the observed value or range against the predictive 90%
    interval; `hit` when they overlap."""
    rows = []
    tail = (1 - LEVEL) / 2
    for case in calibration.checked:
        runs = checks[checks.case == case.name]
        for stat in STATISTICS:
            bounds = getattr(case.observed, stat).bounds
            if bounds is None:
                continue
            values = runs[stat].to_numpy(float)
            deals = np.isfinite(values)
            low, high = np.quantile(values[deals], [tail, 1 - tail]) if deals.any() else (np.nan, np.nan)
            rows.append({"case": case.name, "statistic": stat, "observed_low": bounds[0], "observed_high": bounds[1],
                         "low_90": low, "high_90": high, "share_with_value": float(deals.mean()),
                         "hit": bool(deals.any() and low <= bounds[1] and bounds[0] <= high),
                         "used": stat in calibration.file.statistics,
                         "left_out": case is calibration.left_out})  # fmt: skip
    return pd.DataFrame(rows)


def write_all(calibration: Calibration, out: Path, posterior: pd.DataFrame, checks: pd.DataFrame,
              populations: pd.DataFrame) -> list[Path]:  # fmt: skip
    written = []
    for name, fig in (("marginals", marginals(calibration, posterior)), ("pairs", pairs(calibration, posterior)),
                      ("epsilon", epsilon(populations)), ("predictive", predictive(calibration, checks))):  # fmt: skip
        path = out / f"{name}.png"
        store.write_atomic(path, _png(fig))
        written.append(path)
    return written


def _png(fig) -> store.Writer:
    return lambda tmp: fig.savefig(tmp, format="png", dpi=110, bbox_inches="tight")


def marginals(calibration: Calibration, posterior: pd.DataFrame):
    keys = calibration.names
    cols = min(3, len(keys))
    rows = -(-len(keys) // cols)
    fig, axes = _subplots(rows, cols, figsize=(4.2 * cols, 3.0 * rows), squeeze=False)
    for ax, key in zip(axes.flat, keys, strict=False):  # the grid may have more panels
        prior = calibration.file.priors[key]
        bins = np.linspace(prior.low, prior.high, 25)
        ax.hist(posterior[key], bins=bins, weights=posterior.weight, density=True, color="#3b6ea8", alpha=0.8,
                label="posterior")  # fmt: skip
        ax.axhline(1 / (prior.high - prior.low), color="#888", linestyle="--", label="prior")
        ax.set_title(_short(key), fontsize=10)
        ax.set_yticks([])
    for ax in list(axes.flat)[len(keys) :]:
        ax.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    fig.suptitle(f"{calibration.file.name}: marginal posteriors (last generation) against the uniform priors")
    fig.tight_layout()
    return fig


def pairs(calibration: Calibration, posterior: pd.DataFrame):
    keys = calibration.names
    k = len(keys)
    fig, axes = _subplots(k, k, figsize=(2.2 * k + 1, 2.2 * k + 1), squeeze=False)
    size = 60 * posterior.weight / posterior.weight.max()
    for i, y in enumerate(keys):
        for j, x in enumerate(keys):
            ax = axes[i, j]
            px, py = calibration.file.priors[x], calibration.file.priors[y]
            if i == j:
                ax.hist(posterior[x], bins=20, range=(px.low, px.high), weights=posterior.weight, color="#3b6ea8")
                ax.set_yticks([])
            elif i > j:
                ax.scatter(posterior[x], posterior[y], s=size, alpha=0.4, color="#3b6ea8", linewidths=0)
                ax.set_ylim(py.low, py.high)
            else:
                ax.set_visible(False)
                continue
            ax.set_xlim(px.low, px.high)
            ax.tick_params(labelsize=7)
            if i == k - 1:
                ax.set_xlabel(_short(x), fontsize=8)
            if j == 0 and i > 0:
                ax.set_ylabel(_short(y), fontsize=8)
    fig.suptitle(f"{calibration.file.name}: the posterior's pairs (dot size: weight)")
    fig.tight_layout()
    return fig


def epsilon(populations: pd.DataFrame):
    fig, ax = _subplots(1, 1, figsize=(5, 3))
    ax.plot(populations.t, populations.epsilon, marker="o", color="#3b6ea8")
    ax.set_xlabel("generation")
    ax.set_ylabel("epsilon (scaled distance)")
    ax.set_xticks(list(populations.t))
    ax.set_title("acceptance threshold per generation")
    fig.tight_layout()
    return fig


def predictive(calibration: Calibration, checks: pd.DataFrame):
    """Rows: the cases; columns: the statistics. Each panel: the predictive distribution, its
    90% interval (shaded) and the observed value or range (black)."""
    cases = calibration.checked
    fig, axes = _subplots(len(cases), len(STATISTICS), figsize=(3.0 * len(STATISTICS), 1.9 * len(cases) + 0.6),
                          squeeze=False)  # fmt: skip
    tail = (1 - LEVEL) / 2
    for i, case in enumerate(cases):
        runs = checks[checks.case == case.name]
        for j, stat in enumerate(STATISTICS):
            ax = axes[i, j]
            values = runs[stat].to_numpy(float)
            values = values[np.isfinite(values)]
            bounds = getattr(case.observed, stat).bounds
            if len(values):
                ax.hist(values, bins=20, color="#9bb7d4")
                low, high = np.quantile(values, [tail, 1 - tail])
                ax.axvspan(low, high, color="#3b6ea8", alpha=0.2)
            if bounds is not None:
                if bounds[0] == bounds[1]:
                    ax.axvline(bounds[0], color="black", linewidth=2)
                else:
                    ax.axvspan(bounds[0], bounds[1], color="black", alpha=0.25, hatch="//", fill=False)
            else:
                ax.text(0.5, 0.85, "not observed", transform=ax.transAxes, ha="center", fontsize=8, color="#666")
            ax.set_yticks([])
            ax.tick_params(labelsize=7)
            if i == 0:
                ax.set_title(UNITS[stat], fontsize=9)
            if j == 0:
                ax.set_ylabel(case.name + ("\n(left out)" if case is calibration.left_out else ""), fontsize=9)
    fig.suptitle("posterior predictive checks: the record (black) against the model's 90% interval (shaded)")
    fig.tight_layout()
    return fig


def report(folder: Path) -> str:
    """`allysim calibrate --report DIR`: the posterior table and the predictive checks, as text."""
    folder = Path(folder)
    for name in ("calibration.yaml", "posterior.parquet", "predictive.parquet"):
        if not (folder / name).is_file():
            raise FileNotFoundError(f"{folder} holds no finished calibration ({name} is missing)")
    calibration = calibration_of(folder)
    posterior, predictive = _frame(folder / "posterior.parquet"), _frame(folder / "predictive.parquet")
    from sim.calibration.posterior import posterior_damage

    damaged = posterior_damage(posterior, tuple(calibration.file.priors))
    if damaged:
        raise ValueError(f"{folder / 'posterior.parquet'} {damaged}; it is damaged")
    table = posterior_table(calibration, posterior)
    checks = checks_table(calibration, predictive)
    lines = [f"{calibration.file.name}: posterior of {len(posterior)} particles ({folder})", "",
             f"{'parameter':52s} {'median':>9s} {'90% interval':>21s} {'prior':>19s}"]  # fmt: skip
    for p in table.to_dict("records"):
        lines.append(f"{p['parameter']:52s} {p['median']:9.3g} [{p['low_90']:8.3g}, {p['high_90']:8.3g}] "
                     f"[{p['prior_low']:7.3g}, {p['prior_high']:7.3g}]")  # fmt: skip
    lines += ["", f"{'case':10s} {'statistic':22s} {'observed':>17s} {'predictive 90%':>21s}  hit"]
    for c in checks.to_dict("records"):
        low, high = c["observed_low"], c["observed_high"]
        observed = f"{low:g}" if low == high else f"{low:g}-{high:g}"
        interval = f"[{c['low_90']:7.3g}, {c['high_90']:7.3g}]" if np.isfinite(c["low_90"]) else "no deal"
        lines.append(f"{c['case']:10s} {c['statistic']:22s} {observed:>17s} {interval:>21s}  "
                     f"{'yes' if c['hit'] else 'NO'}{note(c)}")  # fmt: skip
    used = checks[checks.used & ~checks.left_out]
    lines.append(f"\n{int(used.hit.sum())} of {len(used)} observed statistics inside their predictive 90% interval")
    if calibration.left_out:
        out = checks[checks.used & checks.left_out]
        lines.append(f"{calibration.left_out.name}, left out of the fit: {int(out.hit.sum())} of {len(out)} "
                     "inside their predictive 90% interval")  # fmt: skip
    return "\n".join(lines)


def note(check: dict) -> str:
    return " (left out: predicted)" if check["left_out"] else "" if check["used"] else " (not matched)"


def _frame(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # Arrow's errors of a damaged file
        raise ValueError(f"{path} is damaged ({type(exc).__name__})") from None


def calibration_of(folder: Path) -> Calibration:
    """The calibration a folder holds: its file read again from where the manifest names it,
    without the case it left out, if any."""
    import json

    from sim.calibration.spec import load_calibration

    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{folder / 'manifest.json'} is missing or damaged ({type(exc).__name__})") from None
    calibration = load_calibration(manifest["calibration_file"])
    return calibration.without(manifest["left_out"]) if manifest.get("left_out") else calibration
