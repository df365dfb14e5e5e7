"""The missing-exclusion fix written in SPL: a ``| search NOT ...`` line for the rule's pipeline.

It goes before the trailing ``..._filter`` macro, where security_content's detections filter
their results, so each field is named as the search names it at that point: the reader records
(``extra["fix_fields"]``) which name holds which source field at the end of the pipeline, e.g.
``parent_process_name`` after ``drop_dm_object_name(Processes)``, ``Processes.parent_process_name``
without it, ``SourceImage`` in a raw Sysmon search. A field the pipeline no longer carries (an
aggregation dropped it) cannot be filtered there; it can in the first filtering command (the
``tstats ... where`` clause, the leading search), so the term is written for that place, with the
data model's own name (``Processes.parent_process_name``) and an SPL comment saying where it goes.
Rules read without that record (older caches) fall back to the catalog's spelling, CIM prefix
removed.
"""

from __future__ import annotations

from collections.abc import Mapping

from rulelint.formats.base import ExclusionFix
from rulelint.formats.splunk.spl import unescape
from rulelint.model import Rule
from rulelint.vocab.fields import field_map, name_path_pairs

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


def first_command_field(fix: ExclusionFix, rule: Rule) -> tuple[str, str, str | None] | None:
    """The field as the first filtering command names it: the rule's own spelling when it tests
    the field, else the data model's name (``Processes.x`` for ``Endpoint.Processes``)."""
    value = display_value(fix)
    path = name_path_pairs().get(fix.canonical_field)
    for predicate in rule.predicates():
        if predicate.canonical_field == fix.canonical_field and predicate.field:
            return predicate.field, fix.operator, value
    for predicate in rule.predicates():  # a name exclusion on the path field the search tests
        if path and predicate.canonical_field == path and predicate.field and fix.operator == "eq":
            return predicate.field, "ends_with", "\\" + (value or "")
    datamodel = rule.extra.get("datamodel")
    if isinstance(datamodel, str) and "." in datamodel:
        node = datamodel.rsplit(".", 1)[1] + "."
        for name in field_map("splunk").vendor_names(fix.canonical_field):
            if name.startswith(node):
                return name, fix.operator, value
    return None  # a raw search that never names the field: its spelling is unknown


def first_command_note(rule: Rule) -> str:
    """An SPL comment saying where a term for the first filtering command goes."""
    anchor = rule.extra.get("exclusion_anchor")
    kind = anchor.get("kind") if isinstance(anchor, Mapping) else ""
    line = anchor.get("line") if isinstance(anchor, Mapping) else None
    place = {
        "tstats-where": 'at the end of the tstats where clause, before "by"',
        "tstats": 'in a where clause of the tstats command, before "by"',
    }.get(str(kind), "at the end of the first search, before the first pipe")
    return f"```{place}{f' (line {line})' if line else ''}```"


def term(field: str, operator: str, value: str | None) -> str | None:
    """``field="value"`` with the operator's wildcards, or a comparison; None if SPL has none."""
    if operator in WILDCARDS and value is not None:
        return f"{field}={_quote(WILDCARDS[operator].format(value))}"
    if operator in ("gt", "ge", "lt", "le") and value is not None:
        symbol = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}[operator]
        return f"{field}{symbol}{value}"
    if operator == "is_not_null":
        return f"{field}=*"
    return None


def exclusion_term(fix: ExclusionFix, rule: Rule | None = None) -> str | None:
    """The term for the ``| search NOT`` line, or None when the pipeline no longer has the field."""
    written = fix_field(fix, rule)
    return term(*written) if written is not None else None


def exclusion_snippet(rule: Rule, fixes: list[ExclusionFix]) -> str | None:
    at_end: list[str] = []
    at_start: list[str] = []
    for fix in fixes:
        at_pipeline_end = fix_field(fix, rule)
        if at_pipeline_end is not None:  # the field is still there: a `| search NOT` term
            found = term(*at_pipeline_end)
            if found is not None:
                at_end.append(found)
            continue
        written = first_command_field(fix, rule)  # dropped by an aggregation: filter earlier
        early = term(*written) if written is not None else None
        if early is not None:
            at_start.append(early)
    lines = []
    if at_start:
        lines.append("NOT " + " NOT ".join(at_start) + " " + first_command_note(rule))
    if at_end:
        lines.append("| search NOT " + " NOT ".join(at_end))
    return "\n".join(lines) or None
