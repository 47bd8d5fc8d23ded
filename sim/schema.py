"""The scenario schema: every parameter of the model with its type, bounds, default and unit
(the unit closes each description, in square brackets). `docs/ODD.md` lists them all; the YAML
loading that fills them is in `sim/config.py`.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from typing import Annotated, Any, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from sim.strategies import STRATEGIES

EXCERPT = 60  # characters of an echoed value


def excerpt(value: Any, limit: int = EXCERPT) -> str:
    """`repr(value)` cut to `limit` characters, on one line: what an error may echo of an input."""
    text = repr(value[: limit + 1] if isinstance(value, str) else value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


_HOST_NAME = re.compile(r"[^\W\d_]\w{0,39}")  # a letter (any alphabet's), then letters, digits, _
_PLAIN_NAME = re.compile(r"[A-Za-z0-9_.-]{1,100}")


def plain_name(value: str) -> str:
    """A name that becomes part of an output folder's name: letters, digits and `_-.` only
    (no separators, not `.` or `..`), so no name can point outside the output root."""
    if not _PLAIN_NAME.fullmatch(value) or set(value) == {"."}:
        shown = value if len(value) <= 40 else value[:40] + "..."
        raise ValueError(
            f"{shown!r} is not a plain name; accepted: 1-100 letters, digits, '_', '-' or '.', not only dots"
        )
    return value


PlainName = Annotated[str, AfterValidator(plain_name)]


class Part(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)  # every float finite


def _f(default: Any, unit: str, text: str, **bounds: Any) -> Any:
    return Field(default, description=f"{text} [{unit}]", **bounds)


class StrategyChoice(Part):
    """A strategy by name with its parameters; a bare name (`strategy: nash`) means no parameters."""

    name: str = _f("linear", "name", "concession strategy from the registry")
    params: dict[str, float] = _f({}, "-", "the strategy's parameters, e.g. beta")

    @model_validator(mode="before")
    @classmethod
    def _bare_name(cls, data: Any) -> Any:
        return {"name": data} if isinstance(data, str) else data

    @model_validator(mode="after")
    def _known(self) -> StrategyChoice:
        if self.name not in STRATEGIES:
            raise ValueError(f"unknown strategy {excerpt(self.name)}; accepted: {', '.join(sorted(STRATEGIES))}")
        allowed = STRATEGIES[self.name].parameters
        for key in self.params:
            if key not in allowed:
                raise ValueError(
                    f"strategy {excerpt(self.name)} has no parameter {excerpt(key)}; "
                    f"accepted: {', '.join(allowed) or 'none'}"
                )
        return self


class Modules(Part):
    """Switches for whole mechanisms; all off (and spreads 0) gives the analytic cases."""

    publics: bool = _f(True, "bool", "citizens' opinions move and set electoral costs")
    rival: bool = _f(True, "bool", "China offers inducements and coerces")
    hedging: bool = _f(True, "bool", "hosts hedge toward China")
    walkouts: bool = _f(True, "bool", "the patron may walk out")
    threats: bool = _f(True, "bool", "the patron may threaten a drawdown")
    ratification: bool = _f(True, "bool", "deals need the host legislature's ratification")
    linkage: bool = _f(True, "bool", "a deal at one table re-prices the others")
    stalling: bool = _f(True, "bool", "hosts may stall to wait for an election")


class Walkout(Part):
    suspend_rounds: int = _f(1, "rounds", "rounds a table stays suspended after a walkout", ge=1, le=24)


class Threat(Part):
    deadline_rounds: int = _f(3, "rounds", "rounds from a threat to its deadline", ge=1, le=24)
    before_expiry: bool = _f(True, "bool", "threats allowed before the agreement expires")


class Linkage(Part):
    rate: float = _f(
        0.5,
        "share",
        "share of the way the patron's aspiration at a table moves toward another table's precedent",
        ge=0,
        le=1,
    )


class Patron(Part):
    name: str = _f("united_states", "name", "the patron's name")
    public: str | None = _f("united_states", "key", "its public in `publics` (sets the cost of a drawdown)")
    strategy: StrategyChoice = StrategyChoice(name="boulware", params={"beta": 0.3})
    transactionalism: float = _f(0.8, "share", "tau: weight of money against strategic position", ge=0, le=1)
    loss_aversion: float = _f(0.5, "1", "lambda: extra weight of payments below the aspiration", ge=0)
    discount: float = _f(0.99, "per offer", "delta_P, discount factor per offer (two offers a round)", gt=0, le=1)
    aspiration_spread: float = _f(0.15, "share", "relative sd of the per-run aspiration draw", ge=0, le=1)
    belief_spread_usd_bn: float = _f(0.2, "US$bn", "sd of its estimate of a host's reservation", ge=0)
    cost_per_troop_usd_bn: float = _f(1.2e-4, "US$bn/troop-year", "c, stationing cost per troop", ge=0)
    audience_cost_usd_bn: float = _f(1.0, "US$bn (present value)", "one-off cost of backing down from a threat", ge=0)
    drawdown_domestic_cost_usd_bn: float = _f(
        1.0, "US$bn (present value)", "one-off cost of one drawdown step per unit of US support for the troops", ge=0
    )
    ratification_risk_accepted: float = _f(
        0.3, "probability", "largest failure risk of ratification it demands into", ge=0, le=1
    )
    elections: list[date] = _f([], "dates", "the patron's elections inside the horizon")
    walkout: Walkout = Walkout()
    threat: Threat = Threat()
    linkage: Linkage = Linkage()


class Election(Part):
    date: date
    kind: str = _f("legislative", "text", "which election")


class ElectoralPressure(Part):
    base: float = _f(0.5, "1", "epsilon0: weight of the public's shortfall far from an election", ge=0)
    peak: float = _f(2.0, "1", "epsilon1: extra weight on election day", ge=0)
    decay_months: float = _f(6.0, "months", "lambda_e: decay of pressure with months to the election", gt=0)


class Hedging(Part):
    initial: float = _f(0.05, "share", "H at the start", ge=0, le=1)
    inducement_weight: float = _f(1.0, "1/US$bn", "eta: value of hedging per $bn of inducement", ge=0)
    cost: float = _f(2.0, "1", "rho: quadratic cost of hedging", gt=0)
    reliability_weight: float = _f(0.6, "1", "kappa_R: pull of the patron's unreliability", ge=0)
    anti_us_weight: float = _f(0.6, "1", "kappa_A: pull of anti-US sentiment", ge=0)
    coercion_weight: float = _f(1.0, "1/US$bn", "kappa_C: push of China's coercion", ge=0)
    support_weight: float = _f(0.3, "1", "kappa_S: push of alliance support", ge=0)
    speed: float = _f(0.3, "per round", "gamma: share of the gap to H* closed each round", ge=0, le=1)


class Evidence(Part):
    """Likelihood ratios P(event | resolved patron) / P(event | unresolved patron): how much each
    observed move tells the host about the patron's resolve to draw down (Bayes' rule on odds)."""

    walkout: float = _f(1.5, "ratio", "a walkout", gt=0, le=1000)
    credible_threat: float = _f(3.0, "ratio", "a threat the patron would carry out", gt=0, le=1000)
    empty_threat: float = _f(1.1, "ratio", "a threat the patron would not carry out", gt=0, le=1000)
    drawdown: float = _f(5.0, "ratio", "a drawdown carried out", gt=0, le=1000)
    backing_down: float = _f(0.4, "ratio", "a threat dropped at its deadline", gt=0, le=1000)


class Reactions(Part):
    """How the host government's beliefs move with events."""

    walkout_reliability_loss: float = _f(0.03, "share", "R lost per walkout", ge=0, le=1)
    threat_reliability_loss: float = _f(0.05, "share", "R lost per threat", ge=0, le=1)
    drawdown_reliability_loss: float = _f(0.1, "share", "R lost per drawdown", ge=0, le=1)
    reliability_recovery: float = _f(0.05, "per round", "share of the gap to baseline R regained", ge=0, le=1)
    evidence: Evidence = Evidence()
    credibility_spread_usd_bn: float = _f(
        0.1, "US$bn/year", "the host's uncertainty about the patron's gain from carrying a threat out", ge=0, le=100
    )
    forgetting: float = _f(
        0.05,
        "per round",
        "share of the way the belief returns to its prior each round (resolve can change)",
        ge=0,
        le=1,
    )


