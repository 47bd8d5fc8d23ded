"""The patron (the United States): demands, concessions, walkouts, threats, drawdowns, linkage.

Its utility weighs money (with loss aversion below its aspiration) against the strategic
value of its presence, by its transactionalism tau. Its reservation at each table is where a
deal stops beating the best lapse: keeping the troops, or drawing down to the floor, where a
standing threat makes backing down cost an audience cost (Fearon 1994).
"""

from __future__ import annotations

import mesa

from sim import utility
from sim.agents.host import Host
from sim.agents.public import Public
from sim.schema import Patron as PatronConfig
from sim.schema import Posture


class Patron(mesa.Agent):
    def __init__(self, model: mesa.Model, config: PatronConfig, hosts: dict[str, Host], public: Public | None):
        super().__init__(model)
        self.config, self.hosts, self.public = config, hosts, public
        self.name = config.name
        self.transactionalism = config.transactionalism
        self.toughness = config.toughness
        self.strategy = config.strategy
        rng = model.rng
        self.aspiration0 = {
            h: max(1e-6, host.config.aspiration_usd_bn * (1 + config.aspiration_spread * rng.standard_normal()))
            for h, host in hosts.items()
        }
        self.aspiration = dict(self.aspiration0)
        self.linkage_factor = {h: 1.0 for h in hosts}
        self.audience_costs_paid = 0.0
        self.domestic_costs_paid = 0.0
        self.elections = sorted(config.elections)

    # ------------------------------------------------------------ valuations
    def troop_support(self) -> float:
        return self.public.mean_support if self.public is not None and self.model.config.modules.publics else 0.5

    def drawdown_cost(self) -> float:
        """The US public's cost of one drawdown step."""
        return self.config.drawdown_domestic_cost_usd_bn * self.troop_support()

    def drawdown_gain(self, host: Host, troops_after: int) -> float:
        """Savings minus strategic loss minus domestic cost of drawing down to `troops_after`."""
        tau, c = self.transactionalism, self.config.cost_per_troop_usd_bn
        removed = host.troops - troops_after
        if removed <= 0:
            return 0.0
        v = host.config.patron_value_usd_bn
        s_before = utility.strategic_position(host.troops, host.troops0, host.hedging)
        s_after = utility.strategic_position(troops_after, host.troops0, host.hedging)
        steps = -(-removed // host.config.drawdown_step)
        return tau * c * removed - (1 - tau) * v * (s_before - s_after) - steps * self.drawdown_cost()

    def reservation(self, host: Host, threat_stands: bool) -> float:
        """r_P: the least payment at which a deal beats the best lapse."""
        c = host.config
        stake = self.config.audience_cost_usd_bn if threat_stands else 0.0
        keep_minus_drawdown = -(self.drawdown_gain(host, c.troop_floor) + stake)
        return utility.patron_reservation(
            self.transactionalism, self.config.loss_aversion, self.aspiration[host.name],
            c.lapse_share * c.payment_usd_bn, keep_minus_drawdown,
        )  # fmt: skip

    def table_utility(self, host: Host) -> float:
        return float(
            utility.patron_table_utility(
                host.payment, host.troops, host.troops0, host.hedging, self.aspiration[host.name],
                self.transactionalism, self.config.loss_aversion, host.config.patron_value_usd_bn,
                self.config.cost_per_troop_usd_bn,
            )
        )  # fmt: skip

    def utility(self) -> float:
        """Yearly flow summed over the tables (one-off audience costs are kept apart)."""
        return sum(self.table_utility(h) for h in self.hosts.values())

    # ------------------------------------------------------------ decisions
    def walks_out(self, gap: float) -> bool:
        w = self.config.walkout
        if gap <= w.min_gap:
            return False
        p = utility.sigmoid(w.steepness * (self.toughness * self.transactionalism * gap - w.threshold))
        return bool(self.model.rng.random() < p)

    def threatens(self) -> bool:
        t = self.config.threat
        p = utility.sigmoid(t.steepness * (self.toughness * self.transactionalism - t.threshold))
        return bool(self.model.rng.random() < p)

    def prefers_drawdown(self, host: Host) -> bool:
        """At a threat's deadline: withdraw one step if that beats backing down."""
        after = max(host.config.troop_floor, host.troops - host.config.drawdown_step)
        if after >= host.troops:
            return False
        return self.drawdown_gain(host, after) + self.config.audience_cost_usd_bn > 0.0

    def back_down(self) -> None:
        self.audience_costs_paid += self.config.audience_cost_usd_bn

    def adopt(self, posture: Posture) -> None:
        """A new administration: new tau, toughness and aspirations (and maybe strategy)."""
        self.transactionalism = posture.transactionalism
        self.toughness = posture.toughness
        for h in self.aspiration:
            base = self.aspiration0[h] if posture.reset_linkage else self.aspiration[h]
            self.aspiration[h] = base * posture.aspiration_factor
            if posture.reset_linkage:
                self.linkage_factor[h] = 1.0
        if posture.strategy is not None:
            self.strategy = posture.strategy

    def link(self, host_name: str, factor: float) -> None:
        self.aspiration[host_name] *= factor
        self.linkage_factor[host_name] *= factor
