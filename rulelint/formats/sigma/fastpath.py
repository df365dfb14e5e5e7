"""pySigma's value semantics for the common modifiers, without importing pySigma.

Mirrors ``sigma.types.SigmaString`` (``*``/``?`` wildcards, ``\\`` escapes only before a wildcard
or itself) and the ``contains``/``startswith``/``endswith``/``all``/``re``/``cased``/``neq``/
``exists``/compare modifiers. Anything else returns None and the item goes to pySigma; so does any
value these modifiers would reject, so pySigma reports the error in its own words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from ipaddress import ip_network

from rulelint.vocab.values import MULTI, canonical_number, operator_for_parts, split_wildcards

STRING_MODIFIERS = {"contains": "contains", "startswith": "starts_with", "endswith": "ends_with"}
REGEX_FLAGS = {
    "i": re.IGNORECASE,
    "ignorecase": re.IGNORECASE,
    "m": re.MULTILINE,
    "multiline": re.MULTILINE,
    "s": re.DOTALL,
    "dotall": re.DOTALL,
}
COMPARE_MODIFIERS = {"gt": "gt", "gte": "ge", "lt": "lt", "lte": "le"}
FAST_MODIFIERS = frozenset(
    {
        *STRING_MODIFIERS,
        *REGEX_FLAGS,
        *COMPARE_MODIFIERS,
        "all",
        "re",
        "cased",
        "neq",
        "exists",
        "cidr",
    }
)


@dataclass(slots=True)
class SigmaValue:
    operator: str
    value: str | None
    raw: str | None
    cased: bool = False
    field_suffix: str = ""


Converted = tuple[list[list[SigmaValue]], bool, bool]  # per value alternatives, all-linked, negated


def _string(text: str, modifier: str | None, cased: bool) -> SigmaValue:
    parts = split_wildcards(text)
    if modifier in ("contains", "endswith") and not (parts and parts[0] is MULTI):
        parts.insert(0, MULTI)
    if modifier in ("contains", "startswith") and not (parts and parts[-1] is MULTI):
        parts.append(MULTI)
    operator, value = operator_for_parts(parts)
    return SigmaValue(operator, value, value, cased=cased)


def _plain(value: object) -> SigmaValue | None:
    if isinstance(value, bool):
        text = "true" if value else "false"
        return SigmaValue("eq", text, text)
    if isinstance(value, (int, float)):
        number = canonical_number(value)
        return SigmaValue("eq", number, number)
    if value is None:
        return SigmaValue("is_null", None, None)
    if isinstance(value, str):
        return _string(value, None, False)
    return None


def fast_values(modifiers: list[str], values: list[object]) -> Converted | None:
    """Per-value canonical alternatives for an item, or None when pySigma must handle it."""
    if not FAST_MODIFIERS.issuperset(modifiers) or len(set(modifiers)) != len(modifiers):
        return None
    present = set(modifiers)
    linking_all = "all" in present
    negated = "neq" in present
    core = present - {"all", "neq"}
    string_modifiers = core & STRING_MODIFIERS.keys()
    compare = core & COMPARE_MODIFIERS.keys()
    flags = core & REGEX_FLAGS.keys()
    out: list[list[SigmaValue]] = []
    if "re" in core:
        if core - {"re"} - flags or modifiers.index("re") > min(
            modifiers.index(f) for f in flags | {"re"}
        ):
            return None
        compiled_flags = 0
        for flag in flags:
            compiled_flags |= REGEX_FLAGS[flag]
        for value in values:
            if not isinstance(value, str):
                return None
            try:
                re.compile(value, compiled_flags)  # compiled (as pySigma does), never run
            except (re.error, RecursionError, OverflowError):
                return None
            out.append([SigmaValue("regex_match", value, value, cased=True)])
        return out, linking_all, negated
    if flags:
        return None
    if compare:
        if len(core) != 1:
            return None
        operator = COMPARE_MODIFIERS[next(iter(compare))]
        for value in values:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return None
            number = canonical_number(value)
            out.append([SigmaValue(operator, number, number)])
        return out, linking_all, negated
    if "cidr" in core:
        if len(core) != 1 or modifiers[0] != "cidr":
            return None
        for value in values:
            if not isinstance(value, str) or "*" in value or "?" in value or "\\" in value:
                return None
            try:
                ip_network(value)  # pySigma's validation (strict: host bits must be zero)
            except ValueError:
                return None
            out.append([SigmaValue("cidr_match", value, value)])
        return out, linking_all, negated
    if "exists" in core:
        if (
            len(core) != 1
            or modifiers[0] != "exists"
            or not all(isinstance(v, bool) for v in values)
        ):
            return None
        out = [[SigmaValue("is_not_null" if v else "is_null", None, None)] for v in values]
        return out, linking_all, negated
    if len(string_modifiers) > 1:
        return None
    modifier = next(iter(string_modifiers), None)
    cased = "cased" in core
    if modifier is None and not cased:
        for value in values:
            converted = _plain(value)
            if converted is None:
                return None
            out.append([converted])
        return out, linking_all, negated
    for value in values:
        if not isinstance(value, str):
            return None
        out.append([_string(value, modifier, cased)])
    return out, linking_all, negated
