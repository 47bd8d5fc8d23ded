"""Scenario files: YAML loading with `extends:` chains, `--set` overrides and dotted-key
changes, and errors that name the file, the key path and what is accepted. The schema itself
(every parameter with its unit) is in `sim/schema.py`; its classes are importable from here.

Input is bounded, so that no file can hang a check or fill the memory: a YAML file holds at
most MAX_FILE_BYTES of UTF-8 text, MAX_NODES values nested at most MAX_DEPTH deep, and no
aliases (`&anchor` / `*alias`: write the values out); an `extends:` chain is at most
MAX_EXTENDS files long. A relative `extends:` (and a tournament's relative `strategy_files:`)
is read only from the folder tree of the file named on the command line; a file elsewhere is
read only when named by an absolute path. Every value an error echoes is cut to a short excerpt.
"""

from __future__ import annotations

import copy
import difflib
import math
import os
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from sim.schema import (  # noqa: F401  (re-exported: the loaders' users need the schema too)
    EXCERPT,
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
    excerpt,
    plain_name,
)

MAX_FILE_BYTES = 1_000_000  # the shipped files are a few kB
MAX_NODES = 100_000  # values (scalars, lists, mappings) in one document
MAX_DEPTH = 40  # nesting of lists and mappings
MAX_EXTENDS = 20  # files in one `extends:` chain


def _one_line(text: str, limit: int = 300) -> str:
    text = str(text).replace("\r", " ").replace("\n", " ")
    return text if len(text) <= limit else text[: limit - 3] + "..."


class ScenarioError(Exception):
    """A scenario that cannot be used: one line naming the file, the key path, what is accepted."""

    def __init__(self, file: str | Path, key_path: str, message: str):
        # a message may list every key accepted at its place (a host has 30): none is cut off
        self.file, self.key_path, self.message = _one_line(str(file)), _one_line(key_path, 120), _one_line(message, 800)
        where = f"{self.file}: {self.key_path}: " if key_path else f"{self.file}: "
        super().__init__(where + self.message)


# ---------------------------------------------------------------- loading


class BoundedLoader(yaml.SafeLoader):
    """yaml.SafeLoader without aliases, with at most MAX_NODES values nested at most MAX_DEPTH
    deep, and with impossible dates (2019-02-30) reported at their line like any YAML error."""

    def __init__(self, stream):
        super().__init__(stream)
        self._nodes = 0
        self._depth = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, "aliases (*name) are not accepted; write the value out", self.peek_event().start_mark
            )
        event = self.peek_event()
        if getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, "anchors (&name) are not accepted; write the value out", event.start_mark
            )
        self._nodes += 1
        if self._nodes > MAX_NODES:
            raise yaml.composer.ComposerError(None, None, f"more than {MAX_NODES:,} values", event.start_mark)
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, f"nested deeper than {MAX_DEPTH} levels", event.start_mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        """A mapping whose keys are all different: a key given twice is an error at its second
        line (PyYAML would keep the last value in silence)."""
        if isinstance(node, yaml.MappingNode):
            seen: dict[Any, int] = {}
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.get(key)
                except TypeError:  # an unhashable key: PyYAML's own error follows
                    break
                if first is not None:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"the key {excerpt(str(key))} is given twice (first on line {first + 1})",
                        key_node.start_mark,
                    )
                seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep)

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except (ValueError, OverflowError):
            raise yaml.constructor.ConstructorError(
                None, None, f"{excerpt(node.value)} is not a date (YYYY-MM-DD)", node.start_mark
            ) from None


BoundedLoader.add_constructor("tag:yaml.org,2002:timestamp", BoundedLoader.construct_yaml_timestamp)


