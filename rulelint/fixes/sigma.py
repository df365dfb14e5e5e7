"""Adding exclusions to a Sigma rule: ``filter_*`` blocks before the condition, and the condition
rewritten to apply them (``selection and not 1 of filter_main_*``), as SigmaHQ writes them.

The edit is made on the text, so everything the author wrote (comments, order, quoting, indentation)
stays as it was; ruamel.yaml then reads the result back as a round-trip check that the document is
still valid YAML with the new detection in place.
"""

from __future__ import annotations

import io
import re

from rulelint.fixes.edits import TextEdit, apply_edits
from rulelint.formats.base import ExclusionFix
from rulelint.formats.sigma.writer import block_lines, condition_with_filter, plan_blocks
from rulelint.model import Rule

CONDITION_LINE = re.compile(
    r"^(?P<indent>[ \t]*)condition:[ \t]*(?P<value>[^#\n]*?)[ \t]*(?P<comment>#.*)?$"
)


class FixNotPossible(Exception):
    """The rule's layout does not allow a safe text edit (say why)."""


def _names(rule_text_lines: list[str], indent: str) -> set[str]:
    pattern = re.compile(rf"^{re.escape(indent)}([A-Za-z0-9_\-]+):")
    return {m.group(1) for line in rule_text_lines if (m := pattern.match(line))}


def exclusion_edit(rule: Rule, text: str, fixes: list[ExclusionFix]) -> TextEdit:
    """One edit replacing the condition line with the new filter blocks and the new condition."""
    line_number = int(rule.extra.get("condition_line", 0) or 0)  # type: ignore[call-overload]
    lines = text.splitlines()
    if not 0 < line_number <= len(lines):
        raise FixNotPossible("the rule's condition line is unknown")
    match = CONDITION_LINE.match(lines[line_number - 1])
    if (
        match is None
        or not match.group("value")
        or match.group("value").startswith(("[", "{", "|", ">", "-"))
    ):
        raise FixNotPossible("the condition is not a one-line text (a list, block or flow value)")
    indent = match.group("indent")
    item_indent = indent + (indent if indent.strip() == "" and indent else "    ")
    condition = match.group("value").strip()
    if condition[:1] in ("'", '"'):
        condition = condition[1:-1]
    new_lines: list[str] = []
    for name, (key, values) in plan_blocks(fixes, _names(lines, indent)).items():
        new_lines.extend(block_lines(name, key, values, indent, item_indent))
        condition = condition_with_filter(condition, name)
    comment = f"  {match.group('comment')}" if match.group("comment") else ""
    new_lines.append(f"{indent}condition: {condition}{comment}")
    edit = TextEdit(line_number, line_number, "\n".join(new_lines))
    verify_round_trip(apply_edits(text, [edit]))
    return edit


def verify_round_trip(text: str) -> None:
    """Read the fixed text back with ruamel.yaml (round-trip mode) and with rulelint's own safe
    loader (which refuses duplicate keys); raise if either finds it invalid."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    from rulelint.formats.errors import RuleReadError
    from rulelint.formats.yamlsafe import load_yaml_documents

    try:
        load_yaml_documents(text)
    except RuleReadError as error:
        raise FixNotPossible(f"the fixed rule would not be valid: {error}") from None
    yaml = YAML(typ="rt")
    try:
        for document in yaml.load_all(io.StringIO(text)):
            detection = document.get("detection") if hasattr(document, "get") else None
            if detection is not None and "condition" not in detection:
                raise FixNotPossible("the fixed rule lost its condition")
    except YAMLError as error:
        raise FixNotPossible(f"the fixed rule would not be valid YAML: {error}") from None


def fixed_text(rule: Rule, text: str, fixes: list[ExclusionFix]) -> str:
    result = apply_edits(text, [exclusion_edit(rule, text, fixes)])
    verify_round_trip(result)
    return result
