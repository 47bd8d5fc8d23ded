"""allysim: an agent-based model of alliance cost-sharing negotiations (Mesa 3.5).

The public API, importable from here (each name is loaded when first used, so that
`import sim` stays light):

    from sim import load_scenario, simulate, AllianceModel, Policy, Observer

- scenarios: `load_scenario`, `with_changes`, `Scenario`, `ScenarioError`
- one run: `simulate` (a pure function of scenario and seed), `AllianceModel`, `collect`, `RunResult`;
  the outcomes counted in it, `OUTCOMES` (deal, walkout, lapse, drawdown, hedging above `HEDGING_LINE`)
- the doors: `Policy`, `Observer`, `register_policy` and the decisions `PRESS`, `DEADLINE`,
  `STALL`; `Strategy`, `register`
- experiments: `load_sweep`, `run_sweep`, `Options`
- words and figures: `story`, `trace`
"""

from __future__ import annotations

from importlib import import_module

API = {
    "load_scenario": "sim.config", "with_changes": "sim.config", "Scenario": "sim.config",
    "ScenarioError": "sim.config",
    "simulate": "sim.outcomes", "collect": "sim.outcomes", "RunResult": "sim.outcomes",
    "OUTCOMES": "sim.outcomes", "HEDGING_LINE": "sim.outcomes",
    "AllianceModel": "sim.model",
    "Policy": "sim.policies", "Observer": "sim.policies", "register_policy": "sim.policies",
    "PRESS": "sim.policies", "DEADLINE": "sim.policies", "STALL": "sim.policies",
    "Strategy": "sim.strategies", "register": "sim.strategies",
    "load_sweep": "sim.experiment.design", "run_sweep": "sim.experiment.runner", "Options": "sim.experiment.runner",
    "story": "sim.words", "trace": "sim.plots",
}  # fmt: skip

__all__ = sorted(API)


def __getattr__(name: str):
    if name == "__version__":  # the installed distribution's, as `allysim --version` prints it
        from importlib import metadata

        return metadata.version("allysim")
    if name in API:
        value = getattr(import_module(API[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *API])
