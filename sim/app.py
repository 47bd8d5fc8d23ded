"""The interactive dashboard: the baseline scenario in Mesa's SolaraViz, with the levers a class
would pull (the US demand on South Korea, transactionalism, Seoul's electoral pressure, China's
inducements, both sides' strategies) and live panels of the talks. Serve it with
`allysim dashboard` (or `solara run sim/app.py`); each browser session gets its own model.
"""

from __future__ import annotations

import numpy as np
import solara
from matplotlib.artist import Artist
from matplotlib.figure import Figure
from mesa.visualization import SolaraViz
from mesa.visualization.utils import update_counter

from sim import shipped
from sim.config import load_scenario, with_changes
from sim.events import Event
from sim.model import AllianceModel
from sim.plots import HOST_COLOURS, MARKERS
from sim.policies import Observer
from sim.strategies import STRATEGIES
from sim.words import title

BASELINE = load_scenario(shipped.SCENARIOS / f"{shipped.BASELINE}.yaml")
SEOUL = BASELINE.hosts["south_korea"]
FEED_LENGTH = 12
GROUP_STYLES = ["-", "--", ":", "-."]


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
    """The baseline with the dashboard's levers as keyword arguments, as SolaraViz builds a
    model on Reset. It changes nothing of what happens: it only maps the levers onto the
    scenario and watches the run with a GroupOpposition observer."""

    def __init__(
        self,
        demand_usd_bn: float = SEOUL.demand_usd_bn,
        transactionalism: float = BASELINE.patron.transactionalism,
        electoral_peak: float = SEOUL.electoral_pressure.peak,
        inducement_max_usd_bn: float = BASELINE.rival.inducement_max_usd_bn,
        patron_strategy: str = BASELINE.patron.strategy.name,
        host_strategy: str = SEOUL.strategy.name,
        rng: int | str | None = 1,
    ):
        changes: dict[str, object] = {
            "hosts.south_korea.demand_usd_bn": demand_usd_bn,
            "patron.transactionalism": transactionalism,
            "hosts.south_korea.electoral_pressure.peak": electoral_peak,
            "rival.inducement_max_usd_bn": inducement_max_usd_bn,
        }
        # a strategy is only replaced when changed, so the baseline's parameters (beta) stay
        if patron_strategy != BASELINE.patron.strategy.name:
            changes["patron.strategy"] = patron_strategy
        for name, host in BASELINE.hosts.items():
            if host_strategy != host.strategy.name:
                changes[f"hosts.{name}.strategy"] = host_strategy
        self.groups = GroupOpposition()
        super().__init__(with_changes(BASELINE, changes), rng=seed(rng), observers=(self.groups,))

    @property
    def opposition_by_group(self) -> dict[str, list[dict[str, float]]]:
        return {name: self.groups.history.get(name, []) for name, h in self.hosts.items() if h.public is not None}


def seed(value: int | str | None) -> int | None:
    """The seed typed in the sidebar; anything but a whole number draws a fresh one."""
    if value is None:
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------- panels
# SolaraViz's grid cells are about 430 x 370 px on a laptop screen: the figures are drawn to fit.
def series(model: AllianceModel, key: str) -> np.ndarray:
    return np.array(model.record.column(key), dtype=float)


def new_figure(model: AllianceModel, rows: int, top: float = 0.94) -> tuple[Figure, list]:
    """Stacked panels over the whole horizon (months), so that they do not rescale as it runs.
    Fixed margins: a layout engine would double the time a redraw takes."""
    fig = Figure(figsize=(5.4, 4.5), dpi=80)
    fig.subplots_adjust(left=0.1, right=0.98, bottom=0.07, top=top, hspace=0.3)
    axes = list(fig.subplots(rows, 1, sharex=True, squeeze=False)[:, 0])
    ticks = list(range(1, model.config.rounds + 1, 6))
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.spines[["top", "right"]].set_visible(False)
        ax.tick_params(labelsize=7)
    axes[-1].set_xlim(0.5, model.config.rounds + 0.5)
    axes[-1].set_xticks(ticks, [model.calendar.label(r) for r in ticks])
    return fig, axes


