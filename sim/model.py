"""AllianceModel: alliance cost-sharing talks as an agent-based negotiation (Mesa 3.5).

The 2019 Special Measures Agreement talks between the United States and South Korea (and
the host-nation support talks with Japan) as repeated alternating-offer bargaining between a
patron and its hosts, each constrained by its public (Putnam 1988), with a rival courting the
hosts (Snyder 1984) and threats backed by audience costs (Fearon 1994). Design:
`shared/design/MODEL.md`; the model in the ODD protocol: `docs/ODD.md`.

A run is a pure function of (scenario, seed): nothing is read or printed here.
"""

from __future__ import annotations

import functools
import heapq
import math

import mesa
import numpy as np
from mesa.time.events import Event

from sim import talks
from sim.agents import Host, News, Patron, Public, Rival
from sim.agents.public import crowds
from sim.calendar import Calendar
from sim.events import EventLog
from sim.policies import AGENTS, DEADLINE, Observer, Policy, decide, hedging_target
from sim.record import Record
from sim.schema import Scenario
from sim.strategies import make
from sim.talks import Threat

# the rounds table's columns per table, in the order record_phase gives their values
TABLE_COLUMNS = (
    "status", "demand_usd_bn", "counter_usd_bn", "payment_usd_bn", "reservation_patron_usd_bn",
    "reservation_host_usd_bn", "troops", "hedging", "reliability", "fear", "inducement_usd_bn",
    "coercion_usd_bn", "electoral_pressure", "threat", "lapsed", "opposition", "shortfall_usd_bn",
    "opposition_gap", "median_tolerance_usd_bn", "anti_us", "support", "utility", "patron_utility",
    "troop_floor",
)  # fmt: skip


# their types in the rounds table (float64 for the rest), whatever a run's values: one schema
# for every run of a sweep, an all-missing column or a strategy's whole-number offers among them
TABLE_TYPES: dict[str, type | str] = {"status": "str", "troops": np.int64, "threat": np.bool_,
                                      "lapsed": np.bool_, "troop_floor": np.int64}  # fmt: skip


@functools.lru_cache(maxsize=64)
def record_types(hosts: tuple[str, ...]) -> dict[str, type | str]:
    """The rounds table's column types for these hosts (kept across runs: read only)."""
    types: dict[str, type | str] = {"round": np.int64, "date": "str"}
    for name in hosts:
        types.update({f"{name}.{column}": TABLE_TYPES.get(column, np.float64) for column in TABLE_COLUMNS})
    return types | dict.fromkeys(["patron.utility", "patron.transactionalism", "patron.troop_support",
                                  "rival.utility"], np.float64)  # fmt: skip


NO_FIGURES = (math.nan,) * 4  # opposition, shortfall, gap, median of a host without a public


class Dated:
    """The scenario's dated events by the round they fall in, each list in the scenario's order."""

    def __init__(self, calendar: Calendar, config: Scenario):
        def by_round(items, day_of) -> dict[int, list]:
            rounds: dict[int, list] = {}
            for item in items:
                rounds.setdefault(calendar.round_of(day_of(item)), []).append(item)
            return rounds

        self.host_elections = {name: by_round(host.elections, lambda e: e.date) for name, host in config.hosts.items()}
        self.patron_elections = by_round(config.patron.elections, lambda day: day)
        self.administration_changes = by_round(config.calendar.administration_changes, lambda c: c.date)
        self.floor_bills = by_round(config.calendar.floor_bills, lambda b: b.date)
        self.security_shocks = by_round(config.calendar.security_shocks, lambda s: s.date)


