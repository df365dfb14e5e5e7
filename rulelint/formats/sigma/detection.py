"""Sigma ``detection:`` + ``condition`` -> the canonical expression tree, with source lines.

pySigma parses detections (modifiers, value types, escaping) and conditions (its own grammar). It
keeps no line numbers, so we walk its objects side by side with the line-aware YAML data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sigma.conditions import ConditionAND, ConditionOR
from sigma.exceptions import SigmaError
from sigma.rule import SigmaDetection, SigmaDetectionItem

from rulelint.formats.errors import RuleReadError
from rulelint.formats.sigma.condition import (
    ConditionError,
    Identifier,
    Operation,
    Selector,
    parse_condition,
)
from rulelint.formats.sigma.values import convert_value
from rulelint.formats.yamlsafe import LineDict, LineList
from rulelint.model import Node, Not, all_of, any_of
from rulelint.vocab.fields import FieldMap
from rulelint.vocab.values import make_predicate


class DetectionConverter:
    """Converts one rule's detections; ``scopes`` select scoped rows of the field table."""

    def __init__(self, fields: FieldMap, scopes: tuple[str, ...], notes: list[str]) -> None:
        self.fields = fields
        self.scopes = scopes
        self.notes = notes

    # -- detections -----------------------------------------------------------------------------

    def detection(self, name: str, parsed: SigmaDetection, raw: Any, line: int) -> Node | None:
        """A named detection (``selection_img``) as a tree."""
        items = parsed.detection_items
        children: list[Node] = []
        if isinstance(raw, Mapping):
            keys = list(raw.keys())
            for key, item in zip(keys, items, strict=False):
                lines = _value_lines(raw, key)
                node = self.item(name, str(key), item, lines)
                if node is not None:
                    children.append(node)
        elif (
            isinstance(raw, list)
            and len(items) == len(raw)
            and all(isinstance(i, SigmaDetection) for i in items)
        ):
            lines = raw.lines if isinstance(raw, LineList) else [line] * len(raw)
            for sub_raw, sub_parsed, sub_line in zip(raw, items, lines, strict=False):
                node = self.detection(name, sub_parsed, sub_raw, sub_line)  # type: ignore[arg-type]
                if node is not None:
                    children.append(node)
        else:  # keywords: a plain value or a list of plain values
            value_lines = raw.lines if isinstance(raw, LineList) else [line]
            for item in items:
                if isinstance(item, SigmaDetectionItem):
                    node = self.item(name, "", item, value_lines)
                    if node is not None:
                        children.append(node)
        if parsed.item_linking is ConditionOR:
            return any_of(children)
        return all_of(children)

    def item(self, group: str, key: str, item: SigmaDetectionItem, lines: list[int]) -> Node | None:
        """One ``Field|modifiers: values`` entry: values are alternatives unless ``|all``."""
        modifiers = tuple(key.split("|")[1:]) if key else ()
        field = item.field
        original = item.original_value or []
        aligned = len(original) == len(item.value)
        predicates: list[Node] = []
        for index, value in enumerate(item.value):
            line = lines[index] if aligned and index < len(lines) else (lines[0] if lines else 0)
            alternatives: list[Node] = []
            for converted in convert_value(value, modifiers):
                operator, text = converted.operator, converted.value
                if field is None and operator in ("contains", "eq", "starts_with", "ends_with"):
                    operator = "match"  # a keyword is a full-text search term
                raw_field = field + converted.field_suffix if field else None
                alternatives.append(
                    make_predicate(
                        self.fields,
                        raw_field,
                        operator,
                        text,
                        scopes=self.scopes,
                        line=line,
                        how=key or "keyword",
                        raw_value=converted.raw,
                        cased=converted.cased,
                        group=group,
                    )
                )
            node = any_of(alternatives)
            if node is not None:
                predicates.append(node)
        combined = all_of(predicates) if item.value_linking is ConditionAND else any_of(predicates)
        if combined is not None and item.negated:
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


def _value_lines(raw: Any, key: Any) -> list[int]:
    value = raw[key]
    if isinstance(value, LineList):
        return value.lines or [value.line]
    if isinstance(raw, LineDict):
        return [raw.value_lines.get(key, raw.line)]
    return [0]


def sigma_error_message(error: SigmaError) -> str:
    text = str(error)
    return text.split(" in ", 1)[0] if text.endswith(")") and " in " in text else text
