"""The parameter table of docs/ODD.md, generated from the scenario schema (sim/schema.py) and
the baseline scenario, so that defaults, units, baseline values and sources cannot drift.

`python -m sim.docs` rewrites the block between the markers in docs/ODD.md; `--check` exits 1
if it is out of date. A key's source is the baseline file's comment on its line, else the
comment lines just above it, else the comment of the nearest key holding it.
"""

from __future__ import annotations

import argparse
import re
import sys
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from sim.config import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE, ODD = ROOT / "configs/scenarios/baseline_2019.yaml", ROOT / "docs/ODD.md"
START, END = "<!-- parameters:start -->", "<!-- parameters:end -->"
UNSET, UNCOMMENTED = "default (see section 7)", "baseline file, no comment (see section 7)"
UNDESCRIBED = {  # (unit, meaning) of the fields the schema leaves undescribed
    "name": ("name", "the scenario's name"), "description": ("text", "what the scenario is"),
    "information": ("-", "complete: each side knows the other's reservation; else estimates it"),
    "date": ("date", "the day of the event"), "host": ("key", "the host it concerns"),
}  # fmt: skip
CLASS, DICT, LIST = object(), "<each key>", "<each item>"


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def leaves(model: type[BaseModel], path: str = "", steps: tuple = (), parent: Any = CLASS
           ) -> Iterator[tuple[str, tuple, Any, Any]]:  # fmt: skip
    """(key path, steps from a Scenario, field, default) of every leaf of the schema."""
    for name, field in model.model_fields.items():
        kind, here, route = field.annotation, f"{path}.{name}".lstrip("."), (*steps, name)
        args = [a for a in typing.get_args(kind) if a is not type(None)]
        kind = args[0] if isinstance(kind, types.UnionType) and len(args) == 1 else kind
        origin, inner = typing.get_origin(kind), (typing.get_args(kind) or [None])[-1]
        # the class default, or the value inside a default object (the patron's boulware) or None
        own = field.get_default(call_default_factory=True) if parent is CLASS else getattr(
            parent, name, None)  # fmt: skip
        if origin in (dict, list) and _is_model(inner):
            mark, step = (f".<{name.removesuffix('s')}>", DICT) if origin is dict else ("[]", LIST)
            yield from leaves(typing.cast(type[BaseModel], inner), here + mark, (*route, step))
        elif _is_model(kind):
            default = CLASS if own is PydanticUndefined else own
            yield from leaves(typing.cast(type[BaseModel], kind), here, route, default)
        else:
            yield here, route, field, own


def instances(node: Any, steps: tuple, at: tuple = (), label: str = "") -> list[tuple]:
    """(concrete path, label like 'south_korea[0]', value) of each instance of a leaf."""
    if not steps:
        return [(at, label, node)]
    step, rest = steps[0], steps[1:]
    if step not in (DICT, LIST):
        return [] if node is None else instances(getattr(node, step), rest, (*at, step), label)
    keys = list(node) if step == DICT else range(len(node))
    tag = (lambda k: f"{label}.{k}".lstrip(".")) if step == DICT else lambda k: f"{label}[{k}]"
    return [x for k in keys for x in instances(node[k], rest, (*at, k), tag(k))]


def yaml_comments(text: str) -> tuple[dict[tuple, str], dict[tuple, int]]:
    """(comment of each commented path, line of each path the file sets): the structure comes
    from the YAML parser, the comments are read line by line."""
    lines, comments, set_at = text.splitlines(), {}, {}

    def comment(n: int) -> str:
        cut = re.search(r"(?:^|\s)#", lines[n])  # quotes are not looked into: no '#' in values
        if cut:
            return lines[n][cut.end() :].strip()
        above: list[str] = []
        while n > 0 and re.match(r"\s+#", lines[n - 1]):  # indented comment lines just above
            n -= 1
            above.insert(0, lines[n].strip().lstrip("#").strip())
        return " ".join(above)

    def visit(node: yaml.Node, path: tuple) -> None:
        if not isinstance(node, yaml.CollectionNode):
            return
        if isinstance(node, yaml.MappingNode):
            children = [(key.value, value, key) for key, value in node.value]
        else:  # a list: the item is its own mark
            children = [(i, item, item) for i, item in enumerate(node.value)]
        for key, child, mark in children:
            at, line = (*path, key), mark.start_mark.line
            set_at[at] = line
            if note := comment(line):
                comments[at] = note
            visit(child, at)

    root = yaml.compose(text)
    if root is not None:
        visit(root, ())
    return comments, set_at


