"""Splunk security_content detections (YAML with an SPL ``search:``) into canonical rules."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rulelint.formats.base import ExclusionFix
from rulelint.formats.errors import RuleReadError
from rulelint.formats.splunk.macros import MacroTable, table_for
from rulelint.formats.splunk.yamlpos import scalar_positions
from rulelint.formats.yamlsafe import LineDict, LineList, load_yaml
from rulelint.model import AttackTag, Rule
from rulelint.vocab.fields import field_map

SNIFF_SEARCH = re.compile(r"^search\s*:", re.MULTILINE)
SNIFF_SPLUNK_KEYS = re.compile(
    r"^(type|data_source|how_to_implement|known_false_positives|analytic_story)\s*:", re.MULTILINE
)
TECHNIQUE = re.compile(r"^T\d{4}(?:\.\d{3})?$", re.IGNORECASE)
RETIRED_FOLDERS = ("/deprecated/", "/removed/")


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


class SplunkReader:
    """Reads one detection; macros come from the ``macros/`` folder of the content tree above it."""

    format = "splunk-yaml"
    vendor = "splunk"
    suffixes = (".yml", ".yaml")

    def __init__(self, macros: MacroTable | None = None) -> None:
        self._macros = macros  # a fixed table (tests); otherwise found from each rule's path

    def sniff(self, path: str, head: str) -> bool:
        return bool(SNIFF_SEARCH.search(head) and SNIFF_SPLUNK_KEYS.search(head))

    def read(self, path: str, text: str) -> list[Rule]:
        document = load_yaml(text)
        if not isinstance(document, Mapping):
            raise RuleReadError("not a Splunk detection (the YAML is not a mapping)")
        if "search" not in document:
            raise RuleReadError("no 'search:' in this detection")
        search = document.get("search")
        search_line = _value_line(document, "search")
        if not isinstance(search, str) or not search.strip():
            raise RuleReadError("'search' must be a non-empty string (the SPL query)", search_line)
        positions = scalar_positions(text, "search", search_line, search)
        table = self._macros if self._macros is not None else table_for(path)
        from rulelint.formats.splunk.convert import SearchConverter  # lark: on first use

        converter = SearchConverter(search, table, positions.locate, field_map("splunk"))
        conversion = converter.convert()
        notes = list(conversion.notes)
        if not positions.exact:
            notes.append("search lines are approximate (unusual YAML form)")
        tags = document.get("tags") if isinstance(document.get("tags"), Mapping) else {}
        attack_tags = _attack_tags(tags.get("mitre_attack_id") if tags else None)
        status = _text(document.get("status"))
        normalized_path = path.replace("\\", "/")
        extra: dict[str, object] = dict(conversion.extra)
        extra["type"] = _text(document.get("type"))
        data_source = document.get("data_source")
        if isinstance(data_source, list):
            extra["data_source"] = [str(item) for item in data_source]
        extra["search_line"] = search_line
        extra["condition_line"] = search_line  # where a missing exclusion is added
        if conversion.scopes:
            extra["scopes"] = list(conversion.scopes)
        if conversion.expression is None:
            notes.append(f"no predicates: {conversion.empty_reason}")
        title = _text(document.get("name"))
        return [
            Rule(
                id=_text(document.get("id")) or path,
                vendor="splunk",
                path=path,
                title=title,
                expression=conversion.expression,
                language="spl",
                status=status,
                level="",
                techniques=sorted({tag.id for tag in attack_tags if tag.kind == "technique"}),
                tactics=[],
                platforms=conversion.platforms,
                events=conversion.events,
                attack_tags=attack_tags,
                line=getattr(document, "line", 1) or 1,
                deprecated=status.lower() in ("deprecated", "removed")
                or any(part in normalized_path for part in RETIRED_FOLDERS),
                notes=notes,
                extra=extra,
            )
        ]

    def exclusion_snippet(self, rule: Rule, fixes: list[ExclusionFix]) -> str | None:
        from rulelint.formats.splunk.snippet import exclusion_snippet

        return exclusion_snippet(rule, fixes)


def _value_line(document: Mapping[str, Any], key: str) -> int:
    if isinstance(document, LineDict):
        return document.value_lines.get(key, 0)
    return 0


def _attack_tags(values: Any) -> list[AttackTag]:
    if values is None:
        return []
    if not isinstance(values, list):
        values = [values]
    lines = values.lines if isinstance(values, LineList) else [0] * len(values)
    found: list[AttackTag] = []
    for value, line in zip(values, lines, strict=False):
        text = _text(value)
        if not text:
            continue
        if TECHNIQUE.match(text):
            found.append(AttackTag(text, "technique", text.upper(), line))
        else:
            found.append(AttackTag(text, "unknown", text, line))
    return found
