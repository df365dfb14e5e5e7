"""The missing-exclusion fix written in SPL: a ``| search NOT ...`` line for the rule's pipeline.

It goes before the trailing ``..._filter`` macro, where security_content's detections filter
their results; after ``drop_dm_object_name`` the data-model prefix (``Processes.``) is gone, so
CIM fields are written without it.
"""

from __future__ import annotations

from rulelint.formats.base import ExclusionFix
from rulelint.model import Rule

#: CIM data-model nodes whose prefix ``drop_dm_object_name`` removes.
CIM_NODES = frozenset(
    {
        "Processes",
        "Filesystem",
        "Registry",
        "Services",
        "Ports",
        "All_Traffic",
        "DNS",
        "Web",
        "Authentication",
        "All_Changes",
        "Account_Management",
        "All_Email",
        "Network_Traffic",
    }
)
WILDCARDS = {"eq": "{}", "contains": "*{}*", "starts_with": "{}*", "ends_with": "*{}"}


def _field(name: str) -> str:
    node, dot, rest = name.partition(".")
    return rest if dot and node in CIM_NODES else name


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def exclusion_term(fix: ExclusionFix) -> str | None:
    value = fix.display_value if fix.display_value is not None else fix.value
    field = _field(fix.field or fix.canonical_field)
    if fix.operator in WILDCARDS and value is not None:
        return f"{field}={_quote(WILDCARDS[fix.operator].format(value))}"
    if fix.operator in ("gt", "ge", "lt", "le") and value is not None:
        symbol = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}[fix.operator]
        return f"{field}{symbol}{value}"
    if fix.operator == "is_not_null":
        return f"{field}=*"
    return None


def exclusion_snippet(rule: Rule, fixes: list[ExclusionFix]) -> str | None:
    terms = [term for term in (exclusion_term(f) for f in fixes) if term]
    if not terms:
        return None
    return "| search NOT " + " NOT ".join(terms)
