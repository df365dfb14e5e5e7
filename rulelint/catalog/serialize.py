"""Rules to compact JSON and back: the catalog stores each parsed rule once, so an incremental
build reuses unchanged files without parsing them again."""

from __future__ import annotations

import json
from typing import Any

from rulelint.model import And, AttackTag, Node, Not, Or, Predicate, Rule

# Predicate as a list: [field, canonical_field, operator, value, line, how, raw_value, group, cased]


def node_to_data(node: Node | None) -> Any:
    if node is None:
        return None
    if isinstance(node, Predicate):
        raw = None if node.raw_value == node.value else node.raw_value
        return [
            node.field,
            node.canonical_field,
            node.operator,
            node.value,
            node.line,
            node.how,
            raw,
            node.group,
            1 if node.cased else 0,
        ]
    if isinstance(node, Not):
        return {"n": node_to_data(node.child)}
    if isinstance(node, And):
        data: dict[str, Any] = {"a": [node_to_data(c) for c in node.children]}
        if node.kind != "and":
            data["k"] = node.kind
        return data
    return {"o": [node_to_data(c) for c in node.children]}


def data_to_node(data: Any) -> Node | None:
    if data is None:
        return None
    if isinstance(data, list):
        field, canonical, operator, value, line, how, raw, group, cased = data
        return Predicate(
            field=field,
            canonical_field=canonical,
            operator=operator,
            value=value,
            line=line,
            how=how,
            raw_value=value if raw is None else raw,
            group=group,
            cased=bool(cased),
        )
    if "n" in data:
        child = data_to_node(data["n"])
        assert child is not None
        return Not(child)
    if "a" in data:
        return And(
            [c for c in (data_to_node(x) for x in data["a"]) if c is not None], data.get("k", "and")
        )
    return Or([c for c in (data_to_node(x) for x in data["o"]) if c is not None])


def rule_to_json(rule: Rule) -> str:
    data = {
        "id": rule.id,
        "vendor": rule.vendor,
        "path": rule.path,
        "title": rule.title,
        "language": rule.language,
        "status": rule.status,
        "level": rule.level,
        "techniques": rule.techniques,
        "tactics": rule.tactics,
        "platforms": rule.platforms,
        "events": rule.events,
        "tags": [[t.raw, t.kind, t.id, t.line] for t in rule.attack_tags],
        "line": rule.line,
        "deprecated": rule.deprecated,
        "notes": rule.notes,
        "extra": rule.extra,
        "expr": node_to_data(rule.expression),
    }
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True, default=str)


def rule_from_json(text: str) -> Rule:
    data = json.loads(text)
    return Rule(
        id=data["id"],
        vendor=data["vendor"],
        path=data["path"],
        title=data["title"],
        expression=data_to_node(data["expr"]),
        language=data["language"],
        status=data["status"],
        level=data["level"],
        techniques=data["techniques"],
        tactics=data["tactics"],
        platforms=data["platforms"],
        events=data["events"],
        attack_tags=[AttackTag(*tag) for tag in data["tags"]],
        line=data["line"],
        deprecated=data["deprecated"],
        notes=data["notes"],
        extra=data.get("extra") or {},
    )
