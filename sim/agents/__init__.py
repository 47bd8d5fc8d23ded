"""The agents: one module per class."""

from sim.agents.host import Host
from sim.agents.patron import Patron
from sim.agents.public import News, Public
from sim.agents.rival import Rival

__all__ = ["Host", "Patron", "Public", "News", "Rival"]
