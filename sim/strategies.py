"""Concession strategies and their registry.

A strategy turns what a negotiator knows (`Situation`) into its next offer and decides
whether to accept the other side's offer. Offers are payments in US$bn per year: the
patron (side +1) wants them high, a host (side -1) low. Every strategy's offer is clipped
between its anchor and its reservation, so none ever concedes past its reservation.

Add one in ten lines::

    from sim.strategies import Strategy, register

    @register
    class Halfway(Strategy):
        "Moves half of the remaining way to its reservation each round."
        name = "halfway"
        source = "a seminar exercise"

        def target(self, s):
            last = s.own_offers[-1] if s.own_offers else s.anchor
            return last + 0.5 * (s.reservation - last)
"""

from __future__ import annotations

import math
import numbers
import re
from dataclasses import dataclass, replace
from typing import ClassVar

from sim import theory

PATRON, HOST = +1, -1
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Information:
    """What a negotiator believes about the other side (exact under complete information)."""

    complete: bool = False
    opponent_reservation: float | None = None
    own_discount: float = 1.0
    opponent_discount: float = 1.0
    nash_price: float | None = None


@dataclass(frozen=True)
class Situation:
    """The state a strategy sees when it moves."""

    side: int  # PATRON (+1) or HOST (-1)
    anchor: float  # its offer when its clock last restarted (the opening, at first)
    reservation: float  # its current reservation
    clock: int  # open, unsuspended rounds since the restart
    deadline: int | None  # rounds from the restart to its deadline; None: past the last, hold
    own_offers: tuple[float, ...] = ()
    opponent_offers: tuple[float, ...] = ()
    information: Information = Information()

    def ahead(self, rounds: int = 1) -> Situation:
        return replace(self, clock=self.clock + rounds)


def finite_payment(value: object) -> bool:
    """Whether a strategy's offer is a payment: a real number (numpy's too), finite, not a flag."""
    if type(value) is float:  # the common case, without the abstract class's check
        return math.isfinite(value)
    return not isinstance(value, bool) and isinstance(value, numbers.Real) and math.isfinite(value)


class OfferError(ValueError):
    """A strategy offered something that is not a finite payment; `file`, `line` and `function`
    point at the method that made the offer (`offer` where the strategy has its own, else `target`)."""

    def __init__(self, message: str, strategy: Strategy):
        super().__init__(message)
        own = type(strategy).offer is not Strategy.offer
        method = "offer" if own else "target"
        code = getattr(type(strategy), method).__code__
        self.file, self.line, self.function = code.co_filename, code.co_firstlineno, method


class Strategy:
    """Base class: subclasses give `target`; clipping and acceptance are shared."""

    name: ClassVar[str] = ""
    source: ClassVar[str] = ""
    parameters: ClassVar[dict[str, float]] = {}
    classifier: ClassVar[dict[str, object]] = {"stochastic": False, "memory": 0, "uses_time": False}

    def __init__(self, **params: float):
        unknown = set(params) - set(self.parameters)
        if unknown:
            raise ValueError(f"{self.name}: unknown parameters {sorted(unknown)}")
        self.params = {**self.parameters, **params}

    def target(self, s: Situation) -> float:
        raise NotImplementedError

    def offer(self, s: Situation) -> float:
        """The next offer: the target, kept between the anchor and the reservation."""
        lo, hi = sorted((s.anchor, s.reservation))
        if s.side * (s.anchor - s.reservation) < 0:  # anchor already past the reservation
            lo = hi = s.reservation
        return min(max(self.target(s), lo), hi)

    def next_offer(self, s: Situation) -> float:
        """`offer(s)`, refused unless it is a finite payment (the talks ask for offers through
        this: a strategy that passed its rehearsal may still offer NaN in a situation it meets
        only in a game, and that ends the run with this error, which names the strategy)."""
        value = self.offer(s)
        if not finite_payment(value):
            side = "patron" if s.side == PATRON else "host"
            raise OfferError(f"strategy {self.name} ({side}) offered {value!r}; a strategy must offer a finite payment",
                             self)  # fmt: skip
        return float(value)

    def accepts(self, offer: float, s: Situation) -> bool:
        """AC_next: accept what is at least as good as its own next offer and its reservation.

        `s` is the situation in which this side would make its next offer.
        """
        good = s.side * (offer - self.offer(s)) >= -TOLERANCE
        return good and s.side * (offer - s.reservation) >= -TOLERANCE

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params})"


STRATEGIES: dict[str, type[Strategy]] = {}


NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]{0,59}")  # a strategy's or policy's: one word in the tables


def register(cls: type[Strategy]) -> type[Strategy]:
    """Add a strategy class to the registry under its `name`."""
    if not isinstance(cls.name, str) or not NAME.fullmatch(cls.name):
        raise ValueError(f"{cls.__name__} needs a `name`, the name it registers under: letters, digits and "
                         f"_ - . (at most 60), as in 'meet_halfway'")  # fmt: skip
    STRATEGIES[cls.name] = cls
    return cls


def make(name: str, params: dict[str, float] | None = None) -> Strategy:
    if name not in STRATEGIES:
        raise KeyError(f"unknown strategy {name!r}; accepted: {', '.join(sorted(STRATEGIES))}")
    return STRATEGIES[name](**(params or {}))


def _last(s: Situation) -> float:
    return s.own_offers[-1] if s.own_offers else s.anchor


