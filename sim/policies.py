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

from sim import decisions

PRESS, DEADLINE, STALL = "press", "deadline", "stall"


class Policy:
    """The agents' own: choose by quantal response over the options' values."""

    def choose(self, model, actor: str, decision: str, table: str, values: dict[str, float]) -> str:
        return decisions.choose(values, model.config.choice_precision, model.rng)

    def hedging(self, model, host, target: float) -> float:
        """The hedging level it moves toward: the best response of its utility by default."""
        return target


AGENTS = Policy()


class Observer:
    """Watches a run without changing it (dashboard, scoring, benchmarks): told after each
    phase of a round and after the round."""

    def phase_done(self, model, phase: str) -> None:
        pass

    def after_round(self, model) -> None:
        pass
