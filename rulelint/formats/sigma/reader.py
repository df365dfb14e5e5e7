"""Sigma rules (YAML) into canonical rules, on pySigma."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from rulelint.fixes.edits import TextEdit
from rulelint.formats.base import ExclusionFix
from rulelint.formats.errors import RuleReadError
from rulelint.formats.sigma.detection import DetectionConverter
from rulelint.formats.sigma.writer import exclusion_snippet
from rulelint.formats.yamlsafe import LineDict, LineList, load_yaml_documents
from rulelint.model import AttackTag, Node, Rule, any_of, indicators, simplify
from rulelint.vocab.fields import field_map
from rulelint.vocab.tables import read_table

SNIFF_DETECTION = re.compile(r"^(detection|correlation)\s*:", re.MULTILINE)
SNIFF_SIGMA_KEYS = re.compile(r"^(logsource|title|correlation)\s*:", re.MULTILINE)
TECHNIQUE_TAG = re.compile(r"^attack\.(t\d{4}(?:\.\d{3})?)$", re.IGNORECASE)
TACTIC_TAG = re.compile(r"^attack\.([a-z][a-z_-]+)$", re.IGNORECASE)
GROUP_OR_SOFTWARE_TAG = re.compile(r"^attack\.(g|s|ta|m|ds)\d{4}$", re.IGNORECASE)

PLATFORM_PRODUCTS = {
    "windows": "windows",
    "linux": "linux",
    "macos": "macos",
    "aws": "aws",
    "azure": "azure",
    "gcp": "gcp",
    "m365": "m365",
    "okta": "okta",
    "github": "github",
    "kubernetes": "kubernetes",
}


@cache
def _logsource_rows() -> tuple[tuple[str, ...], ...]:
    return read_table("events/sigma_logsources.tsv", min_columns=4)


@cache
def _eventid_services() -> dict[str, str]:
    return {row[0]: row[1] for row in read_table("events/sigma_eventid_services.tsv")}


def _matches(pattern: str, value: str | None) -> bool:
    if pattern == "*":
        return True
    if pattern == "-":
        return not value
    return pattern == (value or "")


def logsource_events(
    product: str | None, category: str | None, service: str | None, event_ids: list[str]
) -> list[str]:
    """Event keys of a logsource; EventID-keyed services use the EventIDs the rule selects."""
    prefix = _eventid_services().get(service or "")
    if prefix and event_ids:
        return sorted({f"{prefix}:{event_id}" for event_id in event_ids})
    for row in _logsource_rows():
        if _matches(row[0], product) and _matches(row[1], category) and _matches(row[2], service):
            return row[3].split()
    return []


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class SigmaReader:
    format = "sigma"
    vendor = "sigma"
    suffixes = (".yml", ".yaml")
    writes_lists = True  # an in_list exclusion is written back as Field|expand: '%name%'

    def __init__(self, *, fast: bool = True) -> None:
        self.fast = fast  # False: every item through pySigma (the reference, for tests)

    def sniff(self, path: str, head: str) -> bool:
        return bool(SNIFF_DETECTION.search(head) and SNIFF_SIGMA_KEYS.search(head))

    def read(self, path: str, text: str) -> list[Rule]:
        documents = load_yaml_documents(text)
        rules: list[Rule] = []
        for document in documents:
            if not isinstance(document, Mapping):
                continue
            if "detection" in document:
                rules.append(self.read_rule(path, document))
            elif "correlation" in document:
                rules.append(self.read_correlation(path, document))
        if not rules:
            raise RuleReadError("no Sigma rule in this file (no 'detection:' section)")
        return rules

    # -- one document ---------------------------------------------------------------------------

    def read_rule(self, path: str, document: Mapping[str, Any]) -> Rule:
        notes: list[str] = []
        logsource = document.get("logsource") or {}
        if not isinstance(logsource, Mapping):
            raise RuleReadError("'logsource' must be a mapping", _line_of(document, "logsource"))
        product = _lower(logsource.get("product"))
        category = _lower(logsource.get("category"))
        service = _lower(logsource.get("service"))
        scopes = tuple(
            f"{kind}:{value}"
            for kind, value in (("category", category), ("service", service), ("product", product))
            if value
        )
        expression = self._expression(document, scopes, notes)
        event_ids = sorted(
            {
                p.value
                for p in indicators(expression)
                if p.canonical_field == "event.code" and p.operator == "eq" and p.value
            }
        )
        tags = document.get("tags") or []
        attack_tags = _attack_tags(tags)
        status = _text(document.get("status"))
        rule_id = _text(document.get("id")) or path
        title = _text(document.get("title"))
        if not title:
            notes.append("rule has no title")
        return Rule(
            id=rule_id,
            vendor="sigma",
            path=path,
            title=title,
            expression=expression,
            language="sigma",
            status=status,
            level=_text(document.get("level")),
            techniques=sorted({t.id for t in attack_tags if t.kind == "technique"}),
            tactics=sorted({t.id for t in attack_tags if t.kind == "tactic"}),
            platforms=[PLATFORM_PRODUCTS[product]] if product in PLATFORM_PRODUCTS else [],
            events=logsource_events(product, category, service, event_ids),
            attack_tags=attack_tags,
            line=getattr(document, "line", 1) or 1,
            deprecated=status == "deprecated" or "/deprecated/" in path.replace("\\", "/"),
            notes=notes,
            extra={
                "logsource": {"product": product, "category": category, "service": service},
                **self._condition_info(document),
            },
        )

    @staticmethod
    def _condition_info(document: Mapping[str, Any]) -> dict[str, object]:
        detection = document.get("detection")
        if not isinstance(detection, LineDict):
            return {}
        condition = detection.get("condition")
        text = condition[0] if isinstance(condition, list) and condition else condition
        return {
            "condition": str(text),
            "condition_line": detection.value_lines.get("condition", detection.line),
        }

    def exclusion_snippet(self, rule: Rule, fixes: list[ExclusionFix]) -> str | None:
        return exclusion_snippet(rule, fixes)

    def exclusion_edit(self, rule: Rule, text: str, fixes: list[ExclusionFix]) -> TextEdit | None:
        """The edit adding these exclusions to the rule's text (None when the layout forbids it)."""
        from rulelint.fixes.sigma import FixNotPossible, exclusion_edit

        try:
            return exclusion_edit(rule, text, fixes)
        except FixNotPossible:
            return None

    def read_correlation(self, path: str, document: Mapping[str, Any]) -> Rule:
        """Correlation rules refer to other rules; they are catalogued without predicates."""
        tags = document.get("tags") or []
        attack_tags = _attack_tags(tags)
        return Rule(
            id=_text(document.get("id")) or path,
            vendor="sigma",
            path=path,
            title=_text(document.get("title")),
            expression=None,
            language="sigma-correlation",
            status=_text(document.get("status")),
            level=_text(document.get("level")),
            techniques=sorted({t.id for t in attack_tags if t.kind == "technique"}),
            tactics=sorted({t.id for t in attack_tags if t.kind == "tactic"}),
            attack_tags=attack_tags,
            line=getattr(document, "line", 1) or 1,
            notes=["correlation rule: catalogued without predicates"],
        )

    def _expression(
        self, document: Mapping[str, Any], scopes: tuple[str, ...], notes: list[str]
    ) -> Node | None:
        detection = document.get("detection")
        detection_line = _line_of(document, "detection")
        if not isinstance(detection, Mapping):
            raise RuleReadError(
                "'detection' must be a mapping of named detections and a condition", detection_line
            )
        if "condition" not in detection:
            raise RuleReadError("'detection' has no 'condition'", detection_line)
        converter = DetectionConverter(field_map("sigma"), scopes, notes, fast=self.fast)
        nodes: dict[str, Node | None] = {}
        for name, definition in detection.items():
            if name == "condition":
                continue
            line = (
                detection.value_lines.get(name, detection_line)
                if isinstance(detection, LineDict)
                else 0
            )
            if definition is None:
                raise RuleReadError(f"detection {name!r} is empty", line)
            nodes[str(name)] = converter.detection(str(name), definition, line)
        condition = detection["condition"]
        condition_line = (
            detection.value_lines.get("condition", detection_line)
            if isinstance(detection, LineDict)
            else 0
        )
        conditions = condition if isinstance(condition, list) else [condition]
        trees: list[Node] = []
        for index, text in enumerate(conditions):
            if not isinstance(text, str):
                raise RuleReadError("condition must be a string", condition_line)
            line = condition.lines[index] if isinstance(condition, LineList) else condition_line
            tree = converter.condition(text, nodes, line)
            if tree is not None:
                trees.append(tree)
        return simplify(any_of(trees))


def _line_of(document: Mapping[str, Any], key: str) -> int:
    if isinstance(document, LineDict):
        return document.key_lines.get(key, 0)
    return 0


def _lower(value: Any) -> str | None:
    return str(value).strip().lower() if value not in (None, "") else None


def _attack_tags(tags: Any) -> list[AttackTag]:
    if not isinstance(tags, list):
        return []
    lines = tags.lines if isinstance(tags, LineList) else [0] * len(tags)
    found: list[AttackTag] = []
    for tag, line in zip(tags, lines, strict=False):
        if not isinstance(tag, str):
            continue
        text = tag.strip()
        technique = TECHNIQUE_TAG.match(text)
        if technique:
            found.append(AttackTag(text, "technique", technique.group(1).upper(), line))
            continue
        if GROUP_OR_SOFTWARE_TAG.match(text):
            continue
        tactic = TACTIC_TAG.match(text)
        if tactic:
            found.append(AttackTag(text, "tactic", tactic.group(1).lower().replace("_", "-"), line))
        elif text.lower().startswith("attack."):
            found.append(AttackTag(text, "unknown", text[7:], line))
    return found