class Stalling(Part):
    p_friendlier: float = _f(
        0.4, "probability", "belief that the patron's next election brings a friendlier posture", ge=0, le=1
    )
    expected_demand_after_usd_bn: float = _f(1.2, "US$bn", "demand expected after a posture change", ge=0)


class Host(Part):
    public: str = _f(..., "key", "its public in `publics`")
    payment_usd_bn: float = _f(..., "US$bn/year", "P0, the payment under the expiring agreement", gt=0)
    demand_usd_bn: float = _f(..., "US$bn/year", "the patron's opening demand at this table", gt=0)
    aspiration_usd_bn: float = _f(..., "US$bn/year", "A, the patron's idea of a fair payment", gt=0)
    patron_value_usd_bn: float = _f(..., "US$bn/year", "v, strategic value of the position to the patron", ge=0)
    troops: int = _f(..., "persons", "T0, US troops stationed", ge=0, le=10_000_000)
    troop_floor: int = _f(0, "persons", "legal floor below which no drawdown goes", ge=0, le=10_000_000)
    drawdown_step: int = _f(4000, "persons", "troops withdrawn per drawdown", ge=1, le=10_000_000)
    alliance_value_usd_bn: float = _f(..., "US$bn/year", "B, value of the alliance itself", ge=0)
    alliance_value_spread: float = _f(0.2, "share", "relative sd of the per-run draw of B", ge=0, le=1)
    troop_value_usd_bn: float = _f(..., "US$bn/year", "sigma, security value of the full troop presence", ge=0)
    reliability: float = _f(0.8, "share", "R0, perceived reliability of the patron", ge=0, le=1)
    fear: float = _f(0.2, "probability", "pi0, belief that a lapse brings a drawdown", ge=0, le=1)
    fear_spread: float = _f(0.05, "probability", "sd of the per-run draw of pi0", ge=0, le=1)
    reliability_loss_if_abandoned: float = _f(0.5, "share", "share of R lost if abandoned", ge=0, le=1)
    lapse_cost_usd_bn: float = _f(0.3, "US$bn/year", "L, interim cost of a lapse", ge=0)
    lapse_share: float = _f(0.0, "share", "share of P0 paid during a lapse", ge=0, le=1)
    opening_increase_pct: float = _f(5.0, "%", "the host's first counter, as an increase over P0", ge=-100)
    discount: float = _f(0.99, "per offer", "delta_H, discount factor per offer (two offers a round)", gt=0, le=1)
    term_years: float = _f(
        5.0, "years", "term of the agreement sought: the span over which options are valued", gt=0, le=30
    )
    talks_open: date = _f(..., "date", "first round of talks at this table")
    agreement_expires: date = _f(..., "date", "expiry of the current agreement")
    elections: list[Election] = _f([], "dates", "the host's elections inside the horizon")
    electoral_pressure: ElectoralPressure = ElectoralPressure()
    strategy: StrategyChoice = StrategyChoice(name="linear")
    hedging: Hedging = Hedging()
    reactions: Reactions = Reactions()
    stalling: Stalling = Stalling()
    ratification_max_failure: float = _f(
        0.8, "probability", "failure chance of a deal all oppose on election day", ge=0, le=1
    )

    @model_validator(mode="after")
    def _floor(self) -> Host:
        if self.troop_floor > self.troops:
            raise ValueError(f"troop_floor ({self.troop_floor}) must not exceed troops ({self.troops})")
        return self


