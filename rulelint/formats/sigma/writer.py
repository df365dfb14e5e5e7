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


def plan_blocks(
    fixes: list[ExclusionFix], taken: set[str] | frozenset[str] = frozenset()
) -> dict[str, tuple[str | None, list[str]]]:
    """Filter blocks for the exclusions: ``name -> (key, values)``.

    Values of one key are alternatives, so they share a block (a YAML list); exclusions on
    different keys are independent, so each gets its own block (keys in one block would be ANDed).
    """
    blocks: dict[str, tuple[str | None, list[str]]] = {}
    for fix in fixes:
        key, value = sigma_item(fix)
        base = fix.name or "filter_main_rulelint"
        name, suffix = base, 2
        while name in taken or (name in blocks and blocks[name][0] != key):
            name, suffix = f"{base}_{suffix}", suffix + 1
        blocks.setdefault(name, (key, []))[1].append(value)
    return blocks


def block_lines(
    name: str, key: str | None, values: list[str], indent: str, item_indent: str
) -> list[str]:
    lines = [f"{indent}{name}:"]
    if key is None:
        lines.extend(f"{item_indent}- {value}" for value in values)
    elif len(values) == 1:
        lines.append(f"{item_indent}{key}: {values[0]}")
    else:
        lines.append(f"{item_indent}{key}:")
        lines.extend(f"{item_indent}    - {value}" for value in values)
    return lines


def exclusion_snippet(rule: Rule, fixes: list[ExclusionFix]) -> str:
    lines: list[str] = []
    condition = str(rule.extra.get("condition", "selection"))
    for name, (key, values) in plan_blocks(fixes).items():
        lines.extend(block_lines(name, key, values, "", "    "))
        condition = condition_with_filter(condition, name)
    lines.append(f"condition: {condition}")
    return "\n".join(lines)
