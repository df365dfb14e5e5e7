"""Writing Sigma: an exclusion as a ``filter_*`` detection plus the condition that applies it."""

from __future__ import annotations

import re

from rulelint.formats.base import ExclusionFix
from rulelint.model import Rule
from rulelint.vocab.fields import field_map, name_path_pairs

MODIFIERS = {
    "eq": "",
    "wildcard": "",
    "contains": "|contains",
    "starts_with": "|startswith",
    "ends_with": "|endswith",
    "regex_match": "|re",
    "cidr_match": "|cidr",
    "gt": "|gt",
    "ge": "|gte",
    "lt": "|lt",
    "le": "|lte",
    "ne": "|neq",
}


def quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def sigma_item(fix: ExclusionFix) -> tuple[str | None, str]:
    """(key, YAML value) of one exclusion; key None for a keyword."""
    value = fix.display_value if fix.display_value is not None else (fix.value or "")
    if fix.operator == "match" and fix.canonical_field == "keyword":
        return None, quote(value)
    if fix.operator == "is_null":
        return fix.field, "null"
    if fix.operator == "is_not_null":
        return f"{fix.field}|exists", "true"
    if fix.how and "|" in fix.how and fix.how.split("|", 1)[0] == fix.field:
        return fix.how, quote(value)  # exactly as other Sigma rules write it
    path_field = name_path_pairs().get(fix.canonical_field)
    if fix.operator == "eq" and path_field:
        names = field_map("sigma").vendor_names(path_field)
        if names:  # Sigma spells names as the end of the path: Image|endswith: '\net.exe'
            return f"{names[0]}|endswith", quote("\\" + value.lstrip("\\/"))
    return f"{fix.field}{MODIFIERS.get(fix.operator, '')}", quote(value)


def condition_with_filter(condition: str, name: str) -> str:
    """The condition with ``and not 1 of <prefix>*`` added (unless it already applies it)."""
    prefix = next((p for p in ("filter_main_", "filter_optional_") if name.startswith(p)), None)
    pattern = f"{prefix}*" if prefix else name
    if re.search(rf"not\s+(1|any)\s+of\s+{re.escape(pattern)}", condition) or re.search(
        rf"not\s+{re.escape(name)}\b", condition
    ):
        return condition
    if re.search(r"\bor\b", condition, re.IGNORECASE):
        condition = f"({condition})"
    return f"{condition} and not {'1 of ' if prefix else ''}{pattern}"


def exclusion_snippet(rule: Rule, fixes: list[ExclusionFix]) -> str:
    blocks: dict[str, list[tuple[str | None, str]]] = {}
    for fix in fixes:
        blocks.setdefault(fix.name or "filter_main_rulelint", []).append(sigma_item(fix))
    lines: list[str] = []
    condition = str(rule.extra.get("condition", "selection"))
    for name, items in blocks.items():
        lines.append(f"{name}:")
        for key, value in items:
            lines.append(f"    - {value}" if key is None else f"    {key}: {value}")
        condition = condition_with_filter(condition, name)
    lines.append(f"condition: {condition}")
    return "\n".join(lines)
