"""RL105 path-name-mismatch: a full-path field compared with a bare file name.

What it checks
    ``Image: net.exe`` (or ``process.executable == "net.exe"``): the field holds a full path
    (``C:\\\\Windows\\\\System32\\\\net.exe``), so an equality with a bare name never matches. Use the
    name field (``process.name``), or ``endswith: '\\\\net.exe'``.

Why
    The rule looks right and detects nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from rulelint.checks.base import Check, Context, Finding
from rulelint.checks.broad_exclusion import path_fields
from rulelint.checks.describe import describe


class PathNameMismatch(Check):
    code = "RL105"
    name = "path-name-mismatch"
    severity = "warning"
    summary = "A full-path field compared for equality with a bare file name: it never matches."

    def run(self, context: Context) -> Iterable[Finding]:
        findings: list[Finding] = []
        for predicate in context.rule.predicates():
            value = predicate.value or ""
            if (
                predicate.operator == "eq"
                and predicate.canonical_field in path_fields()
                and "." in value
                and "\\" not in value
                and "/" not in value
                and "%" not in value
                and not value.startswith("fieldref:")
            ):
                findings.append(
                    self.finding(
                        context,
                        predicate.line,
                        f"{describe(predicate)} compares a full path with a bare file name: it never matches "
                        f"(test the name, or the end of the path: '\\\\{predicate.display_value}')",
                        in_body=True,
                        field=predicate.field,
                        canonical_field=predicate.canonical_field,
                        operator=predicate.operator,
                        value=predicate.display_value,
                    )
                )
        return findings
