"""allysim: an agent-based model of alliance cost-sharing negotiations (Mesa 3.5)."""

__version__ = "0.1.0"
