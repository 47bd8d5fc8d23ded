"""A run is a pure function of (scenario, seed): the same inputs give byte-identical files."""

from __future__ import annotations

import mesa
import pandas as pd
import pytest
from conftest import BASELINE, scenario
from mesa.time import Priority, Schedule

from sim.cli import main
from sim.model import AllianceModel

FILES = ["summary.json", "rounds.parquet", "events.parquet", "events.csv", "scenario.yaml"]


def run(tmp_path, seed: int, name: str):
    out = tmp_path / name
    assert main(["run", str(BASELINE), "--seed", str(seed), "--no-plot", "--out", str(out)]) == 0
    return out


def test_same_seed_same_bytes(tmp_path):
    a, b = run(tmp_path, 11, "a"), run(tmp_path, 11, "b")
    for name in FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_different_seeds_differ_where_anything_is_random(tmp_path):
    a, b = run(tmp_path, 11, "a"), run(tmp_path, 12, "b")
    assert (a / "summary.json").read_bytes() != (b / "summary.json").read_bytes()
    ra, rb = pd.read_parquet(a / "rounds.parquet"), pd.read_parquet(b / "rounds.parquet")
    # citizens' opinions are drawn per seed, so opposition differs from the first round on
    assert ra["south_korea.opposition"].iloc[0] != rb["south_korea.opposition"].iloc[0]


def test_analytic_case_is_deterministic_across_seeds(tmp_path):
    """With every spread 0 and every probability 0 or 1 the seed does not matter."""
    scenario = BASELINE.parent / "analytic.yaml"
    outs = []
    for seed in (1, 2):
        out = tmp_path / f"s{seed}"
        assert main(["run", str(scenario), "--seed", str(seed), "--no-plot", "--out", str(out)]) == 0
        outs.append(out)
    a, b = (pd.read_parquet(o / "rounds.parquet") for o in outs)
    pd.testing.assert_frame_equal(a, b)


def test_run_plays_what_mesas_step_plays():
    """`run()` goes through Mesa's `step()`: the same rounds and events as stepping by hand, and
    Mesa's clock counts every round, so that Mesa's own `run_until` after `run()` plays none."""
    config = scenario("baseline_2019")
    for seed in (1, 7, 2019):
        direct = AllianceModel(config, rng=seed).run()
        stepped = AllianceModel(config, rng=seed)
        while stepped.running:
            stepped.step()
        mixed = AllianceModel(config, rng=seed)
        for _ in range(5):
            mixed.step()
        mixed.run()
        for model in (direct, stepped, mixed):
            assert model.steps == model.round == config.rounds and model.time == config.rounds
        for other in (stepped, mixed):
            assert other.record.frame().equals(direct.record.frame())
            assert other.log.frame().equals(direct.log.frame())
    with pytest.warns(RuntimeWarning):
        direct.run_until(5)  # Mesa's own: the clock is past it, nothing to play
    assert direct.round == config.rounds and len(direct.record) == config.rounds


class Scheduling(AllianceModel):
    """A model that uses Mesa's event list as a researcher might: one-off events before and
    during the run, a recurring one, and a DataCollector."""

    def __init__(self, config, rng, *, ahead: bool):
        super().__init__(config, rng=rng)
        self.trace: list[tuple] = []
        self.queued: list[int] = []  # the events on Mesa's list, seen from inside each round
        self.markers: list[Marker] = []  # Mesa holds what it calls by a weak reference only
        self.datacollector = mesa.DataCollector(model_reporters={"round": "round", "time": "time"})
        if ahead:
            self.schedule_event(self.marker("at 3"), at=3.0)
            self.schedule_event(self.marker("at 5, high"), at=5.0, priority=Priority.HIGH)
            self.schedule_recurring(self.marker("every 4"), Schedule(interval=4.0, start=2.0))

    def marker(self, label: str):
        self.markers.append(Marker(self, label))
        return self.markers[-1].fire

    def step(self) -> None:
        super().step()
        self.datacollector.collect(self)
        self.trace.append(("round", self.round, self.steps, self.time))
        self.queued.append(len(self._event_list))
        if self.round == 6:  # scheduled during a round: due with the next round, and before it
            self.schedule_event(self.marker("during 6, high"), at=7.0, priority=Priority.HIGH)
            self.schedule_event(self.marker("during 6, low"), after=2.5, priority=Priority.LOW)
            self.schedule_event(self.marker("during 6, now"), at=self.time)  # in this very step


