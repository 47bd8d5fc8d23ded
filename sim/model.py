"""AllianceModel: alliance cost-sharing talks as an agent-based negotiation (Mesa 3.5).

The 2019 Special Measures Agreement talks between the United States and South Korea (and
the host-nation support talks with Japan) as repeated alternating-offer bargaining between a
patron and its hosts, each constrained by its public (Putnam 1988), with a rival courting the
hosts (Snyder 1984) and threats backed by audience costs (Fearon 1994). Design:
`shared/design/MODEL.md`; the model in the ODD protocol: `docs/ODD.md`.

A run is a pure function of (scenario, seed): nothing is read or printed here.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from sim import talks
from sim.agents import Host, News, Patron, Public, Rival
from sim.calendar import Calendar
from sim.events import EventLog
from sim.schema import Scenario
from sim.strategies import make
from sim.talks import Threat


class AllianceModel(mesa.Model):
    """One run of a scenario. `step()` plays one month in six phases."""

    def __init__(self, config: Scenario, rng: int | np.random.Generator | None = None):
        super().__init__(rng=rng)
        self.config = config
        self.round = 0
        self.calendar = Calendar(config.start, config.rounds)
        self.log = EventLog()
        # with the publics switched off there are no citizens at all: nothing they would draw
        self.publics = {
            name: Public(self, name, pub, config.citizens)
            for name, pub in config.publics.items()
            if config.modules.publics
        }
        self.hosts = {
            name: Host(self, name, host, self.publics.get(host.public)) for name, host in config.hosts.items()
        }
        patron_public = self.publics.get(config.patron.public) if config.patron.public else None
        self.patron = Patron(self, config.patron, self.hosts, patron_public)
        self.rival = Rival(self, config.rival, self.hosts)
        spread = config.patron.belief_spread_usd_bn
        self.belief_errors = {h: tuple(spread * self.rng.standard_normal(2)) for h in self.hosts}
        self.tables = {name: talks.new_table(self, name) for name in config.hosts}
        self.news = {name: News() for name in config.publics}
        self.rows: list[dict] = []
        self.hedging_peak = {h: host.hedging for h, host in self.hosts.items()}
        self._deals_this_round: dict[str, float] = {}
        self._pairs: dict[int, tuple[np.ndarray, np.ndarray]] = {}

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
        self.calendar_phase()
        self.opinion_phase()
        self.rival_phase()
        self.talks_phase()
        self.strategy_phase()
        self.record_phase()
        if self.round >= self.config.rounds:
            self.running = False

    def run(self) -> AllianceModel:
        while self.running:
            self.step()
        return self

    # ------------------------------------------------------------ 1. calendar
    def calendar_phase(self) -> None:
        r, cfg, cal = self.round, self.config, self.calendar
        date = cal.label(r)
        for name, host in self.hosts.items():
            table = self.tables[name]
            for election in host.config.elections:
                if cal.round_of(election.date) == r:
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
        for day in cfg.patron.elections:
            if cal.round_of(day) == r:
                self.log.add(r, date, self.patron.name, "election", details="presidential")
        for change in cfg.calendar.administration_changes:
            if cal.round_of(change.date) == r and self.rng.random() < change.probability:
                self.change_posture(change.posture)
        for shock in cfg.calendar.security_shocks:
            if cal.round_of(shock.date) == r:
                self.hosts[shock.host].troop_value += shock.troop_value_change_usd_bn
                self.log.add(r, date, shock.host, "security shock", shock.host, shock.troop_value_change_usd_bn)

    def change_posture(self, posture) -> None:
        self.patron.adopt(posture)
        r = self.round
        for name, table in self.tables.items():
            if table.status == "deal":
                continue
            base = self.config.hosts[name].demand_usd_bn if posture.reset_linkage else table.demand
            anchor = base * posture.demand_factor
            strategy = (
                make(posture.strategy.name, posture.strategy.params) if posture.strategy else table.patron.strategy
            )
            table.patron.replace_strategy(strategy, anchor, r)
            if table.status == "waiting":
                table.patron.start(table.opens_round)
            self.log.add(r, self.calendar.label(r), self.patron.name, "posture change", name, anchor,
                         f"tau {posture.transactionalism:g}, toughness {posture.toughness:g}")  # fmt: skip

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
        for name, public in self.publics.items():
            public.absorb(self.news[name])
            public.step()
        self.news = {name: News() for name in self.publics}

    # ------------------------------------------------------------ 3. rival
    def rival_phase(self) -> None:
        if not self.config.modules.rival:
            return
        r = self.round
        previous = self.log.in_round(r - 1)
        for name, host in self.hosts.items():
            walkouts = sum(1 for e in previous if e[3] == "walkout" and e[4] == name)
            drawdowns = sum(1 for e in previous if e[3] == "drawdown" and e[4] == name)
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
                if table.status == "suspended":
                    self.track_gap(table)
                continue
            price = talks.negotiate(self, table)
            if price is None:
                self.track_gap(table)
                continue
            if not talks.ratifies(self, table, price):
                table.ratification_failures += 1
                self.log.add(r, date, name, "ratification failed", name, price)
                continue
            self.close_deal(table, price)

    def track_gap(self, table) -> None:
        large = table.last_gap > self.config.patron.walkout.min_gap
        table.gap_rounds = table.gap_rounds + 1 if large else 0

    def close_deal(self, table, price: float) -> None:
        r, date, host = self.round, self.calendar.label(self.round), self.hosts[table.host]
        table.status, table.deal_round, table.price = "deal", r, price
        host.payment, host.lapsed = price, False
        self.log.add(r, date, host.name, "accept", table.host, price, "ratified")
        if table.threat is not None:
            if price < table.threat.demand - 1e-9:
                self.patron.back_down()
                self.log.add(r, date, self.patron.name, "backing down", table.host, price, "signed below the threat")
            table.threat = None
        self._deals_this_round[table.host] = 100 * (price / host.config.payment_usd_bn - 1)

    # ------------------------------------------------------------ 5. strategy
    def strategy_phase(self) -> None:
        r, date, cfg = self.round, self.calendar.label(self.round), self.config
        this_round = self.log.in_round(r)  # read once: the walkouts of the talks phase
        for name, table in self.tables.items():
            host = self.hosts[name]
            threats = drawdowns = 0
            walkouts = sum(1 for e in this_round if e[3] == "walkout" and e[4] == name)
            if table.threat is not None and r >= table.threat.deadline_round:
                drawdowns = self.threat_deadline(table)
            elif table.open and table.threat is None and self.may_threaten(table):
                if self.patron.threatens():
                    deadline = r + cfg.patron.threat.deadline_rounds
                    table.threat = Threat(deadline, table.demand)
                    table.threats += 1
                    threats = 1
                    self.log.add(r, date, self.patron.name, "threat", name, table.demand,
                                 f"drawdown by {self.calendar.label(deadline)}")  # fmt: skip
            credible = not threats or self.patron.prefers_drawdown(host)
            host.react(walkouts, threats, drawdowns, credible)
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
                change = host.hedge()
                self.hedging_peak[name] = max(self.hedging_peak[name], host.hedging)
                if abs(change) > 0.02:
                    self.log.add(r, date, name, "hedge", name, host.hedging, f"{change:+.2f}")
                    if change > 0 and self.patron.public is not None:
                        self.news[cfg.patron.public].hedges += 1
                if cfg.modules.rival and self.rival.moved_closer(host, None, change):
                    self.coerce(name, f"hedging cut by {-change:.2f}")

    def may_threaten(self, table) -> bool:
        t, host = self.config.patron.threat, self.hosts[table.host]
        if not self.config.modules.threats or host.troops <= host.config.troop_floor:
            return False
        if not t.before_expiry and self.round < table.expiry_round:
            return False
        return table.gap_rounds >= t.after_rounds

    def threat_deadline(self, table) -> int:
        """Draw down one step or back down; returns the number of drawdowns (0 or 1)."""
        r, date, host = self.round, self.calendar.label(self.round), self.hosts[table.host]
        table.threat = None
        table.gap_rounds = 0
        if self.patron.prefers_drawdown(host):
            after = max(host.config.troop_floor, host.troops - host.config.drawdown_step)
            self.patron.domestic_costs_paid += self.patron.drawdown_cost()
            self.log.add(r, date, self.patron.name, "drawdown", table.host, host.troops - after,
                         f"{host.troops} -> {after} troops")  # fmt: skip
            host.troops = after
            table.drawdowns += 1
            return 1
        self.patron.back_down()
        self.log.add(r, date, self.patron.name, "backing down", table.host, table.demand, "deadline passed")
        return 0

    def link(self, name: str, increase_pct: float) -> None:
        """A deal at one table re-prices every table still open or waiting."""
        lk = self.config.patron.linkage
        factor = 1 + lk.strength * max(0.0, increase_pct - lk.reference_increase_pct) / 100
        if factor <= 1.0:
            return
        for other, table in self.tables.items():
            if other == name or table.status == "deal":
                continue
            self.patron.link(other, factor)
            table.patron.anchor *= factor
            if table.patron.offers:
                table.patron.offers[-1] *= factor
            self.log.add(self.round, self.calendar.label(self.round), self.patron.name, "linkage", other,
                         factor, f"after {name} at +{increase_pct:.0f}%")  # fmt: skip

    def coerce(self, name: str, why: str) -> None:
        host = self.hosts[name]
        self.rival.coerce(host)
        self.news[host.config.public].coercions += 1
        self.log.add(self.round, self.calendar.label(self.round), self.rival.name, "coercion", name,
                     host.coercion, why)  # fmt: skip

    # ------------------------------------------------------------ 6. record
    def record_phase(self) -> None:
        r = self.round
        row: dict = {"round": r, "date": self.calendar.label(r)}
        for name, table in self.tables.items():
            host = self.hosts[name]
            public = host.public
            demand = table.price if table.status == "deal" else table.demand
            p = f"{name}."
            row[p + "status"] = table.status
            row[p + "demand_usd_bn"] = table.demand if table.open or table.deal_round == r else math.nan
            row[p + "counter_usd_bn"] = (
                table.counter if table.counters and (table.open or table.deal_round == r) else math.nan
            )
            row[p + "payment_usd_bn"] = host.payment
            row[p + "reservation_patron_usd_bn"] = table.reservation_patron
            row[p + "reservation_host_usd_bn"] = table.reservation_host
            row[p + "troops"] = host.troops
            row[p + "hedging"] = host.hedging
            row[p + "reliability"] = host.reliability
            row[p + "fear"] = host.fear
            row[p + "inducement_usd_bn"] = host.inducement
            row[p + "coercion_usd_bn"] = host.coercion
            row[p + "electoral_pressure"] = host.pressure(r)
            row[p + "threat"] = table.threat is not None
            row[p + "lapsed"] = host.lapsed
            row[p + "opposition"] = public.opposition(demand) if public else math.nan
            row[p + "shortfall_usd_bn"] = public.shortfall(demand) if public else math.nan
            row[p + "opposition_gap"] = public.opposition_gap(demand) if public else math.nan
            row[p + "median_tolerance_usd_bn"] = public.median_tolerance if public else math.nan
            row[p + "anti_us"] = public.mean_anti_us if public else math.nan
            row[p + "support"] = public.mean_support if public else math.nan
            row[p + "utility"] = host.utility(r)
        row["patron.utility"] = self.patron.utility()
        row["patron.transactionalism"] = self.patron.transactionalism
        row["patron.troop_support"] = self.patron.troop_support()
        row["rival.utility"] = self.rival.utility()
        self.rows.append(row)
