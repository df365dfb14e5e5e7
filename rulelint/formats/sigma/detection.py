"""Sigma ``detection:`` + ``condition`` -> the canonical expression tree, with source lines.

The structure of a detection (mapping = all of its items, list = any of its elements, plain values =
keywords) is walked on the line-aware YAML data, since pySigma keeps no line numbers. Each
``Field|modifiers: values`` item is then converted one of two ways:

- the common modifiers (none, ``contains``/``startswith``/``endswith``, ``all``, ``re`` and its
  flags, ``cidr``, ``gt``/``gte``/``lt``/``lte``, ``exists``, ``cased``, ``neq``) by :mod:`.fastpath`, which
  implements pySigma's value semantics (escaping, wildcards) without importing it;
- everything else (``windash``, ``base64``/``base64offset``, ``utf16*``/``wide``, ``expand``,
  ``fieldref``, time parts, unknown modifiers) by pySigma itself, imported on demand.

``tests/formats/test_sigma_fastpath.py`` proves the two give identical predicates on every SigmaHQ
rule, so pySigma stays the reference while a one-rule check does not pay ~130 ms to import it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rulelint.formats.errors import RuleReadError
from rulelint.formats.sigma.condition import (
    ConditionError,
    Identifier,
    Operation,
    Selector,
    parse_condition,
)
from rulelint.formats.sigma.fastpath import SigmaValue, fast_values
from rulelint.formats.yamlsafe import LineDict, LineList
from rulelint.model import Node, Not, all_of, any_of
from rulelint.vocab.fields import FieldMap
from rulelint.vocab.values import make_predicate

PLAIN = (str, int, float, bool, type(None))

#: Modifier spellings of the Sigma specification that pySigma 1.x knows under another name.
MODIFIER_ALIASES = {"utf16le": "wide"}


class DetectionConverter:
    """Converts one rule's detections; ``scopes`` select scoped rows of the field table."""

    def __init__(
        self, fields: FieldMap, scopes: tuple[str, ...], notes: list[str], *, fast: bool = True
    ) -> None:
        self.fields = fields
        self.scopes = scopes
        self.notes = notes
        self.fast = fast

    # -- detections -----------------------------------------------------------------------------

    def detection(self, name: str, raw: Any, line: int) -> Node | None:
        """A named detection (``selection_img``) as a tree."""
        if isinstance(raw, Mapping):
            if not raw:
                raise RuleReadError(f"detection {name!r} is empty", line)
            children = []
            for key, value in raw.items():
                node = self.item(name, key, value, _value_lines(raw, key, line))
                if node is not None:
                    children.append(node)
            return all_of(children)
        if isinstance(raw, list):
            if not raw:
                raise RuleReadError(f"detection {name!r} is empty", line)
            lines = raw.lines if isinstance(raw, LineList) else [line] * len(raw)
            if all(isinstance(value, PLAIN) for value in raw):
                return self.item(name, None, raw, lines)
            nodes = [
                self.detection(name, sub, sub_line)
                for sub, sub_line in zip(raw, lines, strict=False)
            ]
            return any_of([node for node in nodes if node is not None])
        if isinstance(raw, PLAIN):
            return self.item(name, None, raw, [line])
        raise RuleReadError(f"detection {name!r} has an unsupported value", line)

    def item(self, group: str, key: Any, value: Any, lines: list[int]) -> Node | None:
        """One ``Field|modifiers: values`` entry (key None: keywords): values are alternatives
        unless ``|all``."""
        if key is not None and not isinstance(key, str):
            raise RuleReadError(
                f"detection {group!r}: field name {key!r} is not text", lines[0] if lines else 0
            )
        field, *written = (key or "").split("|")
        modifiers = [MODIFIER_ALIASES.get(m, m) for m in written]
        values = list(value) if isinstance(value, list) else [value]
        converted = fast_values(modifiers, values) if self.fast else None
        if converted is None:
            converted = _pysigma_values(
                group, "|".join([field, *modifiers]) if key else None, value
            )
        per_value, linking_all, negated = converted
        aligned = len(per_value) == len(values)
        how = key or "keyword"
        predicates: list[Node] = []
        for index, alternatives in enumerate(per_value):
            line = lines[index] if aligned and index < len(lines) else (lines[0] if lines else 0)
            nodes: list[Node] = []
            for item in alternatives:
                operator = item.operator
                if not field and operator in ("contains", "eq", "starts_with", "ends_with"):
                    operator = "match"  # a keyword is a full-text search term
                nodes.append(
                    make_predicate(
                        self.fields,
                        field + item.field_suffix if field else None,
                        operator,
                        item.value,
                        scopes=self.scopes,
                        line=line,
                        how=how,
                        raw_value=item.raw,
                        cased=item.cased,
                        group=group,
                    )
                )
            node = any_of(nodes)
            if node is not None:
                predicates.append(node)
        combined = all_of(predicates) if linking_all else any_of(predicates)
        if combined is not None and negated:
            return Not(combined)
        return combined

    # -- conditions -----------------------------------------------------------------------------

    def condition(self, text: str, detections: dict[str, Node | None], line: int) -> Node | None:
        source = text
        if "|" in text:  # the retired aggregation syntax: the part before the pipe still selects
            source = text.split("|", 1)[0].strip()
            self.notes.append(
                f"condition aggregation '{text.split('|', 1)[1].strip()}' ignored (use Sigma correlations)"
            )
        try:
            parsed = parse_condition(source)
        except ConditionError as error:
            raise RuleReadError(f"invalid condition {text!r}: {error}", line) from None
        return self._resolve(parsed, detections, line)

    def _resolve(
        self, parsed: object, detections: dict[str, Node | None], line: int
    ) -> Node | None:
        if isinstance(parsed, Identifier):
            if parsed.name not in detections:
                raise RuleReadError(
                    f"condition names detection {parsed.name!r}, which is not defined", line
                )
            return detections[parsed.name]
        if isinstance(parsed, Selector):
            names = _select(parsed.pattern, list(detections))
            if not names:
                raise RuleReadError(
                    f"condition '{parsed.quantifier} of {parsed.pattern}' matches no detection",
                    line,
                )
            nodes = [node for node in (detections[n] for n in names) if node is not None]
            return all_of(nodes) if parsed.quantifier == "all" else any_of(nodes)
        assert isinstance(parsed, Operation)
        if parsed.operator == "not":
            child = self._resolve(parsed.args[0], detections, line)
            return None if child is None else Not(child)
        present = [
            c
            for c in (self._resolve(arg, detections, line) for arg in parsed.args)
            if c is not None
        ]
        if parsed.operator == "and":
            return all_of(present)
        return any_of(present)


