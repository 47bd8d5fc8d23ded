"""Scenario files: YAML loading with `extends:` chains, `--set` overrides and dotted-key
changes, and errors that name the file, the key path and what is accepted. The schema itself
(every parameter with its unit) is in `sim/schema.py`; its classes are importable from here.
"""

from __future__ import annotations

import copy
import math
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.schema import (  # noqa: F401  (re-exported: the loaders' users need the schema too)
    AdministrationChange,
    Calendar,
    Coercion,
    Election,
    ElectoralPressure,
    Evidence,
    FloorBill,
    Group,
    Hedging,
    Host,
    Linkage,
    Modules,
    Part,
    Patron,
    PlainName,
    Posture,
    Public,
    Reactions,
    Rival,
    Scenario,
    SecurityShock,
    Shocks,
    Stalling,
    StrategyChoice,
    Threat,
    Walkout,
    plain_name,
)


class ScenarioError(Exception):
    """A scenario that cannot be used: one line naming the file, the key path, what is accepted."""

    def __init__(self, file: str | Path, key_path: str, message: str):
        self.file, self.key_path, self.message = str(file), key_path, message
        where = f"{self.file}: {key_path}: " if key_path else f"{self.file}: "
        super().__init__(where + message)


# ---------------------------------------------------------------- loading


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ScenarioError(path, "", "file not found")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise ScenarioError(path, "", f"invalid YAML: {where}{getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise ScenarioError(path, "", "a scenario must be a YAML mapping of keys to values")
    return data


def deep_merge(base: dict, top: dict) -> dict:
    """`top` over `base`: mappings merge key by key, everything else replaces; an empty
    mapping replaces too (`params: {}`), and `null` over a mapping removes it
    (`hosts: {japan: null}` drops a host)."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        if value is None and isinstance(out.get(key), dict):
            del out[key]
        elif isinstance(value, dict) and value and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def resolve_extends(path: Path, _seen: tuple[Path, ...] = ()) -> dict:
    """The file's mapping with its `extends:` chain merged in (parents first)."""
    path = path.resolve()
    if path in _seen:
        chain = " -> ".join(p.name for p in (*_seen, path))
        raise ScenarioError(_seen[0], "extends", f"extends loop: {chain}")
    data = _read_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    if not isinstance(parent, str):
        raise ScenarioError(path, "extends", "expected the path of a scenario file (a string)")
    base = resolve_extends(path.parent / parent, (*_seen, path))
    return deep_merge(base, data)


def apply_override(data: dict, assignment: str, source: str) -> dict:
    """Set `a.b.c=value` (value read as YAML) in a copy of data."""
    if "=" not in assignment:
        raise ScenarioError(source, assignment, "a --set needs the form key.path=value")
    key_path, raw = assignment.split("=", 1)
    try:
        value = yaml.safe_load(raw)
    except yaml.YAMLError:
        value = raw
    out = copy.deepcopy(data)
    node = out
    keys = key_path.strip().split(".")
    for key in keys[:-1]:
        if not isinstance(node.get(key), dict):
            node[key] = {}
        node = node[key]
    node[keys[-1]] = value
    return out


def _model_at(model: type[BaseModel], loc: tuple) -> type[BaseModel] | None:
    """The pydantic model class that sits at `loc` inside `model`, if any."""
    current: Any = model
    for part in loc:
        if isinstance(current, type) and issubclass(current, BaseModel):
            field = current.model_fields.get(str(part))
            if field is None:
                return None
            current = field.annotation
        elif typing.get_origin(current) is dict:
            current = typing.get_args(current)[1]
        elif typing.get_origin(current) is list:
            current = typing.get_args(current)[0]
        else:
            args = [a for a in typing.get_args(current) if a is not type(None)]
            current = args[0] if len(args) == 1 else None
            if current is None:
                return None
            if isinstance(current, type) and issubclass(current, BaseModel):
                field = current.model_fields.get(str(part))
                current = field.annotation if field else None
    args = [a for a in typing.get_args(current) if a is not type(None)]
    if args and len(args) == 1:
        current = args[0]
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def field_bounds(key_path: str) -> tuple[float, float]:
    """The (low, high) a numeric parameter accepts, from its schema (infinite where open)."""
    low, high = -math.inf, math.inf
    parts = tuple(key_path.split("."))
    model = _model_at(Scenario, parts[:-1])
    field = model.model_fields.get(parts[-1]) if model else None
    for rule in field.metadata if field else ():
        for attr, is_low in (("ge", True), ("gt", True), ("le", False), ("lt", False)):
            value = getattr(rule, attr, None)
            if value is not None:
                if is_low:
                    low = max(low, value)
                else:
                    high = min(high, value)
    return low, high


def explain(exc: ValidationError, root: type[BaseModel] = None) -> tuple[str, str]:
    """(key path, message) of the first error of a pydantic validation."""
    root = root or Scenario
    err = exc.errors()[0]
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    key_path = ".".join(str(p) for p in loc)
    more = len(exc.errors()) - 1
    tail = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    if err["type"] == "extra_forbidden":
        parent = _model_at(root, loc[:-1])
        accepted = ", ".join(parent.model_fields) if parent else "see docs/ODD.md"
        return key_path, f"unknown key; accepted keys here: {accepted}{tail}"
    if err["type"] == "missing":
        return key_path, f"required key is missing{tail}"
    message = err["msg"].removeprefix("Value error, ")
    if "input" in err and err["type"] not in ("value_error",) and not isinstance(err["input"], dict):
        message += f" (got {err['input']!r})"
    return key_path, message + tail


def validate[M: BaseModel](model: type[M], data: Any, source: str | Path) -> M:
    """`model` from `data`, or a ScenarioError naming the source, the key path and what is accepted."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        key_path, message = explain(exc, model)
        raise ScenarioError(source, key_path, message) from None


def nest(key_path: str, value: Any) -> dict:
    """{'a.b': v} as {'a': {'b': v}}, for merging like a file that extends another."""
    for key in reversed(key_path.split(".")):
        value = {key: value}
    return value


def load_scenario(
    path: str | Path, overrides: list[str] | tuple[str, ...] = (), merge: dict[str, Any] | None = None
) -> Scenario:
    """Read, merge, override and validate a scenario; raise ScenarioError on any problem.

    `merge` ({'key.path': value}) is merged as an extending file would be; `overrides`
    ('key.path=value') set values as `--set` does.
    """
    path = Path(path)
    data = resolve_extends(path)
    for key, value in (merge or {}).items():
        data = deep_merge(data, nest(key, value))
    for assignment in overrides:
        data = apply_override(data, assignment, f"{path} (--set)")
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        key_path, message = explain(exc)
        for assignment in overrides:
            key = assignment.split("=", 1)[0].strip()
            if key_path == key or key_path.startswith(key + ".") or key.startswith(key_path + "."):
                raise ScenarioError(f"{path} (--set {assignment})", key_path, message) from None
        raise ScenarioError(path, key_path, message) from None


def with_changes(scenario: Scenario, changes: dict[str, Any]) -> Scenario:
    """A copy of `scenario` with dotted key paths set: {'patron.toughness': 0.2}."""
    data = scenario.model_dump(mode="json")  # a fresh structure: set values in place
    for key_path, value in changes.items():
        node, keys = data, key_path.split(".")
        for key in keys[:-1]:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[keys[-1]] = value
    return validate(Scenario, data, "<changes>")