class Coercion(Part):
    increase_pct: float = _f(20.0, "%", "a deal above this increase counts as moving closer to the US")
    hedging_cut: float = _f(0.05, "share", "a fall of H this large in one round counts too", ge=0)
    strength_usd_bn: float = _f(0.5, "US$bn", "C applied at once", ge=0)
    decay: float = _f(0.2, "per round", "share of C lost each round", ge=0, le=1)


class Rival(Part):
    name: str = _f("china", "name", "the rival's name")
    inducement_max_usd_bn: float = _f(0.5, "US$bn/year", "I_max", ge=0)
    steepness: float = _f(6.0, "1", "k of the inducement sigmoid", ge=0)
    threshold: float = _f(0.6, "1", "theta: friction at half the inducement", ge=0)
    walkout_weight: float = _f(0.4, "1", "friction per remembered walkout", ge=0)
    threat_weight: float = _f(0.6, "1", "friction while a threat stands", ge=0)
    drawdown_weight: float = _f(0.8, "1", "friction per remembered drawdown", ge=0)
    anti_us_weight: float = _f(1.0, "1", "friction per unit of mean anti-US sentiment", ge=0)
    memory: float = _f(0.8, "per round", "share of remembered events kept each round", ge=0, le=1)
    noise_sd: float = _f(0.02, "US$bn", "sd of the inducement's noise", ge=0)
    hedging_weight: float = _f(1.0, "1", "w_h in China's utility", ge=0)
    troop_weight: float = _f(1.0, "1", "w_T in China's utility", ge=0)
    cost: float = _f(1.0, "1", "cost per $bn of inducement and coercion", ge=0)
    coercion: Coercion = Coercion()


