"""The rival (China): a rule, not an optimizer. It courts a host in proportion to the
friction between that host and the patron, and coerces a host that moves closer to the US."""

from __future__ import annotations

import mesa

from sim import utility
from sim.agents.host import Host
from sim.schema import Rival as RivalConfig


class Rival(mesa.Agent):
    def __init__(self, model: mesa.Model, config: RivalConfig, hosts: dict[str, Host]):
        super().__init__(model)
        self.config, self.hosts, self.name = config, hosts, config.name
        self.remembered_walkouts = {h: 0.0 for h in hosts}
        self.remembered_drawdowns = {h: 0.0 for h in hosts}

    def friction(self, host: Host, threat_stands: bool) -> float:
        c = self.config
        anti_us = host.public.mean_anti_us if host.public is not None else 0.0
        return (
            c.walkout_weight * self.remembered_walkouts[host.name]
            + c.threat_weight * threat_stands
            + c.drawdown_weight * self.remembered_drawdowns[host.name]
            + c.anti_us_weight * anti_us
        )

    def court(self, host: Host, walkouts: int, drawdowns: int, threat_stands: bool) -> float:
        """I_h = I_max sigmoid(k (friction - theta)) + noise; returns the new inducement."""
        c = self.config
        self.remembered_walkouts[host.name] = c.memory * self.remembered_walkouts[host.name] + walkouts
        self.remembered_drawdowns[host.name] = c.memory * self.remembered_drawdowns[host.name] + drawdowns
        level = c.inducement_max_usd_bn * utility.sigmoid(
            c.steepness * (self.friction(host, threat_stands) - c.threshold)
        )
        noise = c.noise_sd * self.model.rng.standard_normal() if c.noise_sd else 0.0
        host.inducement = float(max(0.0, level + noise))
        host.coercion *= 1.0 - c.coercion.decay
        return host.inducement

    def moved_closer(self, host: Host, deal_increase_pct: float | None, hedging_change: float) -> bool:
        c = self.config.coercion
        return (deal_increase_pct is not None and deal_increase_pct > c.increase_pct) or hedging_change < -c.hedging_cut

    def coerce(self, host: Host) -> None:
        host.coercion += self.config.coercion.strength_usd_bn

    def utility(self) -> float:
        hosts = self.hosts.values()
        return utility.rival_utility(
            [h.hedging for h in hosts],
            [h.troops / h.troops0 if h.troops0 else 1.0 for h in hosts],
            [h.inducement for h in hosts],
            [h.coercion for h in hosts],
            self.config.hedging_weight, self.config.troop_weight, self.config.cost,
        )  # fmt: skip
