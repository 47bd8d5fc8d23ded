"""The interactive dashboard: the baseline scenario in the browser, with the levers a class would
pull (the US demand on South Korea, transactionalism, Seoul's electoral pressure, China's
inducements, both sides' strategies, the seed) and the panels of `sim/panels.py`, for one run or
for two side by side. Serve it with `allysim dashboard`; each browser tab has its own runs.

The page is made of SolaraViz's parts (Mesa's ModelController gives Reset, ▶ and Step) rather
than of SolaraViz itself, which always shows Mesa's own settings (render interval, threads, a
page counter) and fixed-height cells: here each lever shows its value, a lever moved says that
Reset applies it, the figures stretch with the window, and a kept run can stand beside the next.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from functools import partial
from typing import Any

import mesa
import numpy as np
import solara
from mesa.visualization.solara_viz import ModelController
from mesa.visualization.utils import update_counter

from sim import panels, shipped
from sim.config import load_scenario, with_changes
from sim.model import AllianceModel
from sim.policies import Observer
from sim.strategies import STRATEGIES

BASELINE = load_scenario(shipped.SCENARIOS / f"{shipped.BASELINE}.yaml")
SEOUL, PATRON, RIVAL = BASELINE.hosts["south_korea"], BASELINE.patron, BASELINE.rival
PLAY_MS = 100  # between rounds when playing (Mesa's default): the redraw of a round takes longer
SLIDERS: dict[str, tuple[str, float, float, float, str]] = {  # lever -> label, low, high, step, how its value reads
    "demand_usd_bn": ("US demand on Korea", 1.0, 8.0, 0.25, "${:.2f}bn"),
    "transactionalism": ("Transactionalism", 0.0, 1.0, 0.05, "{:.2f}"),
    "electoral_peak": ("Korean electoral peak", 0.0, 6.0, 0.5, "{:.1f}"),
    "inducement_max_usd_bn": ("China's inducement, up to", 0.0, 2.0, 0.1, "${:.2f}bn"),
}
CHOICES = {"patron_strategy": "US strategy", "host_strategy": "Hosts' strategy"}


@dataclass(frozen=True)
class Levers:
    """What the sidebar sets; the seed as typed (a whole number; anything else draws one)."""

    demand_usd_bn: float = SEOUL.demand_usd_bn
    transactionalism: float = PATRON.transactionalism
    electoral_peak: float = SEOUL.electoral_pressure.peak
    inducement_max_usd_bn: float = RIVAL.inducement_max_usd_bn
    patron_strategy: str = PATRON.strategy.name
    host_strategy: str = SEOUL.strategy.name
    seed: str = "1"

    def words(self) -> dict[str, str]:
        """Each lever but the seed as the sidebar labels it: {'US demand on Korea': '$5.00bn', ...}."""
        shown = {label: fmt.format(getattr(self, key)) for key, (label, *_, fmt) in SLIDERS.items()}
        return shown | {label: getattr(self, key) for key, label in CHOICES.items()}


DEFAULT = Levers()


def seed(text: str | int | None) -> int | None:
    """The seed typed in the sidebar, or None where it is not a whole number of 0 or more."""
    try:
        value = int(str(text).strip())
    except ValueError:
        return None
    return value if value >= 0 else None


class GroupOpposition(Observer):
    """Keeps each host public's opposition by ideology group to the payment on the table, per
    round (the model itself records only the whole public's)."""

    def __init__(self) -> None:
        self.history: dict[str, list[dict[str, float]]] = {}

    def after_round(self, model: AllianceModel) -> None:
        for name, host in model.hosts.items():
            if host.public is not None:
                payment = model.tables[name].on_the_table
                self.history.setdefault(name, []).append(host.public.group_opposition(payment))


class DashboardModel(AllianceModel):
    """The baseline with the levers applied. It changes nothing of what happens: it only maps the
    levers onto the scenario and watches the run with a GroupOpposition observer."""

    def __init__(self, levers: Levers | None = None):
        levers = levers or Levers()
        changes: dict[str, object] = {
            "hosts.south_korea.demand_usd_bn": levers.demand_usd_bn,
            "patron.transactionalism": levers.transactionalism,
            "hosts.south_korea.electoral_pressure.peak": levers.electoral_peak,
            "rival.inducement_max_usd_bn": levers.inducement_max_usd_bn,
        }
        # a strategy is only replaced when changed, so the baseline's parameters (beta) stay
        if levers.patron_strategy != PATRON.strategy.name:
            changes["patron.strategy"] = levers.patron_strategy
        for name, host in BASELINE.hosts.items():
            if levers.host_strategy != host.strategy.name:
                changes[f"hosts.{name}.strategy"] = levers.host_strategy
        typed = seed(levers.seed)
        self.levers = levers
        self.seed = typed if typed is not None else int(np.random.default_rng().integers(1_000_000))
        self.groups = GroupOpposition()
        super().__init__(with_changes(BASELINE, changes), rng=self.seed, observers=(self.groups,))

    @property
    def opposition_by_group(self) -> dict[str, list[dict[str, float]]]:
        return {name: self.groups.history.get(name, []) for name, h in self.hosts.items() if h.public is not None}


class SideBySide(mesa.Model):
    """What Mesa's controls step and their Reset rebuilds: the run of the sidebar's levers and,
    if one was kept, the kept run beside it, both from their first round, in step. The levers
    are keyword arguments, as Mesa's Reset passes them."""

    def __init__(
        self,
        demand_usd_bn: float = DEFAULT.demand_usd_bn,
        transactionalism: float = DEFAULT.transactionalism,
        electoral_peak: float = DEFAULT.electoral_peak,
        inducement_max_usd_bn: float = DEFAULT.inducement_max_usd_bn,
        patron_strategy: str = DEFAULT.patron_strategy,
        host_strategy: str = DEFAULT.host_strategy,
        seed: str = DEFAULT.seed,
        kept: Levers | None = None,
    ):
        super().__init__()
        levers = Levers(demand_usd_bn, transactionalism, electoral_peak, inducement_max_usd_bn, patron_strategy,
                        host_strategy, str(seed))  # fmt: skip
        self.kept = kept
        self.runs = [DashboardModel(levers)] + ([DashboardModel(kept)] if kept else [])

    @property
    def levers(self) -> Levers:
        return self.runs[0].levers

    def step(self) -> None:
        for run in self.runs:
            if run.running:
                run.step()
        self.running = any(run.running for run in self.runs)


def parameters(model: SideBySide) -> dict[str, Any]:
    """The keyword arguments of the SideBySide `model` (what Reset would build again)."""
    return {**asdict(model.levers), "kept": model.kept}


def pending(model: SideBySide, wanted: dict[str, Any]) -> list[str]:
    """What Reset would change in the runs shown, in words; empty when nothing."""
    now = model.levers
    shown, new = now.words(), Levers(**{f.name: wanted[f.name] for f in fields(Levers)})
    changes = [f"{label} {value} (now {shown[label]})" for label, value in new.words().items() if value != shown[label]]
    if new.seed != now.seed:
        changes.append(f"seed {new.seed or 'drawn at random'} (now {now.seed or 'drawn'})")
    if wanted["kept"] != model.kept:
        changes.append("the kept run beside it" if wanted["kept"] else "no kept run")
    return changes


# ---------------------------------------------------------------- the page
CSS = """
.allysim-runs {display: grid; grid-template-columns: repeat(2, minmax(0, 1fr)); gap: 20px 24px; width: 100%}
.allysim-runs > .allysim-wide {grid-column: 1 / -1}
@media (max-width: 1100px) {.allysim-runs {grid-template-columns: minmax(0, 1fr)}}
.allysim-runs img.allysim-figure {width: 100%; height: auto; display: block}
.allysim-sentence {font-size: 18px; line-height: 1.35; margin-bottom: 6px; display: block}
.allysim-runs > .allysim-sentence {margin: 12px 0 -12px}
.allysim-heading {font-size: 18px; padding: 8px 12px; border-left: 6px solid #1976d2; background: #f2f6fb}
.allysim-heading .allysim-title {font-size: 22px; font-weight: bold}
.allysim-news {font-size: 17px; line-height: 1.45; font-family: monospace}
.allysim-label {font-size: 16px}
.allysim-value {font-size: 17px; font-weight: bold}
.allysim-lever .v-input__slot {margin-bottom: 0}
.allysim-note {font-size: 15px; color: #555}
/* read from the back of a room: no text under 14 px (Vuetify's small labels are 12 px) */
.v-application .v-label--active {transform: translateY(-20px) scale(0.875)}
.v-application .v-messages, .v-application .caption {font-size: 14px}
"""


@solara.component
def Page(start: SideBySide | None = None):
    """The dashboard of `start`, or of a new baseline run: one per browser session, so that two
    tabs (or two students on one server) do not step each other's runs."""
    first = solara.use_memo(lambda: SideBySide() if start is None else start, [])
    model: solara.Reactive[SideBySide] = solara.use_reactive(first)
    wanted = solara.use_reactive(parameters(first))  # what Reset builds from
    play_ms, one, no_threads = solara.use_reactive(PLAY_MS), solara.use_reactive(1), solara.use_reactive(False)
    solara.Style(CSS)
    with solara.AppBar():
        solara.AppBarTitle("allysim: cost-sharing talks")
    with solara.Sidebar(), solara.Column():
        with solara.Card("Run"):
            ModelController(model, model_parameters=wanted, play_interval=play_ms, render_interval=one,
                            use_threads=no_threads)  # fmt: skip
            Clock(model.value)
        with solara.Card("Levers"):
            LeverInputs(wanted)
        with solara.Card("Side by side"):
            Compare(model.value, wanted)
    with solara.Column(style={"width": "100%"}):
        changes = pending(model.value, wanted.value)
        if changes:
            solara.Warning("Press Reset to start again with " + "; ".join(changes) + ".", classes=["allysim-reset"])
        Runs(model.value)


@solara.component
def Clock(model: SideBySide):
    update_counter.get()
    run = model.runs[0]
    date = run.calendar.label(max(run.round, 1))
    solara.Text(f"Round {run.round} of {run.config.rounds} ({date})", style={"font-size": "17px"})


@solara.component
def LeverInputs(wanted: solara.Reactive[dict[str, Any]]):
    def set_lever(key: str, value: Any) -> None:
        wanted.value = {**wanted.value, key: value}

    for key, (label, low, high, step, fmt) in SLIDERS.items():
        with solara.Column(gap="0px", classes=["allysim-lever"]):
            with solara.Row(justify="space-between"):
                solara.Text(label, classes=["allysim-label"])
                solara.Text(fmt.format(wanted.value[key]), classes=["allysim-value"])
            solara.SliderFloat("", value=wanted.value[key], min=low, max=high, step=step, thumb_label=False,
                               on_value=partial(set_lever, key))  # fmt: skip
    for key, label in CHOICES.items():
        solara.Select(label, value=wanted.value[key], values=sorted(STRATEGIES),
                      on_value=partial(set_lever, key))  # fmt: skip
    solara.InputText("Seed", value=wanted.value["seed"], on_value=lambda v: set_lever("seed", v))
    if seed(wanted.value["seed"]) is None:
        solara.Text("Not a whole number: Reset draws a seed at random.", classes=["allysim-note"])


@solara.component
def Compare(model: SideBySide, wanted: solara.Reactive[dict[str, Any]]):
    """Keep the run shown (its levers and its seed) to run it again beside the next one."""
    kept = wanted.value["kept"]
    if kept is None:
        run = model.runs[0]
        solara.Text("Keep the run shown, then move a lever or the seed and press Reset: both runs play "
                    "side by side.", classes=["allysim-note"])  # fmt: skip
        solara.Button("Keep this run", color="primary", outlined=True,
                      on_click=lambda: wanted.set({**wanted.value, "kept": replace(run.levers, seed=str(run.seed))}))
    else:
        solara.Text(f"Kept: seed {kept.seed}; " + "; ".join(f"{k} {v}" for k, v in kept.words().items()),
                    classes=["allysim-note"])  # fmt: skip
        solara.Button("Drop the kept run", color="primary", outlined=True,
                      on_click=lambda: wanted.set({**wanted.value, "kept": None}))


@solara.component
def Runs(model: SideBySide):
    """Each run's heading, then each panel under its sentence: alone, two panels a row; side by
    side, the two runs' panels in a row under one sentence."""
    update_counter.get()
    runs = model.runs
    with solara.Div(classes=["allysim-runs"]):
        for i, run in enumerate(runs):
            Heading(run, runs[1 - i] if len(runs) == 2 else None, "This run" if i == 0 else "Kept run",
                    wide=len(runs) == 1)  # fmt: skip
        for kind, sentence in panels.SENTENCES.items():
            if len(runs) == 2:
                solara.Text(sentence, classes=["allysim-sentence", "allysim-wide"])
            for run in runs:
                Panel(kind, run, sentence if len(runs) == 1 else None)


@solara.component
def Heading(run: DashboardModel, other: DashboardModel | None, name: str, wide: bool):
    """The run's name, seed, round and levers; the levers where it differs from the other run in bold."""
    update_counter.get()
    theirs = other.levers.words() if other else {}
    typed = seed(run.levers.seed) is not None
    parts = [(f"seed {run.seed}" + ("" if typed else " (drawn)"), other is not None and other.seed != run.seed)]
    parts += [(f"{k} {v}", bool(theirs) and theirs[k] != v) for k, v in run.levers.words().items()]
    date = run.calendar.label(max(run.round, 1))
    with solara.Div(classes=["allysim-heading"] + (["allysim-wide"] if wide else [])):
        solara.Text(f"{name}: round {run.round} of {run.config.rounds} ({date})", classes=["allysim-title"])
        with solara.Div():
            for i, (text, differs) in enumerate(parts):
                solara.Text(("" if i == 0 else " · ") + text, style={"font-weight": "bold" if differs else "normal"})


@solara.component
def Panel(kind: str, run: DashboardModel, sentence: str | None):
    update_counter.get()
    with solara.Div(classes=["allysim-panel", f"allysim-{kind}"]):
        if sentence:
            solara.Text(sentence, classes=["allysim-sentence"])
        if kind == "feed":
            with solara.Column(gap="2px", classes=["allysim-news"]):
                for line in panels.news(run) or ["No events yet: press Step or ▶."]:
                    solara.Text(line)
        else:  # drawn once a round, not on every change of the page
            drawing = solara.use_memo(lambda: panels.svg(FIGURES[kind](run)), [run, run.round])
            solara.Image(drawing, format="svg+xml", width="100%", classes=["allysim-figure"])


FIGURES = {
    "dance": lambda run: panels.dance_figure(run, run.seed),
    "zone": panels.zone_figure,
    "hedging": panels.hedging_figure,
    "opposition": lambda run: panels.opposition_figure(run, run.opposition_by_group),
}


page = Page()
