"""One bilateral table: its protocol state, the alternating offers of a round, the patron's
move after a counter, ratification and the deal.

The protocol of a round (MODEL.md, phase 4): two offers, two periods. The patron demands
(period 2k-2 of round k); the host accepts it by its strategy's rule, or counters (period
2k-1: a counter costs its maker one period), or, stalling, repeats its last counter; the
patron accepts the counter by its strategy's rule (AC_next), else it chooses by its policy
to continue, walk out or threaten. A deal needs the host legislature's ratification.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from sim import theory, utility
from sim.policies import PRESS, STALL, decide
from sim.strategies import HOST, PATRON, Information, Situation, Strategy, make


class Negotiator:
    """A strategy with its clock: restarts at each deadline, holds after the last."""

    def __init__(self, strategy: Strategy, side: int, opening: float, deadlines: list[int], min_rounds: int = 1):
        self.strategy, self.side, self.anchor = strategy, side, opening
        self.deadlines = sorted(deadlines)
        self.min_rounds = min_rounds
        self.offers: list[float] = []
        self.clock = 0
        self.restart_round = 0
        self.deadline_round: int | None = None

    def start(self, round_: int) -> None:
        self.restart_round = round_
        self.clock = 0
        # a deadline too close to plan for is merged with the next one
        self.deadline_round = next((d for d in self.deadlines if d >= round_ + self.min_rounds), None)

    def tick(self, round_: int) -> None:
        """After a deadline (whose round made the offer planned for it), restart from the
        current offer toward the next deadline."""
        if self.deadline_round is not None and round_ > self.deadline_round:
            if self.offers:
                self.anchor = self.offers[-1]
            self.start(round_)

    def situation(self, reservation: float, opponent: list[float], information: Information) -> Situation:
        deadline = None if self.deadline_round is None else max(1, self.deadline_round - self.restart_round)
        return Situation(
            self.side, self.anchor, reservation, self.clock, deadline,
            tuple(self.offers), tuple(opponent), information,
        )  # fmt: skip

    def add_deadline(self, round_: int, now: int) -> None:
        """A new dated event that matters to this side (a threat's deadline): if it comes before
        the current deadline, restart from the current offer toward it."""
        if round_ in self.deadlines:
            return
        self.deadlines = sorted([*self.deadlines, round_])
        if self.deadline_round is None or round_ < self.deadline_round:
            if self.offers:
                self.anchor = self.offers[-1]
            self.start(now)
            self.clock = 1  # this round's offer, the new anchor, is already made

    def replace_strategy(self, strategy: Strategy, anchor: float, round_: int) -> None:
        """A new posture's tactic (a seat that keeps its player keeps its strategy)."""
        if not strategy.classifier.get("seated", False) and not self.strategy.classifier.get("seated", False):
            self.strategy = strategy
        self.anchor = anchor
        self.start(round_)


@dataclass
class Threat:
    deadline_round: int
    demand: float
    credibility: float  # the host's probability, when it was made, that it would be carried out


@dataclass
class Table:
    """The talks between the patron and one host."""

    host: str
    opens_round: int
    expiry_round: int  # first round of the lapse
    patron: Negotiator
    counterpart: Negotiator
    status: str = "waiting"  # waiting, open, suspended, deal, withdrawn (no troops left)
    suspended_until: int = 0
    walkouts: int = 0
    stalled_rounds: int = 0
    ratification_failures: int = 0
    threat: Threat | None = None
    threats: int = 0
    drawdowns: int = 0
    deal_round: int | None = None
    deal_period: int | None = None  # 2 (round - 1), or one more for a deal on the host's counter
    on_counter: bool = False  # the price being closed is the host's counter
    price: float | None = None
    demands: list[float] = field(default_factory=list)
    counters: list[float] = field(default_factory=list)
    reservation_patron: float = math.nan
    reservation_host: float = math.nan
    ever_lapsed: bool = False

    @property
    def open(self) -> bool:
        return self.status in ("open", "suspended")

    @property
    def demand(self) -> float:
        return self.demands[-1] if self.demands else self.patron.anchor

    @property
    def counter(self) -> float:
        return self.counters[-1] if self.counters else self.counterpart.anchor

    @property
    def on_the_table(self) -> float:
        """The payment the public is asked about: the price once agreed, else the demand."""
        return self.price if self.status == "deal" and self.price is not None else self.demand


def new_table(model, name: str) -> Table:
    """Build a table from the scenario: openings, strategies and each side's deadlines."""
    cfg = model.config
    host = cfg.hosts[name]
    cal = model.calendar
    # deadlines are calendar events only (its elections, the host's expiry), never the horizon
    expiry = cal.round_of(host.agreement_expires) + 1
    patron_deadlines = [cal.round_of(d) for d in cfg.patron.elections] + [expiry]
    host_deadlines = [cal.round_of(e.date) for e in host.elections] + [cal.round_of(host.agreement_expires) + 1]
    opening_counter = host.payment_usd_bn * (1 + host.opening_increase_pct / 100)
    return Table(
        host=name,
        opens_round=max(1, cal.round_of(host.talks_open)),
        expiry_round=cal.round_of(host.agreement_expires) + 1,
        patron=Negotiator(make(cfg.patron.strategy.name, cfg.patron.strategy.params), PATRON,
                          host.demand_usd_bn, patron_deadlines, cfg.min_deadline_rounds),
        counterpart=Negotiator(make(host.strategy.name, host.strategy.params), HOST, opening_counter,
                               host_deadlines, cfg.min_deadline_rounds),
    )  # fmt: skip


def nash_price(model, table: Table, r_p: float, r_h: float) -> float | None:
    """The Nash bargaining payment over both sides' lapse utilities (zone [r_P, r_H])."""
    patron, host = model.patron, model.hosts[table.host]
    tau, lam = patron.transactionalism, patron.config.loss_aversion
    aspiration = patron.aspiration[table.host]

    def f(p):
        return tau * p - lam * tau * utility.np.maximum(0.0, aspiration - p)

    def patron_gain(p):
        return f(p) - f(r_p)

    def host_gain(p):
        shortfall = utility.np.array([host.shortfall(x) for x in utility.np.atleast_1d(p)])
        return host.willingness(model.round) - (p + host.pressure(model.round) * shortfall)

    return theory.nash_price(patron_gain, host_gain, r_p, r_h, points=401)


def information(model, table: Table, r_p: float, r_h: float) -> tuple[Information, Information]:
    """What each side knows of the other: exact under complete information, else its estimate."""
    cfg = model.config
    host_cfg = cfg.hosts[table.host]
    complete = cfg.information == "complete"
    err_p, err_h = (0.0, 0.0) if complete else model.belief_errors[table.host]
    needs_nash = "nash" in (table.patron.strategy.name, table.counterpart.strategy.name)
    nash = nash_price(model, table, r_p, r_h) if needs_nash else None
    d_p, d_h = cfg.patron.discount, host_cfg.discount  # per offer: the protocol's period
    return (
        Information(complete, r_h + err_p, d_p, d_h, nash),
        Information(complete, r_p + err_h, d_h, d_p, nash),
    )


def negotiate(model, table: Table) -> float | None:
    """Play one round at an open table; returns the accepted price, if any (before ratification)."""
    r = model.round
    patron, host = model.patron, model.hosts[table.host]
    log = model.log
    date = model.calendar.label(r)
    r_p = patron.reservation(host, table.threat is not None)
    r_h = host.reservation(r)
    table.reservation_patron, table.reservation_host = r_p, r_h
    table.patron.tick(r)
    table.counterpart.tick(r)
    info_p, info_h = information(model, table, r_p, r_h)
    ceiling = ratifiable_ceiling(model, table)

    s_p = table.patron.situation(r_p, table.counters, info_p)
    # capped by what the patron expects to be ratified, but never below what the host offered
    offered = table.counters[-1] if table.counters else r_p
    demand = max(r_p, offered, min(table.patron.strategy.next_offer(s_p), ceiling))
    table.patron.offers.append(demand)
    table.demands.append(demand)
    log.add(r, date, patron.name, "offer", table.host, demand)

    s_h = table.counterpart.situation(r_h, table.demands, info_h)
    stalling = bool(model.config.modules.stalling and table.counters and host_stalls(model, table, demand))
    if stalling:
        counter = table.counters[-1]
        accepted = demand <= counter + 1e-9
    else:
        accepted = table.counterpart.strategy.accepts(demand, s_h)
        counter = table.counterpart.strategy.next_offer(s_h)
    table.patron.clock += 1
    table.counterpart.clock += 1
    if accepted:
        table.on_counter = False
        return demand

    table.counterpart.offers.append(counter)
    table.counters.append(counter)
    if stalling:
        table.stalled_rounds += 1
        log.add(r, date, host.name, "stall", table.host, counter)
    log.add(r, date, host.name, "counter", table.host, counter)

    s_next = table.patron.situation(r_p, table.counters, info_p)
    planned = table.patron.strategy.next_offer(s_next)
    next_demand = max(r_p, min(planned, ceiling))
    capped = ceiling < planned
    if table.threat is not None and r >= table.threat.deadline_round:
        return None  # at a threat's deadline the patron chooses: accept, draw down or back down
    if table.patron.strategy.accepts(counter, s_next) or (capped and counter >= next_demand - 1e-9):
        table.on_counter = True
        return counter
    press(model, table, next_demand, r_p)
    return None


def host_stalls(model, table: Table, demand: float) -> bool:
    """The host's choice between countering and waiting, by the value of waiting."""
    host, r = model.hosts[table.host], model.round
    threat = None if table.threat is None else (table.threat.deadline_round - r, table.threat.credibility)
    value = host.stall_value(r, demand, table.expiry_round - r, model.posture_outlook(r, table.host), threat)
    if value is None:
        return False
    options = {"counter": 0.0, "stall": value}
    return decide(model.policy(host.name), model, host.name, STALL, table.host, options) == "stall"


def press(model, table: Table, next_demand: float, r_p: float) -> None:
    """The patron's move after a counter it does not accept: continue, walk out or threaten."""
    patron, cfg = model.patron, model.config
    may_walk, may_threaten = cfg.modules.walkouts, model.may_threaten(table)
    if not (may_walk or may_threaten):
        return
    values = patron.table_options(table, next_demand, r_p, may_walk, may_threaten)
    move = decide(model.policy(patron.name), model, patron.name, PRESS, table.host, values)
    r, date = model.round, model.calendar.label(model.round)
    if move == "walkout":
        table.walkouts += 1
        table.status = "suspended"
        table.suspended_until = r + cfg.patron.walkout.suspend_rounds
        gap = (table.demand - table.counter) / table.demand if table.demand > 0 else 0.0
        model.log.add(r, date, patron.name, "walkout", table.host, gap, f"gap {gap:.0%}")
    elif move == "threaten":
        model.threaten(table)


def ratifiable_ceiling(model, table: Table) -> float:
    """The largest demand the patron expects the host's legislature to ratify (from the polls)."""
    cfg = model.config
    host = model.hosts[table.host]
    if not (cfg.modules.ratification and cfg.modules.publics) or host.public is None:
        return math.inf
    risk = ratification_risk_scale(model, host)
    if risk <= 0:
        return math.inf
    return host.public.ceiling(cfg.patron.ratification_risk_accepted / risk)


def ratification_risk_scale(model, host) -> float:
    """Failure probability per unit of opposition: max_failure * exp(-months to election / lambda_e)."""
    months = host.months_to_election(model.round)
    if months is None:
        return 0.0
    decay = host.config.electoral_pressure.decay_months
    return host.config.ratification_max_failure * math.exp(-months / decay)


def ratifies(model, table: Table, price: float) -> bool:
    """The host legislature's vote: fails with probability rising in opposition near an election."""
    cfg = model.config
    host = model.hosts[table.host]
    if not (cfg.modules.ratification and cfg.modules.publics) or host.public is None:
        return True
    p_fail = ratification_risk_scale(model, host) * host.public.opposition(price)
    return bool(model.rng.random() >= p_fail)
