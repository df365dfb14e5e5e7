"""``rulelint normalize``: what rulelint understood of each rule, for users and tools."""

from __future__ import annotations

from typing import Any, TextIO

from rulelint.formats.base import ReadResult
from rulelint.model import Predicate, Rule, node_to_dict, predicate_to_dict


def _item(predicate: Predicate) -> dict[str, Any]:
    item = predicate_to_dict(predicate)
    return {key: item[key] for key in ("field", "canonical_field", "operator", "value", "line")}


def normalized_rule(rule: Rule) -> dict[str, Any]:
    return {
        "path": rule.path,
        "id": rule.id,
        "vendor": rule.vendor,
        "title": rule.title,
        "language": rule.language,
        "line": rule.line,
        "techniques": rule.techniques,
        "tactics": rule.tactics,
        "platforms": rule.platforms,
        "events": rule.events,
        "deprecated": rule.deprecated,
        "expression": node_to_dict(rule.expression),
        "indicators": [_item(p) for p in rule.indicators()],
        "exclusions": [_item(p) for p in rule.exclusions()],
        "notes": rule.notes,
    }


def normalized_file(result: ReadResult) -> dict[str, Any]:
    return {
        "path": result.path,
        "format": result.format,
        "error": result.error,
        "rules": [normalized_rule(rule) for rule in result.rules],
    }


def _describe(item: dict[str, Any]) -> str:
    value = "" if item["value"] is None else f" {item['value']!r}"
    return f"line {item['line']:>4}  {item['canonical_field']} {item['operator']}{value}   (as written: {item['field']})"


def write_normalized_text(documents: list[dict[str, Any]], out: TextIO) -> None:
    for document in documents:
        if document["error"]:
            out.write(f"{document['path']}: cannot read: {document['error']}\n\n")
            continue
        for rule in document["rules"]:
            out.write(f"{document['path']}:{rule['line']}: {rule['vendor']} rule {rule['id']}\n")
            out.write(f"  title:      {rule['title']}\n")
            out.write(f"  techniques: {', '.join(rule['techniques']) or '-'}\n")
            out.write(f"  events:     {', '.join(rule['events']) or '-'}\n")
            out.write("  indicators:\n")
            for item in rule["indicators"]:
                out.write(f"    {_describe(item)}\n")
            out.write("  exclusions:\n")
            for item in rule["exclusions"] or []:
                out.write(f"    {_describe(item)}\n")
            for note in rule["notes"]:
                out.write(f"  note: {note}\n")
            out.write("\n")