def show(fig: Figure, model: AllianceModel) -> None:
    solara.FigureMatplotlib(fig, format="png", dependencies=[update_counter.value, model])


def dance(ax, model: DashboardModel, name: str) -> None:
    x, table = np.arange(1, model.round + 1), model.tables[name]
    demand, offer = series(model, f"{name}.demand_usd_bn"), series(model, f"{name}.counter_usd_bn")
    ax.plot(x, demand, "-o", ms=2.5, color="#d6604d", lw=1.8, label="US demand")
    ax.plot(x, offer, "-o", ms=2.5, color="#4393c3", lw=1.8, label="host's offer")
    for side, colour, who in (("patron", "#d6604d", "US"), ("host", "#4393c3", "host's")):
        ax.plot(x, series(model, f"{name}.reservation_{side}_usd_bn"), color=colour, ls=":",
                label=f"{who} reservation")  # fmt: skip
    top = max(model.config.hosts[name].demand_usd_bn, np.nanmax(np.r_[demand, offer, 1.0]))
    for kind, (marker, colour, label) in MARKERS.items():
        hits = [e for e in model.log.rows if e.kind == kind and e.table == name]
        if hits:  # a deal at its price; the other events in a row along the top
            y = [e.value if kind == "accept" else top * 1.08 for e in hits]
            ax.scatter([e.round for e in hits], y, marker=marker, s=90 if kind == "accept" else 40,
                       color=colour, edgecolor="white", zorder=5, label=label)  # fmt: skip
    ax.set_ylim(0, top * 1.15)
    ax.set_ylabel("US$bn a year", fontsize=8)
    state = f"deal at ${table.price:.2f}bn" if table.status == "deal" else table.status
    ax.set_title(f"{title(name)}: {state}" + (" · threat pending" if table.threat else ""), loc="left",
                 fontsize=9)  # fmt: skip


@solara.component
def NegotiationDance(model: DashboardModel):
    """Demand, offer and both reservations per table, with deals, walkouts and threats."""
    update_counter.get()
    fig, axes = new_figure(model, len(model.tables), top=0.87)
    for ax, name in zip(axes, model.tables, strict=True):
        dance(ax, model, name)
    legend: dict[str, Artist] = {}
    for ax in axes:  # one legend for both tables, above them
        legend.update(zip(*reversed(ax.get_legend_handles_labels()), strict=True))
    fig.legend(list(legend.values()), list(legend.keys()), loc="upper center", ncol=4, fontsize=7, frameon=False)
    show(fig, model)


@solara.component
def HedgingAndTroops(model: DashboardModel):
    """Each host's hedging toward China and the US troops stationed there."""
    update_counter.get()
    fig, (ax_h, ax_t) = new_figure(model, 2)
    x = np.arange(1, model.round + 1)
    for i, (name, host) in enumerate(model.hosts.items()):
        colour = HOST_COLOURS[i % len(HOST_COLOURS)]
        ax_h.plot(x, series(model, f"{name}.hedging"), color=colour, lw=2, label=title(name))
        ax_t.plot(x, series(model, f"{name}.troops") / 1000, color=colour, lw=2, label=title(name))
        ax_t.axhline(host.troop_floor / 1000, color=colour, lw=0.8, ls="--")
    ax_h.set_ylim(0, 1)
    ax_h.set_title("Hedging toward China (0-1)", loc="left", fontsize=9)
    ax_h.legend(loc="upper right", fontsize=7, frameon=False)
    ax_t.set_ylim(0, 1.1 * max(h.config.troops for h in model.hosts.values()) / 1000)
    ax_t.set_title("US troops, thousands (dashed: legal floor)", loc="left", fontsize=9)
    show(fig, model)


@solara.component
def OppositionByGroup(model: DashboardModel):
    """Share of each ideology group opposed to the payment on the table, per host public."""
    update_counter.get()
    fig, axes = new_figure(model, len(model.opposition_by_group))
    x = np.arange(1, model.round + 1)
    for ax, (name, history) in zip(axes, model.opposition_by_group.items(), strict=True):
        public = model.hosts[name].public
        for i, group in enumerate(public.group_names if public is not None else []):
            ax.plot(x, [h[group] for h in history], lw=2, ls=GROUP_STYLES[i % 4], label=group)
        ax.set_ylim(0, 1.05)
        ax.set_title(f"{title(name)}: share opposed to ${model.tables[name].on_the_table:.2f}bn", loc="left",
                     fontsize=9)  # fmt: skip
        ax.legend(loc="lower left", fontsize=7, ncol=3, frameon=False)
    show(fig, model)