class Group(Part):
    share: float = _f(..., "share", "share of citizens in the group", ge=0, le=1)
    tolerance_median_usd_bn: float | None = _f(
        None, "US$bn/year", "median largest payment accepted (none: not asked)", gt=0
    )
    tolerance_log_sd: float = _f(0.6, "log", "sd of log tolerance", ge=0)
    alliance_support: float = _f(0.9, "share", "mean support for the alliance / the troops", ge=0, le=1)
    anti_us: float = _f(0.3, "share", "mean anti-US sentiment", ge=0, le=1)
    opinion_sd: float = _f(0.1, "share", "sd of support and anti-US sentiment", ge=0)
    sensitivity: float = _f(1.0, "1", "multiplier of the shocks of US pressure", ge=0)
    anxiety: float = _f(0.0, "log", "log-tolerance gained per threat (alliance anxiety)", ge=0)


class Shocks(Part):
    walkout_anti_us: float = _f(0.05, "share", "anti-US sentiment added by a walkout", ge=0)
    walkout_log_tolerance: float = _f(0.05, "log", "log tolerance lost by a walkout", ge=0)
    threat_anti_us: float = _f(0.06, "share", "anti-US sentiment added by a threat", ge=0)
    threat_log_tolerance: float = _f(0.05, "log", "log tolerance lost by a threat", ge=0)
    lapse_blame: float = _f(0.02, "share", "anti-US sentiment added per lapsed round", ge=0)
    coercion_support: float = _f(0.03, "share", "alliance support added by China's coercion", ge=0)
    drawdown_anti_us: float = _f(0.05, "share", "anti-US sentiment added by a drawdown", ge=0)
    hedge_support: float = _f(0.02, "share", "support for troops lost by a host's hedge (patron's public)", ge=0)


class Public(Part):
    groups: dict[str, Group]
    shocks: Shocks = Shocks()
    decay: float = _f(0.1, "per round", "share of the gap to each citizen's baseline closed", ge=0, le=1)
    confidence_bound: float = _f(0.2, "share", "Deffuant threshold on anti-US sentiment", ge=0)
    tolerance_confidence_bound: float = _f(0.3, "log", "Deffuant threshold on log tolerance", ge=0)
    convergence: float = _f(0.3, "share", "mu: share of the difference each partner moves", ge=0, le=0.5)

    @model_validator(mode="after")
    def _shares(self) -> Public:
        total = sum(g.share for g in self.groups.values())
        if not self.groups or abs(total - 1.0) > 1e-6:
            raise ValueError(f"group shares must sum to 1 (they sum to {total:g})")
        return self


class Posture(Part):
    transactionalism: float = _f(0.3, "share", "tau after the change", ge=0, le=1)
    aspiration_factor: float = _f(0.5, "1", "factor on the aspirations (it opens at its new aspiration)", gt=0, le=10)
    patron_value_factor: float = _f(1.0, "1", "factor on v, the strategic value of each position", ge=0, le=10)
    reset_linkage: bool = _f(True, "bool", "undo linkage's re-pricing first")
    strategy: StrategyChoice | None = None


class AdministrationChange(Part):
    date: date
    probability: float = _f(1.0, "probability", "chance the new posture comes", ge=0, le=1)
    posture: Posture = Posture()


class FloorBill(Part):
    """A bill that would change a host's legal troop floor: a dated event that passes or not."""

    date: date
    host: str
    troop_floor: int = _f(..., "persons", "the floor if it passes (where fewer serve, the troops serving then)",
                          ge=0, le=10_000_000)
    probability: float = _f(0.5, "probability", "chance that it passes", ge=0, le=1)


class SecurityShock(Part):
    date: date
    host: str
    troop_value_change_usd_bn: float = _f(0.0, "US$bn/year", "change of the host's sigma")


class Calendar(Part):
    administration_changes: list[AdministrationChange] = []
    floor_bills: list[FloorBill] = []
    security_shocks: list[SecurityShock] = []


