"""The missing-exclusion fix written in KQL: a ``where`` line to add after the rule's filters."""

from __future__ import annotations

import dataclasses
from functools import cache

from rulelint.formats.base import ExclusionFix
from rulelint.formats.kusto.convert import tables
from rulelint.model import Rule, iter_predicates
from rulelint.vocab.fields import field_map

#: canonical operator -> the negated KQL operator (case-insensitive forms, as rules write them)
NEGATED = {
    "eq": "!~",
    "contains": "!contains",
    "starts_with": "!startswith",
    "ends_with": "!endswith",
}


def _string(value: str) -> str:
    return (
        '@"' + value.replace('"', '""') + '"'
        if "\\" in value
        else '"' + value.replace('"', '\\"') + '"'
    )


def exclusion_line(fix: ExclusionFix) -> str | None:
    value = fix.display_value if fix.display_value is not None else fix.value
    field = fix.field or fix.canonical_field
    if fix.operator in NEGATED and value is not None:
        return f"| where {field} {NEGATED[fix.operator]} {_string(value)}"
    if fix.operator == "regex_match" and value is not None:
        return f"| where not({field} matches regex {_string(value)})"
    if fix.operator == "cidr_match" and value is not None:
        function = "ipv6_is_in_range" if ":" in value else "ipv4_is_in_range"
        return f"| where not({function}({field}, {_string(value)}))"
    if fix.operator in ("gt", "ge", "lt", "le") and value is not None:
        opposite = {"gt": "<=", "ge": "<", "lt": ">=", "le": ">"}[fix.operator]
        return f"| where {field} {opposite} {value}"
    if fix.operator == "is_null":
        return f"| where isnotempty({field})"
    if fix.operator == "is_not_null":
        return f"| where isempty({field})"
    return None


def exclusion_snippet(rule: Rule, fixes: list[ExclusionFix]) -> str | None:
    lines = [line for line in (exclusion_line(_named_for(rule, f)) for f in fixes) if line]
    return "\n".join(lines) if lines else None


def _named_for(rule: Rule, fix: ExclusionFix) -> ExclusionFix:
    """The fix with its field as the rule's own tables name it, when the rule does not test the
    field itself (an AzureActivity rule names the user ``Caller``, not SecurityEvent's
    ``AccountName``)."""
    if any(p.field == fix.field for p in iter_predicates(rule.expression)):
        return fix
    scopes = tuple(scope for event in rule.events for scope in _table_scopes().get(event, ()))
    names = field_map("kusto").scoped_names(fix.canonical_field, scopes)
    return dataclasses.replace(fix, field=names[0]) if names else fix


@cache
def _table_scopes() -> dict[str, tuple[str, ...]]:
    """Event key -> the ``table:X`` scopes of the tables that yield it (kusto_tables.tsv)."""
    found: dict[str, tuple[str, ...]] = {}
    for table in tables().values():
        own = tuple(s for s in table.scopes if s.startswith("table:"))
        found[table.event] = tuple(dict.fromkeys((*found.get(table.event, ()), *own)))
    return found