VALUE_FORMATS = {"walkout": "", "hedge": " to {:.2f}", "linkage": " ×{:.3f}", "drawdown": ""}


def describe(event: Event) -> str:
    """One line of the feed: '2019-11  United States: threat (South Korea) $3.08bn · drawdown by 2020-02'."""
    date, actor, kind, table, value, details = (event.date, event.actor, event.kind, event.table, event.value,
                                                event.details)  # fmt: skip
    text = f"{date}  {title(actor)}: {kind}" + (f" ({title(table)})" if table and table != actor else "")
    if not np.isnan(value):
        text += VALUE_FORMATS.get(kind, " ${:.2f}bn").format(value)
    return text + (f" · {details}" if details else "")


@solara.component
def EventFeed(model: DashboardModel):
    """The run's settings and its latest events, newest first."""
    update_counter.get()
    cfg, date = model.config, model.calendar.label(max(model.round, 1))
    with solara.Column(gap="2px", style={"padding": "10px", "height": "100%", "overflow-y": "auto"}) as feed:
        solara.Text(f"Round {model.round} of {cfg.rounds} ({date})", style={"font-weight": "bold"})
        solara.Text(
            f"US demand on South Korea ${cfg.hosts['south_korea'].demand_usd_bn:.2f}bn · "
            f"transactionalism {cfg.patron.transactionalism:.2f} · "
            f"electoral peak {cfg.hosts['south_korea'].electoral_pressure.peak:.1f} · "
            f"China's inducement up to ${cfg.rival.inducement_max_usd_bn:.2f}bn · "
            f"US {cfg.patron.strategy.name} vs hosts {cfg.hosts['south_korea'].strategy.name}",
            style={"font-size": "0.85em", "color": "#666"},
        )
        events = model.log.rows[::-1][:FEED_LENGTH]
        if not events:
            solara.Text("No events yet: press Step or ▶.")
        for event in events:
            solara.Text(describe(event), style={"font-family": "monospace", "font-size": "0.8em"})
    return feed


# ---------------------------------------------------------------- the page
def slider(label: str, value: float, low: float, high: float, step: float) -> dict:
    return {"type": "SliderFloat", "label": label, "value": value, "min": low, "max": high, "step": step}


def choice(label: str, value: str) -> dict:
    return {"type": "Select", "label": label, "value": value, "values": sorted(STRATEGIES)}


PATRON, RIVAL = BASELINE.patron, BASELINE.rival
model_params = {
    "demand_usd_bn": slider("US demand on Korea ($bn)", SEOUL.demand_usd_bn, 1.0, 8.0, 0.25),
    "transactionalism": slider("Transactionalism", PATRON.transactionalism, 0.0, 1.0, 0.05),
    "electoral_peak": slider("Korean electoral peak", SEOUL.electoral_pressure.peak, 0.0, 6.0, 0.5),
    "inducement_max_usd_bn": slider("China's inducement ($bn)", RIVAL.inducement_max_usd_bn, 0.0, 2.0, 0.1),
    "patron_strategy": choice("US strategy", PATRON.strategy.name),
    "host_strategy": choice("Hosts' strategy", SEOUL.strategy.name),
    "rng": {"type": "InputText", "label": "Seed", "value": 1},
}
PANELS = [NegotiationDance, HedgingAndTroops, OppositionByGroup, EventFeed]


@solara.component
def Page(model: DashboardModel | None = None):
    """The dashboard of `model`, or of a new baseline model: one per browser session, so that
    two tabs (or two students on one server) do not step each other's run."""
    shown = solara.use_memo(lambda: DashboardModel() if model is None else model, [])
    solara.Style(".vue-grid-item img.widget-image {max-width: 100%; height: auto}")  # narrow screens
    SolaraViz(shown, components=PANELS, model_params=model_params, name="allysim: cost-sharing talks")


page = Page()
