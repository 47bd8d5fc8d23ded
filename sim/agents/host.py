"""A host government (South Korea, Japan, ...): one class, one parameter set per country.

It counters and accepts within its win-set, which shrinks with its public's shortfall and
the electoral pressure of the calendar (Putnam 1988) and grows with its fear of abandonment
(Snyder 1984); it may stall to wait for an election, and it hedges toward the rival.
"""

from __future__ import annotations

import mesa

from sim import utility
from sim.agents.public import Public
from sim.schema import Host as HostConfig


class Host(mesa.Agent):
    def __init__(self, model: mesa.Model, name: str, config: HostConfig, public: Public | None):
        super().__init__(model)
        self.name, self.config, self.public = name, config, public
        rng = model.rng
        self.alliance_value = max(
            0.0, config.alliance_value_usd_bn * (1 + config.alliance_value_spread * rng.standard_normal())
        )
        self.fear0 = float(min(max(config.fear + config.fear_spread * rng.standard_normal(), 0.0), 1.0))
        self.fear = self.fear0
        self.reliability = config.reliability
        self.hedging = config.hedging.initial if model.config.modules.hedging else 0.0
        self.inducement = 0.0
        self.coercion = 0.0
        self.troop_value = config.troop_value_usd_bn
        self.troops0 = config.troops
        self.troops = config.troops
        self.payment = config.payment_usd_bn
        self.lapsed = False
        self.election_dates = sorted(e.date for e in config.elections)
        self._pressure: dict[int, float] = {}

    # ------------------------------------------------------------ the calendar
    def months_to_election(self, round_: int) -> float | None:
        nxt = self.model.calendar.next_on_or_after(round_, self.election_dates)
        return None if nxt is None else max(self.model.calendar.months_until(round_, nxt), 0.0)

    def pressure(self, round_: int) -> float:
        """epsilon(t): the weight of the public's shortfall in the government's utility."""
        if not self.model.config.modules.publics or self.public is None:
            return 0.0
        if round_ not in self._pressure:
            ep = self.config.electoral_pressure
            months = self.months_to_election(round_)
            self._pressure[round_] = utility.electoral_pressure(months, ep.base, ep.peak, ep.decay_months)
        return self._pressure[round_]

    def shortfall(self, payment: float) -> float:
        return self.public.shortfall(payment) if self.public is not None else 0.0

    # ------------------------------------------------------------ the win-set
    def abandonment_stake(self) -> float:
        """What abandonment would cost it per year: alliance value and troops lost."""
        c = self.config
        withdrawable = (self.troops - c.troop_floor) / self.troops0 if self.troops0 else 0.0
        return self.reliability * (
            self.alliance_value * c.reliability_loss_if_abandoned + self.troop_value * withdrawable
        )

    def willingness(self, round_: int) -> float:
        """W: the expected yearly cost of a lapse (P + eps shortfall(P) = W at the reservation)."""
        c = self.config
        lapse_payment = c.lapse_share * c.payment_usd_bn
        return (
            lapse_payment
            + c.lapse_cost_usd_bn
            + self.fear * self.abandonment_stake()
            + self.pressure(round_) * self.shortfall(lapse_payment)
        )

    def reservation(self, round_: int) -> float:
        """r_H: the largest payment whose deal beats the expected lapse."""
        if self.public is None:
            return self.willingness(round_)
        return utility.host_reservation(
            self.willingness(round_), self.pressure(round_),
            self.public.tolerance_sorted, self.public.tolerance_below,
        )  # fmt: skip

    def wants_to_stall(self, round_: int, demand: float, posture_change: tuple[float, float] | None) -> bool:
        """Wait while p (d_now - E[d_after]) or the electoral relief beats the cost of waiting.

        `posture_change` is (months to the patron's next change of posture, its probability as
        the host believes it) or None.
        """
        c = self.config
        monthly_cost = c.lapse_cost_usd_bn / 12 + self.fear * self.abandonment_stake() / 12
        if posture_change is not None:
            months, p = posture_change
            gain = p * max(0.0, demand - c.stalling.expected_demand_after_usd_bn)
            if gain > months * monthly_cost:
                return True
        months = self.months_to_election(round_)
        if months is not None and self.model.config.modules.publics:
            relief = (self.pressure(round_) - c.electoral_pressure.base) * self.shortfall(demand)
            if relief > months * monthly_cost:
                return True
        return False

    # ------------------------------------------------------------ beliefs and hedging
    def react(self, walkouts: int, threats: int, drawdowns: int, credible: bool = True) -> None:
        """Reliability and fear move with the patron's moves, then drift back. A threat the
        patron would not carry out (drawing down would not beat backing down, audience cost
        included) frightens less (Fearon 1994)."""
        r = self.config.reactions
        self.reliability += r.reliability_recovery * (self.config.reliability - self.reliability)
        self.fear += r.fear_decay * (self.fear0 - self.fear)
        loss = r.walkout_reliability_loss * walkouts + r.threat_reliability_loss * threats
        loss += r.drawdown_reliability_loss * drawdowns
        self.reliability = max(0.0, self.reliability - loss)
        threat_jump = r.threat_fear_jump * (1.0 if credible else r.empty_threat_weight)
        for jump, n in ((threat_jump, threats), (r.drawdown_fear_jump, drawdowns)):
            for _ in range(n):
                self.fear += jump * (1.0 - self.fear)

    def hedge_target(self) -> float:
        h = self.config.hedging
        anti_us = self.public.mean_anti_us if self.public is not None else 0.0
        support = self.public.mean_support if self.public is not None else 0.0
        return utility.hedging_target(
            self.inducement, self.reliability, anti_us, self.coercion, support,
            h.inducement_weight, h.reliability_weight, h.anti_us_weight, h.coercion_weight,
            h.support_weight, h.cost,
        )  # fmt: skip

    def hedge(self) -> float:
        """Move H toward H* by the share gamma; returns the change."""
        before = self.hedging
        self.hedging += self.config.hedging.speed * (self.hedge_target() - self.hedging)
        return self.hedging - before

    def utility(self, round_: int) -> float:
        c = self.config
        payment = self.payment
        return float(
            utility.host_utility(
                payment, self.reliability, self.troops / self.troops0 if self.troops0 else 0.0,
                self.hedging, self.inducement, self.alliance_value, self.troop_value,
                c.hedging.inducement_weight, c.hedging.cost, self.pressure(round_),
                self.shortfall(payment), c.lapse_cost_usd_bn, self.lapsed,
            )
        )  # fmt: skip
