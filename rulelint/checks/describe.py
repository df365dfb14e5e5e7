"""Predicates as the author would write them, for messages."""

from __future__ import annotations

import re

from rulelint.model import Predicate

NEGATED = re.compile(r"^\s*(?:!|not\b)|!=|<>|\bnot\b", re.IGNORECASE)

OPERATOR_WORDS = {
    "eq": "==",
    "ne": "!=",
    "contains": "contains",
    "starts_with": "starts with",
    "ends_with": "ends with",
    "wildcard": "matches",
    "regex_match": "matches regex",
    "match": "matches",
    "cidr_match": "in CIDR",
    "in_list": "in list",
    "is_null": "is null",
    "is_not_null": "exists",
    "gt": ">",
    "ge": ">=",
    "lt": "<",
    "le": "<=",
}


def written(
    raw_field: str | None, how: str, display: str | None, canonical: tuple[str, str, str]
) -> str:
    """``Image|endswith: '\\net.exe'`` for Sigma-style keys, ``field how value`` otherwise."""
    value = display if display is not None else canonical[2]
    if how and raw_field and how.startswith(raw_field) and ("|" in how or how == raw_field):
        return f"{how}: '{value}'" if value is not None else f"{how}: null"
    if how == "keyword":
        return f"keyword '{value}'"
    if raw_field:
        # a reader without a vendor spelling records the canonical operator ("eq", "in_list"):
        # word it as every canonical operator is worded
        operator = OPERATOR_WORDS.get(how, how) if how else ""
        operator = operator or OPERATOR_WORDS.get(canonical[1], canonical[1])
        if NEGATED.search(operator):  # a negated comparison names what it excludes: say that
            operator = OPERATOR_WORDS.get(canonical[1], canonical[1])
        return f"{raw_field} {operator} '{value}'" if value else f"{raw_field} {operator}"
    return canonical_text(canonical)


def describe(predicate: Predicate) -> str:
    return written(predicate.field, predicate.how, predicate.display_value, predicate.key)


def canonical_text(key: tuple[str, str, str]) -> str:
    field, operator, value = key
    if operator in ("is_null", "is_not_null"):
        return f"{field} {OPERATOR_WORDS[operator]}"
    return f"{field} {operator} '{value}'"
