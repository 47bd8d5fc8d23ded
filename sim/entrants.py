"""A tournament's entrants: a registry strategy with its parameters and its seat's decision
policy, and the Python files from which students' strategies and policies join, each loaded
from its path (in the tournament's process, and again in each process that plays a pairing).
"""

from __future__ import annotations

import hashlib
import importlib.util
import sys
from pathlib import Path
from typing import Any

from pydantic import Field

from sim import isolation
from sim.config import StrategyChoice
from sim.policies import POLICIES
from sim.strategies import STRATEGIES

LOAD_SECONDS = 10.0  # to import a strategy file, and for each rehearsal


class Entrant(StrategyChoice):
    """A strategy from the registry, its parameters, the decision policy of its seat, and the
    label it plays under."""

    policy: str | None = Field(
        None, min_length=1, description="a registered Policy for the seat's other decisions (default: the agents' own)"
    )
    label: str | None = Field(None, description="its name in the tables (default: name(params) + policy)")

    @property
    def shown(self) -> str:
        if self.label:
            return self.label
        params = ", ".join(f"{k}={v:g}" for k, v in self.params.items())
        strategy = f"{self.name}({params})" if params else self.name
        return f"{strategy} + {self.policy}" if self.policy else strategy


def module_name(file: Path) -> str:
    """The module a strategy file loads as: one name per path, whichever process loads it."""
    return "allysim_entrant_" + hashlib.sha256(str(file.resolve()).encode()).hexdigest()[:12]


def load_strategy_file(file: Path) -> list[str]:
    """Import a Python file by its path; its `@register` adds strategies and its
    `@register_policy` decision policies. Returns the names it adds."""
    name = module_name(file)
    registries: tuple[dict[str, Any], ...] = (STRATEGIES, POLICIES)
    before = [dict(registry) for registry in registries]

    def restore() -> None:
        for registry, old in zip(registries, before, strict=True):
            registry.clear()
            registry.update(old)

    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ValueError(f"{file.name} does not load: not a Python file")
    module = importlib.util.module_from_spec(spec)
    try:
        with isolation.time_limit(LOAD_SECONDS, "loading it"):
            spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:  # sys.exit() in a file ends its loading, not the tournament
        restore()
        fault = isolation.describe(exc, [file])
        raise ValueError(f"{file.name} does not load: {fault.reason} ({fault.where})") from None
    sys.modules[name] = module  # its classes pickle by reference, as a package's do
    mine, taken = [], []
    for registry, old in zip(registries, before, strict=True):
        added = [n for n, cls in registry.items() if cls.__module__ == name]
        mine += added
        taken += [n for n in added if n in old and old[n].__module__ != name]
    both = [n for n in mine if n in STRATEGIES and n in POLICIES]  # an entrant's `name` and `policy` must differ
    if taken or both:
        restore()
        if taken:
            raise ValueError(f"{file.name} registers {taken[0]!r}, a name already taken; choose another")
        raise ValueError(f"{file.name} registers {both[0]!r}, the name of both a strategy and a policy; "
                         f"give one another name")  # fmt: skip
    if not mine:
        raise ValueError(f"{file.name} registers no strategy (decorate a Strategy subclass with @register) "
                         f"and no policy (a Policy subclass with @register_policy)")  # fmt: skip
    return mine


def ensure_loaded(files: list[Path], registered: dict[str, list[str]]) -> None:
    """Load each strategy file whose names (`registered`: path -> names) this process lacks."""
    for file in files:
        name = module_name(file)
        names = registered.get(str(file.resolve()), [])
        here = [n for n in names if getattr(STRATEGIES.get(n) or POLICIES.get(n), "__module__", None) == name]
        if not names or len(here) < len(names):
            load_strategy_file(file)


def digest(files: list[Path]) -> str:
    """A hash of the files' contents: a tournament resumed with a changed file is another one."""
    sha = hashlib.sha256()
    for file in files:
        sha.update(str(file.resolve()).encode() + b"\0" + file.read_bytes() + b"\0")
    return sha.hexdigest()[:16]
