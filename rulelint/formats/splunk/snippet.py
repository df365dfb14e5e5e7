"""The missing-exclusion fix written in SPL: a ``| search NOT ...`` line for the rule's pipeline.

It goes before the trailing ``..._filter`` macro, where security_content's detections filter
their results, so each field is named as the search names it at that point: the reader records
(``extra["fix_fields"]``) which name holds which source field at the end of the pipeline, e.g.
``parent_process_name`` after ``drop_dm_object_name(Processes)``, ``Processes.parent_process_name``
without it, ``SourceImage`` in a raw Sysmon search. A field the pipeline no longer carries (an
aggregation dropped it) cannot be filtered there: no line is written for it. Rules read without
that record (older caches) fall back to the catalog's spelling, CIM prefix removed.
"""

from __future__ import annotations

from collections.abc import Mapping

from rulelint.formats.base import ExclusionFix
from rulelint.formats.splunk.spl import unescape
from rulelint.model import Rule
from rulelint.vocab.fields import name_path_pairs

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


#: The wildcard sides an operator already implies (a peer's SPL display keeps its ``*``).
SIDES = {"contains": "both", "starts_with": "end", "ends_with": "start"}


def display_value(fix: ExclusionFix) -> str | None:
    """The value in its original case, without SPL escaping or the wildcards the operator adds:
    a Splunk peer's display is SPL as written (``*\\\\program files*``), a Sigma peer's is not.
    The canonical value when neither reading of the display matches it."""
    canonical = fix.value
    if fix.display_value is None:
        return canonical
    side = SIDES.get(fix.operator)
    for candidate in (fix.display_value, unescape(fix.display_value)):
        bare = candidate
        if side in ("both", "start") and bare.startswith("*"):
            bare = bare[1:]
        if side in ("both", "end") and bare.endswith("*"):
            bare = bare[:-1]
        folded = bare.casefold()
        if canonical is None or folded == canonical:
            return bare
        if canonical.startswith("?:") and folded[1:] == canonical[1:]:  # any drive letter
            return bare
    return canonical


def fix_field(fix: ExclusionFix, rule: Rule | None) -> tuple[str, str, str | None] | None:
    """(field, operator, value) as this rule can write the exclusion, or None when its
    pipeline no longer carries the field. A name exclusion (``process.name eq x.exe``) on a
    rule that carries only the path (``SourceImage``) is written as ``ends with \\x.exe``."""
    value = display_value(fix)
    names = rule.extra.get("fix_fields") if rule is not None else None
    if not isinstance(names, Mapping):
        return _field(fix.field or fix.canonical_field), fix.operator, value
    found = names.get(fix.canonical_field)
    if isinstance(found, str):
        return found, fix.operator, value
    path = name_path_pairs().get(fix.canonical_field)
    if path is not None and isinstance(names.get(path), str) and fix.operator == "eq" and value:
        return str(names[path]), "ends_with", "\\" + value
    if rule is not None and rule.extra.get("fix_fields_open"):
        for predicate in rule.predicates():  # as the search itself spells the field
            if predicate.canonical_field == fix.canonical_field and predicate.field:
                return predicate.field, fix.operator, value
        return _field(fix.field or fix.canonical_field), fix.operator, value
    return None


def exclusion_term(fix: ExclusionFix, rule: Rule | None = None) -> str | None:
    written = fix_field(fix, rule)
    if written is None:
        return None
    field, operator, value = written
    if operator in WILDCARDS and value is not None:
        return f"{field}={_quote(WILDCARDS[operator].format(value))}"
    if operator in ("gt", "ge", "lt", "le") and value is not None:
        symbol = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}[operator]
        return f"{field}{symbol}{value}"
    if operator == "is_not_null":
        return f"{field}=*"
    return None


def exclusion_snippet(rule: Rule, fixes: list[ExclusionFix]) -> str | None:
    terms = [term for term in (exclusion_term(f, rule) for f in fixes) if term]
    if not terms:
        return None
    return "| search NOT " + " NOT ".join(terms)
