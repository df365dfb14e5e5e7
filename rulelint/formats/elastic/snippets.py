"""Exclusions written in an Elastic rule's own query language.

Each fix (field, canonical operator, value) becomes one line to add to the query: KQL and EQL
``and not process.name : "x"``, ES|QL ``| WHERE NOT (...)`` (valid anywhere before the first
``STATS``), Lucene ``AND NOT field:value``. A fix a language cannot express (a regular expression
in KQL, a ``?`` wildcard in KQL) is left out; with nothing left the answer is None.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from rulelint.formats.base import ExclusionFix
from rulelint.vocab.values import MULTI, SINGLE, Part, Wildcard, split_wildcards

KQL_SPECIAL = set('\\():<>"*{}')
LUCENE_SPECIAL = set('+-=&|><!(){}[]^"~*?:\\/ ')
KQL_KEYWORD = re.compile(r"(?i)(?<=\s)(or|and|not)(?=\s)")
COMPARISONS = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}
NUMBER = re.compile(r"^-?\d+(?:\.\d+)?$")


def fix_value(fix: ExclusionFix) -> str:
    """The value to write: the original spelling when it only differs from the canonical in case."""
    value = fix.value or ""
    display = fix.display_value
    if display is not None and display.casefold() == value.casefold():
        return display
    return value


def fix_parts(fix: ExclusionFix) -> list[Part] | None:
    """The fix's value as a wildcard pattern, for the operators that are patterns."""
    value = fix_value(fix)
    if fix.operator == "eq":
        return [value]
    if fix.operator == "contains":
        return [MULTI, value, MULTI]
    if fix.operator == "starts_with":
        return [value, MULTI]
    if fix.operator == "ends_with":
        return [MULTI, value]
    if fix.operator == "wildcard":
        return split_wildcards(value, escape="\\", single=True)
    return None


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


# -- KQL ----------------------------------------------------------------------------------------


def _kql_unquoted(parts: list[Part]) -> str | None:
    out: list[str] = []
    for part in parts:
        if part is SINGLE:
            return None  # KQL has no single-character wildcard
        if isinstance(part, Wildcard):
            out.append("*")
            continue
        escaped = "".join("\\" + c if c in KQL_SPECIAL else c for c in part)
        out.append(KQL_KEYWORD.sub(r"\\\1", escaped))
    return "".join(out)


def kql_condition(fix: ExclusionFix) -> str | None:
    field = fix.field
    operator = fix.operator
    if operator == "is_null":
        return f"and {field} : *"
    if operator == "is_not_null":
        return f"and not {field} : *"
    if operator in COMPARISONS:
        return f"and not {field} {COMPARISONS[operator]} {fix_value(fix)}"
    if operator == "cidr_match":
        return f"and not {field} : {_quoted(fix_value(fix))}"
    if operator == "match":
        return f"and not {_quoted(fix_value(fix))}"
    if operator == "eq":
        return f"and not {field} : {_quoted(fix_value(fix))}"
    parts = fix_parts(fix)
    value = _kql_unquoted(parts) if parts is not None else None
    return None if value is None else f"and not {field} : {value}"


# -- EQL ----------------------------------------------------------------------------------------


def _eql_pattern(parts: list[Part]) -> str | None:
    out: list[str] = []
    for part in parts:
        if isinstance(part, Wildcard):
            out.append(part.symbol)
        elif "*" in part or "?" in part:
            return None  # ':' cannot match a literal wildcard character
        else:
            out.append(part.replace("\\", "\\\\").replace('"', '\\"'))
    return '"' + "".join(out) + '"'


EQL_FUNCTIONS = {
    "contains": "stringContains~",
    "starts_with": "startsWith~",
    "ends_with": "endsWith~",
}


