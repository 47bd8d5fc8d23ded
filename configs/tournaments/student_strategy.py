"""A student's entry: split the difference with the other side's last offer."""

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