def parse_yaml(text: str) -> Any:
    """The document in `text`, read by the BoundedLoader (yaml.YAMLError on any problem)."""
    loader = BoundedLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def _yaml_problem(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
    return f"invalid YAML: {where}{getattr(exc, 'problem', None) or exc}"


def read_text(path: Path) -> str:
    """The UTF-8 text of a file of at most MAX_FILE_BYTES, or a ScenarioError saying why not."""
    try:
        if not path.is_file():
            raise ScenarioError(path, "", "file not found")
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ScenarioError(path, "", f"file too large ({size:,} bytes; at most {MAX_FILE_BYTES:,})")
        with open(path, "rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError(path, "", f"cannot read it: {exc.strerror or exc}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise ScenarioError(path, "", f"file too large (more than {MAX_FILE_BYTES:,} bytes)")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ScenarioError(
            path, "", f"not UTF-8 text (byte 0x{raw[exc.start]:02x} at offset {exc.start}): save it as UTF-8"
        ) from None


def _read_yaml(path: Path) -> dict:
    text = read_text(path)
    try:
        data = parse_yaml(text)
    except yaml.YAMLError as exc:
        raise ScenarioError(path, "", _yaml_problem(exc)) from None
    if not isinstance(data, dict):
        raise ScenarioError(path, "", "a scenario must be a YAML mapping of keys to values")
    return data


def named_file(name: Any, folder: Path, source: Path, key: str, tree: Path | None = None) -> Path:
    """The file a YAML value names, relative to `folder` (or absolute). With `tree`, a relative
    name must stay inside that folder tree: a file elsewhere is read only by its absolute path."""
    if not isinstance(name, str) or not name.strip():
        raise ScenarioError(source, key, "expected the path of a file (a string)")
    if "\0" in name or len(name) > 4096:
        raise ScenarioError(source, key, f"{excerpt(name)} is not a path (a NUL character, or too long)")
    path = Path(os.path.expanduser(name)) if name.startswith("~") else Path(name)
    if path.is_absolute():
        return path
    resolved = (folder / path).resolve()
    if tree is not None and not resolved.is_relative_to(tree.resolve()):
        raise ScenarioError(
            source, key, f"{excerpt(name)} lies outside {tree}; name a file elsewhere by its absolute path"
        )
    return resolved


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
    """The file's mapping with its `extends:` chain merged in (parents first). A relative
    `extends:` stays inside the folder tree of the chain's first file."""
    path = path.resolve()
    if path in _seen:
        chain = " -> ".join(p.name for p in (*_seen, path))
        raise ScenarioError(_seen[0], "extends", f"extends loop: {chain}")
    if len(_seen) >= MAX_EXTENDS:
        raise ScenarioError(_seen[0], "extends", f"an extends chain longer than {MAX_EXTENDS} files")
    data = _read_yaml(path)
    parent = data.pop("extends", None)
    if parent is None:
        return data
    tree = (_seen[0] if _seen else path).parent
    base = resolve_extends(named_file(parent, path.parent, path, "extends", tree), (*_seen, path))
    return deep_merge(base, data)


def apply_override(data: dict, assignment: str, source: str) -> dict:
    """Set `a.b.c=value` (value read as YAML) in a copy of data."""
    if "=" not in assignment:
        raise ScenarioError(source, assignment, "a --set needs the form key.path=value")
    key_path, raw = assignment.split("=", 1)
    if len(raw) > 10_000:
        raise ScenarioError(source, key_path.strip(), f"a --set value of at most 10,000 characters (got {len(raw):,})")
    try:
        value = parse_yaml(raw)
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


def explain(exc: ValidationError, root: type[BaseModel] | None = None) -> tuple[str, str]:
    """(key path, message) of a pydantic validation's first error, or of its first unknown key if
    it has one: a misspelt key is also a required key missing, and the misspelling is the news."""
    root = root or Scenario
    errors = exc.errors()
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    key_path = ".".join(str(p) for p in loc)
    more = len(errors) - 1
    tail = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    if err["type"] == "extra_forbidden":
        parent = _model_at(root, loc[:-1])
        accepted = ", ".join(parent.model_fields) if parent else "see docs/ODD.md"
        close = difflib.get_close_matches(str(loc[-1]), list(parent.model_fields), n=1) if parent and loc else []
        hint = f"did you mean {close[0]}? " if close else ""
        return key_path, f"unknown key; {hint}accepted keys here: {accepted}{tail}"
    if err["type"] == "missing":
        return key_path, f"required key is missing{tail}"
    message = err["msg"].removeprefix("Value error, ")
    if "input" in err and err["type"] not in ("value_error",) and not isinstance(err["input"], dict):
        message += f" (got {excerpt(err['input'])})"
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
    return scenario_from_data(resolve_extends(path), path, overrides, merge)


def scenario_from_data(
    data: dict, path: str | Path, overrides: list[str] | tuple[str, ...] = (), merge: dict[str, Any] | None = None
) -> Scenario:
    """`load_scenario` on a file's mapping already read (its `extends:` resolved), so that a
    reader of a richer file (a calibration case) can take its own keys out first and leave the
    rest to the same merging, overrides, validation and error messages."""
    path = Path(path)
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
    """A copy of `scenario` with dotted key paths set: {'patron.transactionalism': 0.3}."""
    data = scenario.model_dump(mode="json")  # a fresh structure: set values in place
    for key_path, value in changes.items():
        node, keys = data, key_path.split(".")
        for key in keys[:-1]:
            if not isinstance(node.get(key), dict):
                node[key] = {}
            node = node[key]
        node[keys[-1]] = value
    return validate(Scenario, data, "<changes>")