def eql_condition(fix: ExclusionFix) -> str | None:
    field = fix.field
    operator = fix.operator
    value = fix_value(fix)
    if operator == "is_null":
        return f"and {field} != null"
    if operator == "is_not_null":
        return f"and {field} == null"
    if operator in COMPARISONS:
        number = value if NUMBER.match(value) else _quoted(value)
        return f"and not {field} {COMPARISONS[operator]} {number}"
    if operator == "regex_match":
        return f"and not {field} regex {_quoted(value)}"
    if operator == "cidr_match":
        return f"and not cidrMatch({field}, {_quoted(value)})"
    if operator == "match":
        return None
    parts = fix_parts(fix)
    if parts is None:
        return None
    pattern = _eql_pattern(parts)
    if pattern is not None:
        return f"and not {field} : {pattern}"
    if operator == "eq":
        return f"and not {field} == {_quoted(value)}"
    if operator in EQL_FUNCTIONS:
        return f"and not {EQL_FUNCTIONS[operator]}({field}, {_quoted(value)})"
    return None


# -- ES|QL --------------------------------------------------------------------------------------


def _esql_string(text: str) -> str:
    if "\\" in text and '"""' not in text:
        return '"""' + text + '"""'
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _esql_like(parts: list[Part]) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, Wildcard):
            out.append(part.symbol)
        else:
            out.append("".join("\\" + c if c in "\\*?" else c for c in part))
    return _esql_string("".join(out))


def esql_condition(fix: ExclusionFix) -> str | None:
    field = fix.field
    operator = fix.operator
    value = fix_value(fix)
    # ES|QL compares case-sensitively: a case-folded canonical value is matched on TO_LOWER(field)
    canonical = fix.value or ""
    folded = canonical == canonical.lower() and canonical != canonical.upper()
    target = f"TO_LOWER({field})" if folded else field
    pattern_value = canonical if folded else value
    if operator == "is_null":
        return f"| WHERE {field} IS NOT NULL"
    if operator == "is_not_null":
        return f"| WHERE {field} IS NULL"
    if operator in COMPARISONS:
        number = value if NUMBER.match(value) else _quoted(value)
        return f"| WHERE NOT ({field} {COMPARISONS[operator]} {number})"
    if operator == "regex_match":
        return f"| WHERE NOT ({field} RLIKE {_esql_string(value)})"
    if operator == "cidr_match":
        return f"| WHERE NOT CIDR_MATCH({field}, {_quoted(value)})"
    if operator == "match":
        return f"| WHERE NOT ({field} : {_quoted(value)})" if field and field != "keyword" else None
    if operator == "eq":
        return f"| WHERE NOT ({target} == {_esql_string(pattern_value)})"
    parts = fix_parts(
        ExclusionFix(fix.field, fix.canonical_field, operator, pattern_value, pattern_value)
    )
    if parts is None:
        return None
    return f"| WHERE NOT ({target} LIKE {_esql_like(parts)})"


# -- Lucene -------------------------------------------------------------------------------------


def _lucene_parts(parts: list[Part]) -> str:
    out: list[str] = []
    for part in parts:
        if isinstance(part, Wildcard):
            out.append(part.symbol)
        else:
            out.append("".join("\\" + c if c in LUCENE_SPECIAL else c for c in part))
    return "".join(out)


def lucene_condition(fix: ExclusionFix) -> str | None:
    field = fix.field
    operator = fix.operator
    value = fix_value(fix)
    if operator == "is_null":
        return f"AND _exists_:{field}"
    if operator == "is_not_null":
        return f"AND NOT _exists_:{field}"
    if operator in COMPARISONS:
        return f"AND NOT {field}:{COMPARISONS[operator]}{_lucene_parts([value])}"
    if operator == "regex_match":
        return f"AND NOT {field}:/{value.replace('/', chr(92) + '/')}/"
    if operator == "cidr_match":
        return f"AND NOT {field}:{_quoted(value)}"
    if operator == "match":
        return f"AND NOT {_quoted(value)}"
    parts = fix_parts(fix)
    return None if parts is None else f"AND NOT {field}:{_lucene_parts(parts)}"


WRITERS: dict[str, Callable[[ExclusionFix], str | None]] = {
    "kuery": kql_condition,
    "eql": eql_condition,
    "esql": esql_condition,
    "lucene": lucene_condition,
}


def exclusion_snippet(language: str, fixes: list[ExclusionFix]) -> str | None:
    """One line per fix the language can express, or None (no query, or nothing expressible)."""
    writer = WRITERS.get(language)
    if writer is None:
        return None
    lines = [line for line in (writer(fix) for fix in fixes) if line]
    return "\n".join(lines) if lines else None
