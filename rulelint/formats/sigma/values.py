"""pySigma value types -> canonical operator and value.

pySigma has already applied the modifiers (``contains`` added wildcards, ``base64offset`` encoded,
``windash`` expanded, ``re`` built a regular expression ...). Here each resulting value becomes one
canonical (operator, value) pair; the modifier chain survives in the predicate's ``how``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sigma.types import (
    CompareOperators,
    Placeholder,
    SigmaBool,
    SigmaCasedString,
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaString,
    SigmaTimestampPart,
    SigmaType,
    SpecialChars,
)

from rulelint.formats.sigma.fastpath import SigmaValue
from rulelint.vocab.values import MULTI, SINGLE, Part, canonical_number, operator_for_parts

COMPARE_OPERATORS = {
    CompareOperators.GT: "gt",
    CompareOperators.GTE: "ge",
    CompareOperators.LT: "lt",
    CompareOperators.LTE: "le",
    CompareOperators.NEQ: "ne",
}

#: Modifiers whose expansions are spellings of one indicator: keep only the first (as written).
COLLAPSING_MODIFIERS = frozenset({"windash"})


def string_parts(value: SigmaString) -> list[Part]:
    parts: list[Part] = []
    for part in value.s:
        if part is SpecialChars.WILDCARD_MULTI:
            if not (parts and parts[-1] is MULTI):
                parts.append(MULTI)
        elif part is SpecialChars.WILDCARD_SINGLE:
            parts.append(SINGLE)
        elif isinstance(part, Placeholder):
            parts.append(f"%{part.name}%")
        elif parts and isinstance(parts[-1], str):
            parts[-1] = parts[-1] + part
        else:
            parts.append(str(part))
    return parts


def _expansion(value: SigmaExpansion, modifiers: tuple[str, ...]) -> list[SigmaValue]:
    values = value.values[:1] if COLLAPSING_MODIFIERS.intersection(modifiers) else value.values
    return [item for inner in values for item in convert_value(inner, modifiers)]


def _string(value: SigmaString, modifiers: tuple[str, ...]) -> list[SigmaValue]:
    parts = string_parts(value)
    if "expand" in modifiers and len(value.s) == 1 and isinstance(value.s[0], Placeholder):
        # '%dc_ip_addresses%': a list the deployment fills in, not a literal value (as a
        # Splunk lookup or a Sentinel watchlist): in_list, named after the placeholder
        return [SigmaValue("in_list", value.s[0].name, f"%{value.s[0].name}%")]
    operator, text = operator_for_parts(parts)
    return [SigmaValue(operator, text, text, cased=type(value) is SigmaCasedString)]


def _regex(value: SigmaRegularExpression, modifiers: tuple[str, ...]) -> list[SigmaValue]:
    return [SigmaValue("regex_match", str(value.regexp), str(value.regexp), cased=True)]


def _cidr(value: SigmaCIDRExpression, modifiers: tuple[str, ...]) -> list[SigmaValue]:
    return [SigmaValue("cidr_match", value.cidr, value.cidr)]


def _compare(value: SigmaCompareExpression, modifiers: tuple[str, ...]) -> list[SigmaValue]:
    number = canonical_number(value.number.number)
    return [SigmaValue(COMPARE_OPERATORS[value.op], number, number)]


def _exists(value: SigmaExists, modifiers: tuple[str, ...]) -> list[SigmaValue]:
    return [SigmaValue("is_not_null" if value.exists else "is_null", None, None)]


def _null(value: SigmaNull, modifiers: tuple[str, ...]) -> list[SigmaValue]:
    return [SigmaValue("is_null", None, None)]


def _fieldref(value: SigmaFieldReference, modifiers: tuple[str, ...]) -> list[SigmaValue]:
    reference = f"fieldref:{value.field}"
    return [SigmaValue("eq", reference, reference, cased=True)]


def _timestamp(value: SigmaTimestampPart, modifiers: tuple[str, ...]) -> list[SigmaValue]:
    number = canonical_number(value.number)
    return [SigmaValue("eq", number, number, field_suffix="." + value.timestamp_part.name.lower())]


def _number(value: SigmaNumber, modifiers: tuple[str, ...]) -> list[SigmaValue]:
    number = canonical_number(value.number)
    return [SigmaValue("eq", number, number)]


def _bool(value: SigmaBool, modifiers: tuple[str, ...]) -> list[SigmaValue]:
    text = "true" if value.boolean else "false"
    return [SigmaValue("eq", text, text)]


#: pySigma value type -> converter; looked up by exact type (ABC isinstance chains are slow).
CONVERTERS: dict[type, Callable[[Any, tuple[str, ...]], list[SigmaValue]]] = {
    SigmaExpansion: _expansion,
    SigmaString: _string,
    SigmaCasedString: _string,
    SigmaRegularExpression: _regex,
    SigmaCIDRExpression: _cidr,
    SigmaCompareExpression: _compare,
    SigmaExists: _exists,
    SigmaNull: _null,
    SigmaFieldReference: _fieldref,
    SigmaTimestampPart: _timestamp,
    SigmaNumber: _number,
    SigmaBool: _bool,
}


def convert_value(value: SigmaType, modifiers: tuple[str, ...]) -> list[SigmaValue]:
    """One pySigma value as canonical alternatives (several for encoding expansions)."""
    converter = CONVERTERS.get(type(value))
    if converter is None:
        converter = next((c for t, c in CONVERTERS.items() if isinstance(value, t)), None)
    if converter is None:
        text = str(value)
        return [SigmaValue("eq", text, text)]
    return converter(value, modifiers)
