"""Decision policies: the one door through which an actor's choices can be changed.

The model asks an actor's policy at each decision point, with the options open and their
values by the actor's own utility (`sim/agents`): the patron at an open table ("press":
continue, walkout, threaten) and at a threat's deadline ("deadline": accept, drawdown,
back down); a host before it counters ("stall": counter, stall) and when it hedges. The
agents' own policy is a logit over the values (quantal response) with the scenario's
precision; a human seat (`allysim play`) or a student's policy answers from elsewhere.
Offers and acceptance are a negotiator's strategy (`sim/strategies.py`), the other door.
"""

from __future__ import annotations

import numbers
import sys
from types import CodeType

from sim import decisions
from sim.strategies import NAME, STRATEGIES

PRESS, DEADLINE, STALL = "press", "deadline", "stall"


class PolicyError(ValueError):
    """A policy answered with something that is not one of its options; `file`, `line` and
    `function` point at the line of the method that answered (its `return`, where it is known;
    else the method's `def`)."""

    def __init__(self, message: str, policy: object = None, method: str = ""):
        super().__init__(message)
        code = getattr(getattr(type(policy), method, None), "__code__", None)
        self.file: str | None = code.co_filename if code else None
        self.line: int | None = returned_line(code) if code else None
        self.function = method


# Where a student's policy answered: sys.monitoring reports each return of the methods watched
# (local events of their code alone: the agents' own policy and the rest of a run cost nothing).
MONITOR, MONITOR_NAME = 4, "allysim policies"  # tool ids 3 and 4 are free for any tool
_watched: set[CodeType] = set()
_returns: dict[CodeType, int] = {}  # a watched method's code -> the instruction of its last return


def _returned(code: CodeType, offset: int, value: object) -> None:
    _returns[code] = offset


def watch(policy: object, method: str) -> None:
    """Record the returns of a policy's method, unless it is the agents' own."""
    if type(policy) is Policy:
        return
    code = getattr(getattr(type(policy), method, None), "__code__", None)
    if code is None or code in _watched or code is getattr(Policy, method).__code__:
        return
    monitoring = sys.monitoring
    if monitoring.get_tool(MONITOR) is None:
        monitoring.use_tool_id(MONITOR, MONITOR_NAME)
        monitoring.register_callback(MONITOR, monitoring.events.PY_RETURN, _returned)
    if monitoring.get_tool(MONITOR) == MONITOR_NAME:  # else another tool holds the id: the def line
        monitoring.set_local_events(MONITOR, code, monitoring.events.PY_RETURN)
    _watched.add(code)


def returned_line(code: CodeType) -> int:
    """The line of the method's last return, or of its `def` when it is not known."""
    offset = _returns.get(code)
    if offset is not None:
        for start, end, line in code.co_lines():
            if start <= offset < end and line is not None:
                return line
    return code.co_firstlineno


class Policy:
    """The agents' own: choose by quantal response over the options' values."""

    name = "agents"

    def choose(self, model, actor: str, decision: str, table: str, values: dict[str, float]) -> str:
        return decisions.choose(values, model.config.choice_precision, model.rng)

    def hedging(self, model, host, target: float) -> float:
        """The hedging level it moves toward: the best response of its utility by default."""
        return target


AGENTS = Policy()
POLICIES: dict[str, type[Policy]] = {"agents": Policy}


def register_policy(cls: type[Policy]) -> type[Policy]:
    """Class decorator: adds a Policy subclass to the registry under its `name`, so that a
    tournament entrant can sit with it (`policy: NAME`)."""
    if not (isinstance(cls, type) and issubclass(cls, Policy)):
        raise TypeError("@register_policy decorates a subclass of sim.policies.Policy")
    if not isinstance(cls.__dict__.get("name"), str) or not NAME.fullmatch(cls.name):
        raise TypeError(f"{cls.__name__} needs a class attribute `name`, the name it registers under: "
                        f"letters, digits and _ - . (at most 60), as in 'no_walkouts'")  # fmt: skip
    if cls.name in STRATEGIES:  # a tournament's entrant names both: one name, one thing
        raise TypeError(f"{cls.__name__} registers as {cls.name!r}, a strategy's name; choose another")
    POLICIES[cls.name] = cls
    return cls


def decide(policy: Policy, model, actor: str, decision: str, table: str, values: dict[str, float]) -> str:
    """The policy's choice among the options, checked: one of the options' names."""
    watch(policy, "choose")
    move = policy.choose(model, actor, decision, table, dict(values))
    if not isinstance(move, str) or move not in values:
        raise PolicyError(f"the policy of {actor} answered {move!r} at a {decision} decision "
                          f"at {table}; options: {', '.join(values)}", policy, "choose")  # fmt: skip
    return move


def hedging_target(policy: Policy, model, host, target: float) -> float:
    """The policy's hedging target, checked: a number in [0, 1]."""
    watch(policy, "hedging")
    level = policy.hedging(model, host, target)
    if type(level) is float and 0.0 <= level <= 1.0:  # the common answer, without the checks below
        return level
    if isinstance(level, bool) or not isinstance(level, numbers.Real) or not 0 <= level <= 1:
        raise PolicyError(f"the policy of {host.name} answered {level!r} as its hedging target; "
                          f"a number from 0 to 1 is accepted", policy, "hedging")  # fmt: skip
    return float(level)


class Observer:
    """Watches a run without changing it (dashboard, scoring, benchmarks): told after each
    phase of a round and after the round."""

    def phase_done(self, model, phase: str) -> None:
        pass

    def after_round(self, model) -> None:
        pass