class Scenario(Part):
    name: PlainName = Field(..., description="names the output folder [name]")
    description: str = ""
    start: date = _f(..., "date", "the month of round 1")
    rounds: int = _f(28, "rounds (months)", "horizon", ge=1, le=600)
    citizens: int = _f(2000, "persons", "citizens per public", ge=10, le=1_000_000)
    information: Literal["incomplete", "complete"] = "incomplete"
    choice_precision: float = _f(
        20.0,
        "1/US$bn",
        "beta: precision of every logit choice among valued options (1e6: best response)",
        gt=0,
        le=1e6,
    )
    min_deadline_rounds: int = _f(
        3, "rounds", "a tactic's deadline closer than this after a restart is merged with the next", ge=1
    )
    modules: Modules = Modules()
    patron: Patron = Patron()
    hosts: dict[str, Host]
    rival: Rival = Rival()
    publics: dict[str, Public] = {}
    calendar: Calendar = Calendar()

    @model_validator(mode="after")
    def _references(self) -> Scenario:
        if not self.hosts:
            raise ValueError("at least one host is needed")
        for name in self.hosts:  # each names its columns (`<host>.<column>`) and its utility
            if not _HOST_NAME.fullmatch(name) or name in ("patron", "rival"):
                raise ValueError(f"hosts: {excerpt(name)} is not a host's name; accepted: a letter, then up to 39 "
                                 "letters, digits or '_' (not patron or rival)")  # fmt: skip
            if name in (self.patron.name, self.rival.name):
                raise ValueError(f"hosts: {name} is the name of the {'patron' if name == self.patron.name else 'rival'}"
                                 "; every actor needs a name of its own")  # fmt: skip
        if self.patron.name == self.rival.name:
            raise ValueError(f"rival.name: {excerpt(self.rival.name)} is the patron's name too; each needs its own")
        for name, host in self.hosts.items():
            if host.public not in self.publics:
                raise ValueError(
                    f"hosts.{name}.public: {excerpt(host.public)} is not in publics "
                    f"({', '.join(self.publics) or 'none'})"
                )
            if (
                self.modules.publics
                and self.publics[host.public].groups
                and any(g.tolerance_median_usd_bn is None for g in self.publics[host.public].groups.values())
            ):
                raise ValueError(f"publics.{host.public}: every group needs tolerance_median_usd_bn")
        if self.patron.public is not None and self.patron.public not in self.publics:
            raise ValueError(f"patron.public: {excerpt(self.patron.public)} is not in publics")
        for shock in self.calendar.security_shocks:
            if shock.host not in self.hosts:
                raise ValueError(f"calendar.security_shocks: unknown host {excerpt(shock.host)}")
        for bill in self.calendar.floor_bills:
            if bill.host not in self.hosts:
                raise ValueError(f"calendar.floor_bills: unknown host {excerpt(bill.host)}")
        return self

    @model_validator(mode="after")
    def _dates(self) -> Scenario:
        """Dates in an order the calendar can mean: the start in 1900-2200, each host's talks
        open by its agreement's expiry and that expiry not before the start, elections from the
        start on and in order."""
        if not date(1900, 1, 1) <= self.start <= date(2200, 12, 31):
            raise ValueError(f"start: {self.start} is outside 1900-01-01 to 2200-12-31")
        month = date(self.start.year, self.start.month, 1)
        checks = [("patron.elections", list(self.patron.elections))]
        for name, host in self.hosts.items():
            if host.talks_open > host.agreement_expires:
                raise ValueError(f"hosts.{name}: talks_open ({host.talks_open}) is after agreement_expires "
                                 f"({host.agreement_expires})")  # fmt: skip
            if host.agreement_expires < month:
                raise ValueError(f"hosts.{name}.agreement_expires: {host.agreement_expires} is before the start "
                                 f"({self.start})")  # fmt: skip
            checks.append((f"hosts.{name}.elections", [e.date for e in host.elections]))
        for key, days in checks:
            early = next((d for d in days if d < month), None)
            if early is not None:
                raise ValueError(f"{key}: {early} is before the start ({self.start})")
            if days != sorted(days):
                raise ValueError(f"{key}: the elections are not in date order ({', '.join(map(str, days))})")
        return self

    @model_validator(mode="after")
    def _strategies_play(self) -> Scenario:
        """Every strategy rehearses (sim/rehearsal.py): one that raises or offers no finite
        payment (`boulware` with `beta: 0`) is refused here, not in the middle of a run."""
        from sim.rehearsal import rehearse

        choices: list[tuple[str, StrategyChoice | None]] = [("patron.strategy", self.patron.strategy)]
        choices += [(f"hosts.{name}.strategy", host.strategy) for name, host in self.hosts.items()]
        choices += [(f"calendar.administration_changes.{i}.posture.strategy", change.posture.strategy)
                    for i, change in enumerate(self.calendar.administration_changes)]  # fmt: skip
        for key, choice in choices:
            problem = choice is not None and rehearse(choice.name, dict(choice.params))
            if problem:
                raise ValueError(f"{key}: {problem}")
        return self

    def digest(self) -> str:
        """A stable hash of the resolved scenario (for manifests)."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def to_yaml(self) -> str:
        return yaml.safe_dump(self.model_dump(mode="json"), sort_keys=False)