class AllianceModel(mesa.Model):
    """One run of a scenario. `step()` plays one month in six phases.

    `policies` maps an actor's name to the Policy that makes its choices (the agents' own by
    default); `observers` are told after each round. Nothing else changes what happens.
    """

    def __init__(self, config: Scenario, rng: int | np.random.Generator | None = None,
                 policies: dict[str, Policy] | None = None, observers: tuple[Observer, ...] = ()):  # fmt: skip
        super().__init__(rng=rng)
        self.config = config
        self.policies = dict(policies or {})
        self.observers = tuple(observers)
        self.round = 0
        self.calendar = Calendar(config.start, config.rounds)
        self.dated = Dated(self.calendar, config)
        self.log = EventLog()
        # with the publics switched off there are no citizens at all: nothing they would draw
        self.publics = {
            name: Public(self, name, pub, config.citizens)
            for name, pub in config.publics.items()
            if config.modules.publics
        }
        self.crowds = crowds(list(self.publics.values()))
        self.alone = [p for p in self.publics.values() if not any(p in c.publics for c in self.crowds)]
        self.hosts = {
            name: Host(self, name, host, self.publics.get(host.public)) for name, host in config.hosts.items()
        }
        patron_public = self.publics.get(config.patron.public) if config.patron.public else None
        self.patron = Patron(self, config.patron, self.hosts, patron_public)
        self.rival = Rival(self, config.rival, self.hosts)
        # under complete information each side knows the other's reservation: no error to draw
        spread = config.patron.belief_spread_usd_bn if config.information == "incomplete" else 0.0
        self.belief_errors = {h: tuple(spread * self.rng.standard_normal(2)) for h in self.hosts}
        self.tables = {name: talks.new_table(self, name) for name in config.hosts}
        self.news = {name: News() for name in config.publics}
        self.record = Record(
            ["round", "date"]
            + [f"{name}.{column}" for name in config.hosts for column in TABLE_COLUMNS]
            + ["patron.utility", "patron.transactionalism", "patron.troop_support", "rival.utility"],
            record_types(tuple(config.hosts)),
        )
        self.hedging_peak = {h: host.hedging for h, host in self.hosts.items()}
        self._deals_this_round: dict[str, float] = {}
        self._pairs: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def policy(self, actor: str) -> Policy:
        return self.policies.get(actor, AGENTS)

    def pairs(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """This round's random disjoint pairs among n citizens (shared by publics of one size:
        their citizens are unrelated, so one draw serves them all)."""
        if n not in self._pairs:
            order = self.rng.permutation(n)
            self._pairs[n] = (order[: n // 2], order[n // 2 : 2 * (n // 2)])
        return self._pairs[n]

    # ------------------------------------------------------------ the round
    def step(self) -> None:
        self.round += 1
        for phase in (self.calendar_phase, self.opinion_phase, self.rival_phase, self.talks_phase,
                      self.strategy_phase, self.record_phase):  # fmt: skip
            phase()
            for observer in self.observers:
                observer.phase_done(self, phase.__name__)
        for observer in self.observers:
            observer.after_round(self)
        if self.round >= self.config.rounds:
            self.running = False

    def run(self) -> AllianceModel:
        """Play the rounds left to the horizon as Mesa's `step()` plays them: Mesa's clock
        (`steps`, `time`) and anything scheduled on its event list go on as Mesa defines them.

        While Mesa's own round is next on its event list and due a round on (a sweep's every
        run), a round is what Mesa's `step()` makes of it, but for one thing: the round's event,
        taken off the list and played, is put back a round on instead of a new one being made
        for it, when nothing else is on the list to be ordered against it (a fresh id from
        Mesa's counter, as a new event would have). Whatever the round scheduled is played as
        Mesa plays it, up to the end of the step. Anything else (a simulator, `step` replaced,
        Mesa's time advance overridden, its round schedule paused, changed or stopped, or a Mesa
        whose parts are named otherwise) goes through `step()`."""
        while self.running:
            event = self._mesas_round_next()
            if event is None:
                self.step()
                continue
            events, schedule = self._event_list, self._default_schedule
            heapq.heappop(events._events)  # Mesa's step(): the round's event off the list,
            self.time = until = event.time  # the clock at it, the round played
            self._do_step()
            schedule._execution_count += 1  # then, as its schedule does after a round:
            upcoming = self.time + schedule._get_interval()
            if schedule._should_stop(upcoming):
                schedule._active, schedule._current_event = False, None
                self._event_generators.discard(schedule)
            elif (not events._events and schedule._current_event is event and not event.CANCELED
                  and event.priority == schedule.priority.value):  # fmt: skip
                event.time, event.unique_id = upcoming, next(Event._ids)  # the next round's event
                events._events.append(event)
                self.time = until
                continue  # nothing else due: the step ends here, at the round's time
            else:
                schedule._schedule_next(upcoming)
            while True:  # on to the step's end as Mesa's _advance_time goes: what is due by then
                try:
                    due = events.pop_event()
                except IndexError:
                    break
                if due.time > until:
                    events.add_event(due)
                    break
                self.time = due.time
                due.execute()
            self.time = until
        return self

    def _mesas_round_next(self) -> Event | None:
        """The event of Mesa's round when Mesa's `step()` would play it alone: first on the
        event list (nothing due before or with it), a round on, from Mesa's round schedule as
        Mesa makes it (every 1.0, active, not paused), with no simulator and neither `step` nor
        Mesa's time advance replaced. None otherwise, and with a Mesa whose parts are named
        otherwise."""
        try:
            schedule, queue = self._default_schedule, self._event_list._events
            if (not queue or self._simulator is not None or self.step != self._wrapped_step
                    or type(self)._advance_time is not mesa.Model._advance_time or "_advance_time" in self.__dict__
                    or type(self)._wrapped_step is not mesa.Model._wrapped_step):  # fmt: skip
                return None
            event, plan = queue[0], schedule.schedule
            alone = (event is schedule._current_event and not event.CANCELED and event.time == self.time + 1.0
                     and schedule.is_active and not schedule._paused and plan.interval == 1.0
                     and event.fn is not None and event.fn() == schedule._execute_and_reschedule
                     and schedule.function() == self._do_step)  # fmt: skip
        except AttributeError:
            return None
        return event if alone else None

    # ------------------------------------------------------------ 1. calendar
    def calendar_phase(self) -> None:
        r, cal, dated = self.round, self.calendar, self.dated
        date = cal.label(r)
        for name, host in self.hosts.items():
            table = self.tables[name]
            for election in dated.host_elections[name].get(r, ()):
                self.log.add(r, date, name, "election", name, details=election.kind)
            if r == table.opens_round and table.status == "waiting":
                table.status = "open"
                table.patron.start(r)
                table.counterpart.start(r)
            if r == table.expiry_round and table.status != "deal":
                host.lapsed = table.ever_lapsed = True
                host.payment = host.config.lapse_share * host.config.payment_usd_bn
                self.log.add(r, date, name, "expiry", name, host.config.payment_usd_bn)
                self.log.add(r, date, name, "lapse", name, host.payment)
            if host.lapsed:
                self.news[host.config.public].lapsed += 1
        for _ in dated.patron_elections.get(r, ()):
            self.log.add(r, date, self.patron.name, "election", details="presidential")
        for change in dated.administration_changes.get(r, ()):
            if self.rng.random() < change.probability:
                self.change_posture(change.posture)
        for bill in dated.floor_bills.get(r, ()):
            host = self.hosts[bill.host]
            passed = bool(self.rng.random() < bill.probability)
            if passed:  # no drawdown below the bill's floor: where fewer serve already, none at all
                host.troop_floor = max(host.troop_floor, min(bill.troop_floor, host.troops))
            self.log.add(r, date, self.patron.name, "legislation", bill.host, bill.troop_floor,
                         f"troop floor bill {'passed' if passed else 'failed'}")  # fmt: skip
        for shock in dated.security_shocks.get(r, ()):
            self.hosts[shock.host].troop_value += shock.troop_value_change_usd_bn
            self.log.add(r, date, shock.host, "security shock", shock.host, shock.troop_value_change_usd_bn)

    def change_posture(self, posture) -> None:
        self.patron.adopt(posture)
        r = self.round
        for name, table in self.tables.items():
            if table.status in ("deal", "withdrawn"):
                continue
            # the new administration opens at what it thinks fair, never below its reservation
            host = self.hosts[name]
            anchor = max(self.patron.aspiration[name], self.patron.reservation(host, table.threat is not None))
            strategy = (
                make(posture.strategy.name, posture.strategy.params) if posture.strategy else table.patron.strategy
            )
            table.patron.replace_strategy(strategy, anchor, r)
            if table.status == "waiting":
                table.patron.start(table.opens_round)
            self.log.add(r, self.calendar.label(r), self.patron.name, "posture change", name, anchor,
                         f"tau {posture.transactionalism:g}")  # fmt: skip

    def posture_outlook(self, round_: int, host: str) -> tuple[float, float] | None:
        """(months to the patron's next possible change of posture, this host's belief in it)."""
        upcoming = [c.date for c in self.config.calendar.administration_changes]
        upcoming += list(self.config.patron.elections)
        nxt = self.calendar.next_on_or_after(round_, upcoming)
        if nxt is None:
            return None
        months = max(self.calendar.months_until(round_, nxt), 0.0)
        return months, self.config.hosts[host].stalling.p_friendlier

    # ------------------------------------------------------------ 2. opinion
    def opinion_phase(self) -> None:
        if not self.config.modules.publics:
            return
        self._pairs = {}
        for public in self.alone:  # the publics not asked about payments
            public.absorb(self.news[public.country])
        for crowd in self.crowds:  # every public asked about payments, a crowd per size at once
            crowd.absorb(self.news)
            crowd.discuss(*self.pairs(crowd.size))
        for news in self.news.values():  # a new round's news
            news.clear()

    # ------------------------------------------------------------ 3. rival
    def rival_phase(self) -> None:
        if not self.config.modules.rival:
            return
        r = self.round
        for name, host in self.hosts.items():
            walkouts = self.log.count_in(r - 1, "walkout", name)
            drawdowns = self.log.count_in(r - 1, "drawdown", name)
            before = host.inducement
            level = self.rival.court(host, walkouts, drawdowns, self.tables[name].threat is not None)
            if level - before > 0.05:
                self.log.add(r, self.calendar.label(r), self.rival.name, "inducement", name, level)

    # ------------------------------------------------------------ 4. talks
    def talks_phase(self) -> None:
        r, date = self.round, self.calendar.label(self.round)
        self._deals_this_round = {}
        for name, table in self.tables.items():
            if table.status == "suspended" and r > table.suspended_until:
                table.status = "open"
                self.log.add(r, date, self.patron.name, "resume", name)
            if table.status != "open":
                continue
            price = talks.negotiate(self, table)
            if price is None:
                continue
            if not talks.ratifies(self, table, price):
                table.ratification_failures += 1
                self.log.add(r, date, name, "ratification failed", name, price)
                continue
            self.close_deal(table, price)

    def close_deal(self, table, price: float) -> None:
        r, date, host = self.round, self.calendar.label(self.round), self.hosts[table.host]
        table.status, table.deal_round, table.price = "deal", r, price
        table.deal_period = 2 * (r - 1) + int(table.on_counter)
        host.payment, host.lapsed = price, False
        self.log.add(r, date, host.name, "accept", table.host, price, "ratified")
        table.threat = None  # a deal settles a standing threat
        self._deals_this_round[table.host] = 100 * (price / host.config.payment_usd_bn - 1)

    # ------------------------------------------------------------ 5. strategy
    def strategy_phase(self) -> None:
        r, date, cfg = self.round, self.calendar.label(self.round), self.config
        for name, table in self.tables.items():
            host = self.hosts[name]
            if table.threat is not None and r >= table.threat.deadline_round:
                self.threat_deadline(table)
            count = self.log.count_in
            walkouts, threats = count(r, "walkout", name), count(r, "threat", name)
            drawdowns = count(r, "drawdown", name)
            credibility = table.threat.credibility if table.threat is not None else 0.0
            host.observe(walkouts, threats, credibility, drawdowns, count(r, "backing down", name))
            news = self.news[host.config.public]
            news.walkouts += walkouts
            news.threats += threats
            news.drawdowns += drawdowns
        for name, increase in self._deals_this_round.items():
            if cfg.modules.linkage:
                self.link(name, increase)
            if cfg.modules.rival and self.rival.moved_closer(self.hosts[name], increase, 0.0):
                self.coerce(name, f"deal at +{increase:.0f}%")
        if cfg.modules.hedging:
            for name, host in self.hosts.items():
                change = host.hedge(hedging_target(self.policy(name), self, host, host.hedge_target()))
                self.hedging_peak[name] = max(self.hedging_peak[name], host.hedging)
                if abs(change) > 0.02:
                    self.log.add(r, date, name, "hedge", name, host.hedging, f"{change:+.2f}")
                    if change > 0 and self.patron.public is not None:
                        self.news[self.patron.public.country].hedges += 1
                if cfg.modules.rival and self.rival.moved_closer(host, None, change):
                    self.coerce(name, f"hedging cut by {-change:.2f}")

    def may_threaten(self, table) -> bool:
        """Whether a threat is open to the patron: none stands, and the law leaves troops to withdraw."""
        t, host = self.config.patron.threat, self.hosts[table.host]
        if not self.config.modules.threats or table.threat is not None or host.troops <= host.troop_floor:
            return False
        return t.before_expiry or self.round >= table.expiry_round

    def threaten(self, table) -> None:
        r = self.round
        deadline = r + self.config.patron.threat.deadline_rounds
        table.threat = Threat(deadline, table.demand, self.hosts[table.host].credibility(self.patron))
        table.threats += 1
        # the host must comply by the threat's date: its tactic concedes toward it; the patron's
        # does not (it would promise to give in by its own ultimatum): it decides at the date
        table.counterpart.add_deadline(deadline, r)
        self.log.add(r, self.calendar.label(r), self.patron.name, "threat", table.host, table.demand,
                     f"drawdown by {self.calendar.label(deadline)}")  # fmt: skip

    def threat_deadline(self, table) -> None:
        """Accept the offer on the table, draw down one step, or back down: by the patron's values."""
        r, date, host, patron = self.round, self.calendar.label(self.round), self.hosts[table.host], self.patron
        counter = table.counter if table.counters and table.status != "deal" else None
        values = patron.deadline_options(table, host, table.demand, counter)
        move = decide(self.policy(patron.name), self, patron.name, DEADLINE, table.host, values)
        table.threat = None
        if move == "accept" and counter is not None:  # accepting is open only with a counter on the table
            table.on_counter = True
            if talks.ratifies(self, table, counter):
                self.close_deal(table, counter)
            else:
                table.ratification_failures += 1
                self.log.add(r, date, table.host, "ratification failed", table.host, counter)
        elif move == "drawdown":
            after = max(host.troop_floor, host.troops - host.config.drawdown_step)
            patron.one_offs[table.host] += patron.drawdown_cost()
            self.log.add(r, date, patron.name, "drawdown", table.host, host.troops - after,
                         f"{host.troops} -> {after} troops")  # fmt: skip
            host.troops = after
            table.drawdowns += 1
            if after == 0:  # nothing left to pay for: the table closes without a deal
                table.status = "withdrawn"
        else:
            patron.one_offs[table.host] += patron.config.audience_cost_usd_bn
            self.log.add(r, date, patron.name, "backing down", table.host, table.demand, "deadline passed")

    def link(self, name: str, increase_pct: float) -> None:
        """Linkage: the deal at one table is a precedent that moves the patron's aspiration at
        every table still open or waiting; a table whose talks have not opened will open at a
        demand in the same proportion to the aspiration as before."""
        for other, table in self.tables.items():
            if other == name or table.status in ("deal", "withdrawn"):
                continue
            factor = self.patron.learn_precedent(other, increase_pct)
            if abs(factor - 1.0) < 1e-9:
                continue
            if table.status == "waiting":
                table.patron.anchor *= factor
            self.log.add(self.round, self.calendar.label(self.round), self.patron.name, "linkage", other,
                         factor, f"after {name} at {increase_pct:+.0f}%")  # fmt: skip

    def coerce(self, name: str, why: str) -> None:
        host = self.hosts[name]
        self.rival.coerce(host)
        self.news[host.config.public].coercions += 1
        self.log.add(self.round, self.calendar.label(self.round), self.rival.name, "coercion", name,
                     host.coercion, why)  # fmt: skip

    # ------------------------------------------------------------ 6. record
    def record_phase(self) -> None:
        r = self.round
        values: list = [r, self.calendar.label(r)]
        patron_utility = 0.0
        for name, table in self.tables.items():
            host = self.hosts[name]
            public = host.public
            demand = table.on_the_table
            showing = table.open or table.deal_round == r
            flow = self.patron.table_utility(host)
            patron_utility += flow
            values += (
                table.status,
                table.demand if showing else math.nan,
                table.counter if table.counters and showing else math.nan,
                host.payment,
                table.reservation_patron,
                table.reservation_host,
                host.troops,
                host.hedging,
                host.reliability,
                host.fear,
                host.inducement,
                host.coercion,
                host.pressure(r),
                table.threat is not None,
                host.lapsed,
                *(public.figures(demand) if public else NO_FIGURES),
                public.mean_anti_us if public else math.nan,
                public.mean_support if public else math.nan,
                host.utility(r),
                flow,
                host.troop_floor,
            )
        values += (patron_utility, self.patron.transactionalism, self.patron.troop_support(), self.rival.utility())
        self.record.add(tuple(values))

    @property
    def rows(self) -> list[dict]:
        """The recorded rounds as dicts (column name to value); `record` holds them as tuples."""
        return self.record.rows()
