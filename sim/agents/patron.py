"""The patron (the United States): demands, walkouts, threats, drawdowns, linkage.

Its utility weighs money (with loss aversion below its aspiration) against the strategic
value of its presence, by its transactionalism tau; the value v of each position is its
institutions' (Congress, the military), and the troop floor in law binds. Each move is a
choice among options valued by this utility over the agreement's window (`sim/decisions.py`):
at an open table it continues, walks out or threatens; at a threat's deadline it accepts the
offer on the table, draws down a step or backs down. Its reservation is where a deal stops
beating the best lapse, a standing threat making backing down cost an audience cost.
"""

from __future__ import annotations

import math

import mesa

from sim import decisions, utility
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
        self.strategy = config.strategy
        rng = model.rng
        self.aspiration0 = {
            h: max(1e-6, host.config.aspiration_usd_bn * (1 + config.aspiration_spread * rng.standard_normal()))
            for h, host in hosts.items()
        }
        self.aspiration = dict(self.aspiration0)
        self.value = {h: host.config.patron_value_usd_bn for h, host in hosts.items()}
        self.linkage_factor = {h: 1.0 for h in hosts}
        self.one_offs = {h: 0.0 for h in hosts}  # audience and domestic costs paid, by table (PV)
        self.monthly_discount = config.discount**2  # two offers a round
        self.elections = sorted(config.elections)

    # ------------------------------------------------------------ valuations
    def troop_support(self) -> float:
        return self.public.mean_support if self.public is not None and self.model.config.modules.publics else 0.5

    def drawdown_cost(self) -> float:
        """The US public's one-off cost of one drawdown step (present value)."""
        return self.config.drawdown_domestic_cost_usd_bn * self.troop_support()

    def as_flow(self, one_off: float, host: Host) -> float:
        return decisions.as_flow(one_off, host.config.term_years, self.monthly_discount)

    def drawdown_gain(self, host: Host, troops_after: int) -> float:
        """Yearly savings minus strategic loss minus the domestic cost (as a flow) of drawing
        down to `troops_after`."""
        tau, c = self.transactionalism, self.config.cost_per_troop_usd_bn
        removed = host.troops - troops_after
        if removed <= 0:
            return 0.0
        v = self.value[host.name]
        s_before = utility.strategic_position(host.troops, host.troops0, host.hedging)
        s_after = utility.strategic_position(troops_after, host.troops0, host.hedging)
        steps = -(-removed // host.config.drawdown_step)
        return float(
            tau * c * removed - (1 - tau) * v * (s_before - s_after) - self.as_flow(steps * self.drawdown_cost(), host)
        )

    def reservation(self, host: Host, threat_stands: bool) -> float:
        """r_P: the least payment at which a deal beats the best lapse."""
        c = host.config
        stake = self.as_flow(self.config.audience_cost_usd_bn, host) if threat_stands else 0.0
        keep_minus_drawdown = -(self.drawdown_gain(host, host.troop_floor) + stake)
        return utility.patron_reservation(
            self.transactionalism, self.config.loss_aversion, self.aspiration[host.name],
            c.lapse_share * c.payment_usd_bn, keep_minus_drawdown,
        )  # fmt: skip

    def table_utility(self, host: Host, payment: float | None = None, troops: int | None = None,
                      hedging: float | None = None) -> float:  # fmt: skip
        """This table's yearly flow of U_P (the host's present payment and troops by default)."""
        return float(
            utility.patron_table_utility(
                host.payment if payment is None else payment, host.troops if troops is None else troops,
                host.troops0, host.hedging if hedging is None else hedging, self.aspiration[host.name],
                self.transactionalism, self.config.loss_aversion, self.value[host.name],
                self.config.cost_per_troop_usd_bn,
            )
        )  # fmt: skip

    def prospect(self, table, host: Host, price: float | None, month: float, troops: int | None = None) -> float:
        """Present value of the table's flows if a deal at `price` comes after `month` months
        (None: no deal in the window): the old agreement to its expiry, the lapse from then to
        the deal, the deal for the rest of the window (expiry plus the term)."""
        d = self.monthly_discount
        expiry = max(float(table.expiry_round - self.model.round), 0.0)
        end = expiry + 12.0 * host.config.term_years
        start = min(max(expiry, month), end) if price is not None else end
        c = host.config
        pv = decisions.present_value(self.table_utility(host, c.payment_usd_bn, troops), 0.0, expiry, d)
        pv += decisions.present_value(self.table_utility(host, c.lapse_share * c.payment_usd_bn, troops),
                                      expiry, start, d)  # fmt: skip
        if price is not None:
            pv += decisions.present_value(self.table_utility(host, price, troops), start, end, d)
        return pv

    def damage(self, host: Host, reliability_loss: float, anti_us_gain: float = 0.0) -> float:
        """The strategic loss (present value) of a blow to the host: its best-response hedging
        rises by (kR dR + kA dAntiUS) / rho, each part fading as reliability recovers and the
        public's anger decays."""
        h = host.config.hedging
        if not self.model.config.modules.hedging:
            return 0.0
        per_hedging = (1 - self.transactionalism) * self.value[host.name] * host.troops / host.troops0
        d = self.monthly_discount
        total = 0.0
        parts = [(h.reliability_weight * reliability_loss, host.config.reactions.reliability_recovery)]
        if host.public is not None:
            parts.append((h.anti_us_weight * anti_us_gain * host.public.mean_sensitivity, host.public.config.decay))
        for pull, recovery in parts:
            total += per_hedging * min(pull / h.cost, 1.0) / 12.0 / (1.0 - d * (1.0 - recovery))
        return total

    # ------------------------------------------------------------ the options
    def expected_reservation(self, table, host: Host, **after) -> float:
        """Its estimate of the host's reservation after an event (its belief error added)."""
        return host.reservation(self.model.round, **after) + self.model.belief_errors[host.name][0]

    def expected_price(self, table, demand: float, r_h: float) -> float:
        """What it expects to sign for: half way from the host's standing offer to the most it
        can get, the lesser of its demand and the host's reservation as it estimates it (the
        host's offers rise with its reservation; the patron does not expect to take it all)."""
        offer = table.counter if table.counters else table.counterpart.anchor
        return 0.5 * (min(offer, r_h) + min(demand, r_h))

    def deal_after(self, table, host: Host, demand: float, r_p: float, month: float, troops: int | None = None,
                   **after) -> float:  # fmt: skip
        """Value of pressing on after an event: a deal at the expected price in `month` months
        if the host's estimated reservation clears its own, else no deal in the window."""
        r_h = self.expected_reservation(table, host, troops=troops, **after)
        price = self.expected_price(table, demand, r_h) if r_h >= r_p - 1e-9 else None
        return self.prospect(table, host, price, month, troops)

    def table_options(self, table, demand: float, r_p: float, may_walk: bool, may_threaten: bool) -> dict[str, float]:
        """The values of continuing, walking out and threatening, after a counter it does not accept."""
        host, cfg = self.hosts[table.host], self.model.config
        pub = host.public
        reactions, ev = host.config.reactions, host.config.reactions.evidence
        values = {"continue": self.deal_after(table, host, demand, r_p, 1.0)}
        if may_walk:
            shock = pub.config.shocks.walkout_log_tolerance * pub.mean_sensitivity if pub is not None else 0.0
            values["walkout"] = self.deal_after(
                table,
                host,
                demand,
                r_p,
                1.0 + cfg.patron.walkout.suspend_rounds,
                fear=decisions.posterior(host.fear, ev.walkout),
                reliability=host.reliability - reactions.walkout_reliability_loss,
                tolerance_scale=math.exp(-shock),
            ) - self.damage(host, reactions.walkout_reliability_loss, self._shock(host, "walkout_anti_us"))
        if may_threaten:
            values["threaten"] = self.threat_value(table, host, demand) - self.damage(
                host, reactions.threat_reliability_loss, self._shock(host, "threat_anti_us")
            )
        return values

    @staticmethod
    def _shock(host: Host, name: str) -> float:
        return getattr(host.public.config.shocks, name) if host.public is not None else 0.0

    def threat_value(self, table, host: Host, demand: float) -> float:
        """What a threat is worth: at its deadline it takes the best of accepting the host's
        offer (risen with the host's reservation once the threat is heard), drawing down and
        backing down. A threat the host finds empty moves its belief little."""
        reactions, pub = host.config.reactions, host.public
        shock = pub.config.shocks.threat_log_tolerance * pub.mean_sensitivity if pub is not None else 0.0
        fear = decisions.posterior(host.fear, host.threat_ratio(host.credibility(self)))
        reliability = host.reliability - reactions.threat_reliability_loss
        r_h = self.expected_reservation(table, host, fear=fear, reliability=reliability,
                                        tolerance_scale=math.exp(-shock))  # fmt: skip
        deadline = float(self.model.config.patron.threat.deadline_rounds)
        offer = self.expected_price(table, demand, r_h)
        return max(self.deadline_options(table, host, demand, offer, deadline, fear).values())

    def deadline_options(self, table, host: Host, demand: float, counter: float | None,
                         month: float = 0.0, fear: float | None = None) -> dict[str, float]:  # fmt: skip
        """At a threat's deadline (or `month` months before it, the host then believing `fear`):
        accept the offer on the table, draw down one step, or back down."""
        reactions, ev = host.config.reactions, host.config.reactions.evidence
        fear = host.fear if fear is None else fear
        r_p = self.reservation(host, threat_stands=False)
        values = {}
        if counter is not None and counter >= r_p - 1e-9:  # never below its reservation
            values["accept"] = self.prospect(table, host, counter, month)
        after = max(host.troop_floor, host.troops - host.config.drawdown_step)
        if after < host.troops:
            values["drawdown"] = self.deal_after(
                table, host, demand, r_p, month + 1.0, troops=after,
                fear=decisions.posterior(fear, ev.drawdown),
                reliability=host.reliability - reactions.drawdown_reliability_loss,
            ) - self.drawdown_cost() - self.damage(host, reactions.drawdown_reliability_loss,
                                                  self._shock(host, "drawdown_anti_us"))  # fmt: skip
        values["back down"] = (
            self.deal_after(table, host, demand, r_p, month + 1.0, fear=decisions.posterior(fear, ev.backing_down))
            - self.config.audience_cost_usd_bn
        )
        return values

    # ------------------------------------------------------------ beliefs and posture
    def adopt(self, posture: Posture) -> None:
        """A new administration: new tau, values of the positions and aspirations (and maybe strategy)."""
        self.transactionalism = posture.transactionalism
        for h, host in self.hosts.items():
            base = self.aspiration0[h] if posture.reset_linkage else self.aspiration[h]
            self.aspiration[h] = base * posture.aspiration_factor
            self.value[h] = host.config.patron_value_usd_bn * posture.patron_value_factor
            if posture.reset_linkage:
                self.linkage_factor[h] = 1.0
        if posture.strategy is not None:
            self.strategy = posture.strategy

    def learn_precedent(self, host_name: str, increase_pct: float) -> float:
        """Linkage: move the aspiration at this table toward the increase agreed at another
        (up after a large one, down after a small one); returns the factor applied."""
        host = self.hosts[host_name]
        precedent = host.config.payment_usd_bn * (1 + increase_pct / 100)
        before = self.aspiration[host_name]
        self.aspiration[host_name] = before + self.config.linkage.rate * (precedent - before)
        factor = self.aspiration[host_name] / before
        self.linkage_factor[host_name] *= factor
        return factor
