"""A student's entries: a strategy that splits the difference, and a patron that never walks out."""

from sim.policies import PRESS, Policy, register_policy
from sim.strategies import Strategy, register


@register
class MeetHalfway(Strategy):
    """Offers the midpoint of its own last offer and the other side's last offer."""

    name = "meet_halfway"
    source = "a seminar exercise: split the difference"
    parameters = {"weight": 0.5}  # share of the gap to the other side's last offer conceded
    classifier = {"stochastic": False, "memory": 1, "uses_time": False}

    def target(self, s):
        own = s.own_offers[-1] if s.own_offers else s.anchor
        other = s.opponent_offers[-1] if s.opponent_offers else own
        return own + self.params["weight"] * (other - own)


@register_policy
class NoWalkouts(Policy):
    """The agents' own choices, except that the patron never walks out of the talks."""

    name = "no_walkouts"

    def choose(self, model, actor, decision, table, values):
        if decision == PRESS:
            values = {move: value for move, value in values.items() if move != "walkout"}
        return super().choose(model, actor, decision, table, values)