def source(path: tuple, comments: dict[tuple, str], set_at: dict[tuple, int]) -> str:
    """The comment on a concrete key path, or on the nearest key holding it ('on `key`: ...'
    when that comment is on another line)."""
    held = next((path[:n] for n in range(len(path), 0, -1) if path[:n] in comments), None)
    if path not in set_at or held is None:
        return UNSET if path not in set_at else UNCOMMENTED
    name = held[-1] if isinstance(held[-1], str) else f"{held[-2]}[{held[-1]}]"
    return ("" if set_at[held] == set_at[path] else f"on `{name}`: ") + comments[held]


def _fmt(value: Any) -> str:
    if value is None or value is PydanticUndefined:
        return "none" if value is None else "required"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_fmt(v)}" for k, v in value.items()) or "{}"
    if isinstance(value, list):
        return ", ".join(_fmt(v) for v in value) or "[]"
    return str(value) or '""'


def _per_instance(pairs: list[tuple[str, str]]) -> str:
    """'text' (or 'each: text') if all instances agree, else 'label, label: text; ...'."""
    labels: dict[str, list[str]] = {}
    for label, text in pairs:
        labels.setdefault(text, []).append(label)
    if len(labels) == 1 and (len(pairs) > 1 or not pairs[0][0]):
        return ("each: " if len(pairs) > 1 else "") + pairs[0][1]
    return "; ".join(f"{', '.join(ls)}: {text}" for text, ls in labels.items()) or "—"


def parameter_table(scenario_path: Path = BASELINE) -> str:
    """The Markdown table of every parameter: key path, default, unit, meaning, baseline, source."""
    scenario = load_scenario(scenario_path)
    comments, set_at = yaml_comments(Path(scenario_path).read_text())
    head = ("key path", "default", "unit", "meaning", "baseline value(s)", "source")
    rows = ["| " + " | ".join(head) + " |", "|---" * len(head) + "|"]
    for path, steps, field, default in leaves(Scenario):
        described = re.match(r"(.*?)\s*\[([^\]]*)\]\s*$", field.description or "")
        unit, meaning = described.group(2, 1) if described else UNDESCRIBED[steps[-1]]
        found = instances(scenario, steps)
        values = _per_instance([(label, _fmt(v)) for _, label, v in found])
        sources = _per_instance([(label, source(at, comments, set_at)) for at, label, _ in found])
        cells = [f"`{path}`", _fmt(default), unit, meaning, values, sources if found else UNSET]
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(rows) + "\n"


def current_block(text: str) -> str:
    """The parameter block of an ODD text, markers included ('' if it has none)."""
    found = re.search(re.escape(START) + ".*?" + re.escape(END), text, flags=re.S)
    return found.group(0) if found else ""


def main(argv: list[str] | None = None) -> int:
    cli = argparse.ArgumentParser(prog="python -m sim.docs", description=__doc__.split("\n")[0])
    cli.add_argument("--check", action="store_true", help="exit 1 if the block is out of date")
    cli.add_argument("--odd", type=Path, default=ODD, help="the ODD file (docs/ODD.md)")
    args = cli.parse_args(argv)
    text, fresh = args.odd.read_text(), f"{START}\n{parameter_table()}{END}"
    old = current_block(text)
    if not old or (args.check and old != fresh):
        print(f"{args.odd}: parameter block missing or out of date: run python -m sim.docs")
        return 1
    if old != fresh:
        args.odd.write_text(text.replace(old, fresh))
    return 0


if __name__ == "__main__":
    sys.exit(main())