def _pysigma_values(
    group: str, key: str | None, value: Any
) -> tuple[list[list[SigmaValue]], bool, bool]:
    """Convert one detection item with pySigma (imported here, only when needed)."""
    from sigma.conditions import ConditionAND
    from sigma.exceptions import SigmaError
    from sigma.rule import SigmaDetectionItem

    from rulelint.formats.sigma.values import convert_value

    try:
        item = SigmaDetectionItem.from_mapping(key, value)
    except SigmaError as error:
        raise RuleReadError(f"detection {group!r}: {sigma_error_message(error)}") from None
    modifiers = tuple((key or "").split("|")[1:])
    per_value = [convert_value(v, modifiers) for v in item.value]
    return per_value, item.value_linking is ConditionAND, item.negated


def _select(pattern: str, names: list[str]) -> list[str]:
    """Detections a ``1 of``/``all of`` pattern selects, as pySigma resolves them."""
    if pattern == "them":
        return [name for name in names if not name.startswith("_")]
    regex = re.compile(re.escape(pattern).replace(r"\*", ".*"))
    return [
        n
        for n in names
        if regex.fullmatch(n) and (pattern.startswith("_") or not n.startswith("_"))
    ]


def _value_lines(raw: Any, key: Any, line: int) -> list[int]:
    value = raw[key]
    if isinstance(value, LineList):
        return value.lines or [value.line]
    if isinstance(raw, LineDict):
        return [raw.value_lines.get(key, raw.line)]
    return [line]


def sigma_error_message(error: Exception) -> str:
    text = str(error)
    return text.split(" in ", 1)[0] if text.endswith(")") and " in " in text else text