class Marker:
    def __init__(self, model: Scheduling, label: str):
        self.model, self.label = model, label

    def fire(self) -> None:
        self.model.trace.append((self.label, self.model.round, self.model.steps, self.model.time))


@pytest.mark.parametrize("ahead", [False, True])
def test_run_keeps_mesas_event_list(ahead):
    """Whatever is on Mesa's event list, `run()` plays what stepping with Mesa's `step()` plays,
    in Mesa's order and on Mesa's clock, and a DataCollector gets its row every round."""
    config = scenario("baseline_2019")
    direct = Scheduling(config, 5, ahead=ahead).run()
    stepped = Scheduling(config, 5, ahead=ahead)
    while stepped.running:
        stepped.step()
    assert direct.trace == stepped.trace and direct.queued == stepped.queued
    assert (direct.steps, direct.time, direct.round) == (stepped.steps, stepped.time, stepped.round)
    for model in (direct, stepped):
        rounds = model._default_schedule
        assert (rounds.execution_count, rounds.next_scheduled_time) == (config.rounds, config.rounds + 1.0)
    assert direct.record.frame().equals(stepped.record.frame())
    assert direct.datacollector.get_model_vars_dataframe()["round"].tolist() == list(range(1, config.rounds + 1))
    trace = direct.trace
    now = trace.index(("during 6, now", 6, 6, 6.0))  # in round 6's step, after it
    assert trace.index(("round", 6, 6, 6.0)) < now < trace.index(("round", 7, 7, 7.0))
    during = trace.index(("during 6, high", 6, 6, 7.0))  # fired at time 7, before round 7
    assert trace[during + 1] == ("round", 7, 7, 7.0) and ("during 6, low", 8, 8, 8.5) in trace
    if ahead:  # queued before Mesa made round 5's event, at its priority: fired before it
        assert trace.index(("at 5, high", 4, 4, 5.0)) + 1 == trace.index(("round", 5, 5, 5.0))
        assert ("at 3", 3, 3, 3.0) in trace and ("every 4", 10, 10, 10.0) in trace


class Failing(Scheduling):
    """Schedules events in its third round, then fails it."""

    def step(self) -> None:
        super().step()
        if self.round == 3:
            for after in (5.0, 1.5, 6.0, 7.0):
                self.schedule_event(self.marker(f"+{after}"), after=after)
            raise RuntimeError("a round that fails")


def test_a_round_that_raises_leaves_mesas_clock_and_event_list_as_step_does():
    config = scenario("baseline_2019")
    direct, stepped = Failing(config, 2, ahead=False), Failing(config, 2, ahead=False)
    with pytest.raises(RuntimeError):
        direct.run()
    with pytest.raises(RuntimeError):
        while stepped.running:
            stepped.step()
    for model in (direct, stepped):
        assert (model.steps, model.time, model.round, len(model._event_list)) == (3, 3.0, 3, 4)
        model.run_until(12)  # on with Mesa's own: the events in time order, then no round
    assert direct.trace == stepped.trace
    assert [label for label, *_ in direct.trace[3:]] == ["+1.5", "+5.0", "+6.0", "+7.0"]


class Stopping(AllianceModel):
    """Told to stop by an event that its fifth round schedules at the current time."""

    def halt(self) -> None:
        self.running = False

    def step(self) -> None:
        super().step()
        if self.round == 5:
            self.schedule_event(self.halt, at=self.time)


class Ticking(AllianceModel):
    """Counts the calls of Mesa's time advance, which it overrides."""

    ticks = 0

    def _advance_time(self, until: float) -> None:
        self.ticks += 1
        super()._advance_time(until)


def test_run_stops_when_mesa_stops_and_honours_an_overridden_time_advance():
    from mesa.time.events import Event

    config = scenario("baseline_2019")
    assert Stopping(config, rng=1).run().round == 5  # the event played in the round's step, as by step()
    assert Ticking(config, rng=1).run().ticks == config.rounds
    made = next(Event._ids)
    AllianceModel(config, rng=1).run()
    by_run = next(Event._ids) - made
    stepped = AllianceModel(config, rng=1)
    while stepped.running:
        stepped.step()
    assert next(Event._ids) - made - by_run == by_run == config.rounds + 2  # one made a round, one at the start