class TimeDependent(Strategy):
    """Faratin, Sierra & Jennings (1998): offer = anchor + (reservation - anchor) * (t/T)^(1/beta).

    beta < 1 concedes late (Boulware), beta = 1 linearly, beta > 1 early (Conceder).
    """

    source = "Faratin, Sierra & Jennings 1998, Robotics and Autonomous Systems 24"
    parameters = {"beta": 1.0}
    classifier = {"stochastic": False, "memory": 0, "uses_time": True}

    def target(self, s: Situation) -> float:
        if s.deadline is None:
            return _last(s)
        share = (min(s.clock, s.deadline) / s.deadline) ** (1.0 / self.params["beta"])
        return s.anchor + (s.reservation - s.anchor) * share


@register
class TimeDependentFree(TimeDependent):
    """Time-dependent tactic with its exponent free: boulware, linear and conceder are named
    cases of it (beta = 1 concedes the same amount every round); a calibration fits beta."""

    name = "time_dependent"


@register
class Boulware(TimeDependent):
    """Time-dependent tactic that holds firm and concedes near its deadline."""

    name = "boulware"
    parameters = {"beta": 0.2}


@register
class Linear(TimeDependent):
    """Time-dependent tactic conceding the same amount every round (beta = 1)."""

    name = "linear"
    parameters = {}

    def target(self, s: Situation) -> float:
        if s.deadline is None:
            return _last(s)
        return s.anchor + (s.reservation - s.anchor) * min(s.clock, s.deadline) / s.deadline


@register
class Conceder(TimeDependent):
    """Time-dependent tactic that concedes most of the way early."""

    name = "conceder"
    parameters = {"beta": 5.0}


@register
class TitForTat(Strategy):
    """Absolute tit-for-tat (Faratin et al. 1998): concede what the other side conceded last.

    `factor` scales the reply; `opening` is a first concession, as a share of the way from
    anchor to reservation, made once so that two copies do not freeze.
    """

    name = "tit_for_tat"
    source = "Faratin, Sierra & Jennings 1998 (behaviour-dependent tactics); Axelrod 1984"
    parameters = {"factor": 1.0, "opening": 0.05}
    classifier = {"stochastic": False, "memory": 2, "uses_time": False}

    def target(self, s: Situation) -> float:
        if not s.own_offers:
            return s.anchor
        if len(s.own_offers) == 1:
            return s.anchor + self.params["opening"] * (s.reservation - s.anchor)
        opp = s.opponent_offers
        conceded = s.side * (opp[-1] - opp[-2]) if len(opp) >= 2 else 0.0  # toward this side
        return s.own_offers[-1] - s.side * self.params["factor"] * conceded


@register
class Hardliner(Strategy):
    """Never moves from its opening; accepts only what meets it."""

    name = "hardliner"
    source = "Axelrod's 'always defect' in spirit; NegMAS's 'naive' hardheaded agent"

    def target(self, s: Situation) -> float:
        return s.anchor


@register
class Rubinstein(Strategy):
    """Rubinstein (1982) subgame-perfect play in alternating offers, patron proposing first.

    The patron demands r_P + x*Z, x = (1 - d_H) / (1 - d_P d_H), Z = r_H - r_P, and accepts
    counters at or above r_P + d_P x Z; the host accepts demands up to r_P + x Z and
    counters at r_P + d_P x Z. With an empty zone, each holds its reservation.
    """

    name = "rubinstein"
    source = "Rubinstein 1982, Econometrica 50(1)"
    classifier = {"stochastic": False, "memory": 0, "uses_time": False}

    def _zone(self, s: Situation) -> tuple[float, float, float, float] | None:
        other = s.information.opponent_reservation
        if other is None:
            return None
        r_p, r_h = (s.reservation, other) if s.side == PATRON else (other, s.reservation)
        if r_h < r_p:
            return None
        d_own, d_opp = s.information.own_discount, s.information.opponent_discount
        d_p, d_h = (d_own, d_opp) if s.side == PATRON else (d_opp, d_own)
        return r_p, r_h, theory.rubinstein_share(d_p, d_h) * (r_h - r_p) + r_p, d_p

    def target(self, s: Situation) -> float:
        zone = self._zone(s)
        if zone is None:
            return s.reservation
        r_p, _, demand, d_p = zone
        return demand if s.side == PATRON else r_p + d_p * (demand - r_p)

    def offer(self, s: Situation) -> float:
        # Subgame-perfect play is not bound to an anchor: it opens at its equilibrium offer.
        value = self.target(s)
        return max(value, s.reservation) if s.side == PATRON else min(value, s.reservation)

    def accepts(self, offer: float, s: Situation) -> bool:
        zone = self._zone(s)
        if zone is None:
            return False
        r_p, _, demand, d_p = zone
        if s.side == PATRON:  # the continuation: its own demand next round, discounted
            return offer >= r_p + d_p * (demand - r_p) - TOLERANCE
        return offer <= demand + TOLERANCE


@register
class Nash(Strategy):
    """Nash (1950): propose and accept the payment that maximizes the product of both
    sides' gains over their lapse utilities (computed by the table from the utilities)."""

    name = "nash"
    source = "Nash 1950, Econometrica 18(2)"

    def target(self, s: Situation) -> float:
        price = s.information.nash_price
        return s.reservation if price is None else price

    def offer(self, s: Situation) -> float:
        value = self.target(s)
        return max(value, s.reservation) if s.side == PATRON else min(value, s.reservation)

    def accepts(self, offer: float, s: Situation) -> bool:
        price = s.information.nash_price
        if price is None:
            return False
        return s.side * (offer - price) >= -1e-6 and s.side * (offer - s.reservation) >= -TOLERANCE
