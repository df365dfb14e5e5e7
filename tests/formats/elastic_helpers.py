"""Helpers for the Elastic reader tests: compact views of predicates and trees."""

from __future__ import annotations

from rulelint.formats.elastic.common import QueryContext
from rulelint.model import And, Node, Not, Or, Predicate, exclusions, indicators, simplify


def flat(node: Node | None) -> list[tuple[str | None, str, str, str | None, int]]:
    """(raw field, canonical field, operator, value, line) of every predicate, in order."""
    from rulelint.model import iter_predicates

    return [
        (p.field, p.canonical_field, p.operator, p.value, p.line) for p in iter_predicates(node)
    ]


def keys(predicates: list[Predicate]) -> list[tuple[str, str, str]]:
    return [p.key for p in predicates]


def shape(node: Node | None) -> object:
    """The tree with predicates as ``field op value`` strings: easy to compare."""
    if node is None:
        return None
    if isinstance(node, Predicate):
        return f"{node.canonical_field} {node.operator} {node.value}"
    if isinstance(node, Not):
        return ("not", shape(node.child))
    if isinstance(node, And):
        return (node.kind, *[shape(c) for c in node.children])
    assert isinstance(node, Or)
    return ("or", *[shape(c) for c in node.children])


def context(first_line: int = 1) -> QueryContext:
    return QueryContext(first_line=first_line)


__all__ = ["context", "exclusions", "flat", "indicators", "keys", "shape", "simplify"]
