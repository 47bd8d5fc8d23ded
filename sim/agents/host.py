"""A host government (South Korea, Japan, ...): one class, one parameter set per country.

It counters and accepts within its win-set, which shrinks with its public's shortfall and
the electoral pressure of the calendar (Putnam 1988) and grows with its fear of abandonment
(Snyder 1984). Its fear is a belief, that the patron is resolved to draw down, updated by
Bayes' rule from the patron's moves; a threat's credibility is what it infers from the
patron's own utility (Fearon 1994). It may stall to wait for an election or a new posture, and
it hedges toward the rival at the level that maximizes its utility's hedging terms.
"""

from __future__ import annotations

import mesa

from sim import decisions, utility
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
        self.fear0 = float(min(max(config.fear + config.fear_spread * rng.standard_normal(), 0.001), 0.999))
        self.fear = self.fear0
        self.reliability = config.reliability
        self.hedging = config.hedging.initial if model.config.modules.hedging else 0.0
        self.inducement = 0.0
        self.coercion = 0.0
        self.troop_value = config.troop_value_usd_bn
        self.troops0 = config.troops
        self.troops = config.troops
        self.troop_floor = config.troop_floor  # the law in force; a bill may change it
        self.payment = config.payment_usd_bn
        self.lapsed = False
        self.election_dates = tuple(sorted(e.date for e in config.elections))
        self.monthly_discount = config.discount**2  # two offers a round
        self._pressure: dict[int, float] = {}

    # ------------------------------------------------------------ the calendar
    def months_to_election(self, round_: int) -> float | None:
        # the calendar's answers are cached across runs (sim/calendar.py)
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
    def abandonment_stake(self, troops: int | None = None, reliability: float | None = None) -> float:
        """What abandonment would cost it per year: alliance value and the troops the law lets go."""
        c = self.config
        troops = self.troops if troops is None else troops
        reliability = self.reliability if reliability is None else reliability
        withdrawable = max(troops - self.troop_floor, 0) / self.troops0 if self.troops0 else 0.0
        return reliability * (self.alliance_value * c.reliability_loss_if_abandoned + self.troop_value * withdrawable)

    def willingness(self, round_: int, fear: float | None = None, troops: int | None = None,
                    reliability: float | None = None) -> float:  # fmt: skip
        """W: the expected yearly cost of a lapse (P + eps shortfall(P) = W at the reservation)."""
        c = self.config
        fear = self.fear if fear is None else fear
        lapse_payment = c.lapse_share * c.payment_usd_bn
        return (
            lapse_payment
            + c.lapse_cost_usd_bn
            + fear * self.abandonment_stake(troops, reliability)
            + self.pressure(round_) * self.shortfall(lapse_payment)
        )

    def reservation(self, round_: int, fear: float | None = None, troops: int | None = None,
                    reliability: float | None = None, tolerance_scale: float = 1.0) -> float:  # fmt: skip
        """r_H: the largest payment whose deal beats the expected lapse; the arguments ask what
        it would be after an event (another belief, fewer troops, a public that tolerates less)."""
        willingness = self.willingness(round_, fear, troops, reliability)
        if self.public is None:
            return willingness
        return utility.host_reservation(
            willingness, self.pressure(round_), self.public.tolerance_sorted, self.public.tolerance_below,
            tolerance_scale,
        )  # fmt: skip

    # ------------------------------------------------------------ waiting
    def stall_value(self, round_: int, demand: float, months_to_expiry: float,
                    outlook: tuple[float, float] | None,
                    threat: tuple[float, float] | None = None) -> float | None:  # fmt: skip
        """The value of waiting (repeating its last counter) over conceding, in US$bn of present
        value; None when no event ahead could make waiting pay.

        Waiting for a new posture is worth p (P_now - E[d_after]) a year over the new term, from
        the change on, where P_now = min(demand, its reservation) is the most it would concede
        now; waiting for the election is worth the electoral cost of the months before it,
        (eps_now - eps0) shortfall(P_now) a year. Either costs the lapse's interim cost and the expected
        loss of abandonment for the months of waiting that fall after the expiry; and a
        standing threat (months to its deadline, its credibility) whose date comes first costs
        the expected loss of a drawdown step, the security value of those troops, from then on.
        """
        c, d = self.config, self.monthly_discount
        term = 12.0 * c.term_years
        demand = min(demand, self.reservation(round_))
        months_election = self.months_to_election(round_) if self.model.config.modules.publics else None
        options = []
        if outlook is not None:
            months, p = outlook
            saving = p * max(0.0, demand - c.stalling.expected_demand_after_usd_bn)
            options.append((months, decisions.present_value(saving, months, months + term, d)))
        if months_election is not None and self.public is not None:
            # a deal signed after the election escapes the pressure of the months before it
            relief = (self.pressure(round_) - c.electoral_pressure.base) * self.shortfall(demand)
            options.append((months_election, decisions.present_value(relief, 0.0, months_election, d)))
        options = [(months, gain) for months, gain in options if gain > 0.0]
        if not options:  # nothing to wait for
            return None
        waiting_cost = c.lapse_cost_usd_bn + self.fear * self.abandonment_stake()
        step = min(c.drawdown_step, max(self.troops - self.troop_floor, 0))
        step_loss = self.reliability * self.troop_value * step / self.troops0 if self.troops0 else 0.0
        best = None
        for months, gain in options:
            cost = decisions.present_value(waiting_cost, max(months_to_expiry, 0.0), months, d)
            if threat is not None and threat[0] < months:
                cost += threat[1] * decisions.present_value(step_loss, threat[0], threat[0] + term, d)
            best = gain - cost if best is None else max(best, gain - cost)
        return best

    # ------------------------------------------------------------ beliefs and hedging
    def credibility(self, patron) -> float:
        """Its probability that the patron would carry a threat out: that drawing down one step
        beats backing down for the patron, by the patron's own utility and the law (Fearon
        1994), the host being unsure of that margin by `credibility_spread_usd_bn` a year."""
        after = max(self.troop_floor, self.troops - self.config.drawdown_step)
        if after >= self.troops:
            return 0.0
        margin = patron.drawdown_gain(self, after) + patron.as_flow(patron.config.audience_cost_usd_bn, self)
        spread = self.config.reactions.credibility_spread_usd_bn
        return decisions.normal_cdf(margin / spread) if spread > 0 else float(margin > 0.0)

    def threat_ratio(self, credibility: float) -> float:
        """The likelihood ratio of a threat believed credible with this probability."""
        ev = self.config.reactions.evidence
        return credibility * ev.credible_threat + (1.0 - credibility) * ev.empty_threat

    def observe(self, walkouts: int, threats: int, credibility: float, drawdowns: int, backdowns: int) -> None:
        """Update the belief that the patron is resolved (Bayes' rule on odds, one event at a
        time), after a drift back toward the prior (resolve can change); reliability falls
        with each blow and recovers."""
        r, ev = self.config.reactions, self.config.reactions.evidence
        self.reliability += r.reliability_recovery * (self.config.reliability - self.reliability)
        loss = r.walkout_reliability_loss * walkouts + r.threat_reliability_loss * threats
        loss += r.drawdown_reliability_loss * drawdowns
        self.reliability = max(0.0, self.reliability - loss)
        self.fear += r.forgetting * (self.fear0 - self.fear)
        if not (walkouts or threats or drawdowns or backdowns):  # nothing seen this round
            return
        for ratio, n in ((ev.walkout, walkouts), (self.threat_ratio(credibility), threats), (ev.drawdown, drawdowns),
                         (ev.backing_down, backdowns)):  # fmt: skip
            for _ in range(n):
                self.fear = decisions.posterior(self.fear, ratio)

    def hedge_target(self) -> float:
        """H*: the level maximizing the hedging terms of its utility,
        (eta I + kR (1 - R) + kA antiUS - kC C - kS support) H - (rho / 2) H^2."""
        h = self.config.hedging
        anti_us = self.public.mean_anti_us if self.public is not None else 0.0
        support = self.public.mean_support if self.public is not None else 0.0
        return utility.hedging_target(
            self.inducement, self.reliability, anti_us, self.coercion, support,
            h.inducement_weight, h.reliability_weight, h.anti_us_weight, h.coercion_weight,
            h.support_weight, h.cost,
        )  # fmt: skip

    def hedge(self, target: float) -> float:
        """Move H toward the target by the share gamma (adjustment costs); returns the change."""
        before = self.hedging
        self.hedging += self.config.hedging.speed * (min(max(target, 0.0), 1.0) - self.hedging)
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
