"""RL103 broad-exclusion: an exclusion an attacker can step into.

What it checks
    Exclusions (predicates under the rule's top-level ``not``) that exclude far more than the false
    positive they were written for:

    - ``contains`` on a field holding a full path (``Image|contains: '\\\\Program Files\\\\'``): any folder
      an attacker can create satisfies it (``C:\\\\Users\\\\x\\\\Program Files\\\\evil.exe``); anchor it with
      ``startswith: 'C:\\\\Program Files\\\\'``;
    - a value of one or two characters with ``contains``/``startswith``/``endswith``;
    - ``field: '*'`` (any value): every event that has the field is excluded.

Why
    Exclusions are where detections silently stop working. A broad one hands the attacker a folder
    or a name that turns the rule off.

Severity
    Informational by default: SigmaHQ itself uses path ``contains`` exclusions in about 5 % of its
    rules (468 findings over ``rules/``), so a warning would bury the other findings. Raise it with
    ``severity = { RL103 = "warning" }`` where exclusions are reviewed strictly.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from rulelint.checks.base import Check, Context, Finding
from rulelint.checks.describe import describe
from rulelint.vocab.tables import read_table


@cache
def path_fields() -> frozenset[str]:
    return frozenset(row[0] for row in read_table("fields/path_fields.tsv", min_columns=1))


def why_broad(canonical_field: str, operator: str, value: str | None) -> str | None:
    if operator == "is_not_null":
        return "it excludes every event that has the field at all"
    if (
        operator in ("contains", "starts_with", "ends_with")
        and value is not None
        and len(value) <= 2
    ):
        if not value:
            return "an empty value matches every event that has the field"
        return f"a {len(value)}-character value matches almost anything"
    if (
        operator == "contains"
        and canonical_field in path_fields()
        and value
        and ("\\" in value or "/" in value)
    ):
        return (
            "'contains' on a path matches that folder name anywhere, including folders an attacker "
            "can create; anchor it with a 'starts with' on the full path"
        )
    return None


class BroadExclusion(Check):
    code = "RL103"
    name = "broad-exclusion"
    severity = "info"
    summary = "An exclusion so broad an attacker can step into it."

    def run(self, context: Context) -> Iterable[Finding]:
        findings: list[Finding] = []
        seen: set[tuple[str, str, str]] = set()
        for predicate in context.rule.exclusions():
            reason = why_broad(predicate.canonical_field, predicate.operator, predicate.value)
            if reason is None or predicate.key in seen:
                continue
            seen.add(predicate.key)
            findings.append(
                self.finding(
                    context,
                    predicate.line,
                    f"the exclusion {describe(predicate)} is broad: {reason}",
                    in_body=True,
                    field=predicate.field,
                    canonical_field=predicate.canonical_field,
                    operator=predicate.operator,
                    value=predicate.display_value,
                )
            )
        return findings
