"""RL104 unknown-field: a field no catalog rule reading these events uses (a typo?).

What it checks
    For each field the rule tests, whether any catalog rule of the same vendor that reads the same
    kind of events (process creation, logons, ...) tests it too. When none does and the catalog
    knows this vendor and these events well (at least 20 such rules), the field is probably a typo
    or a field the log source does not have. When a field of those rules is spelled almost the same
    way, the finding says "did you mean" and is a warning; otherwise it is informational.

Why
    A misspelled field (``Commandline``, ``ParentImgae``) never matches: the rule silently detects
    nothing.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from rulelint.checks.base import Check, Context, Finding
from rulelint.vocab.events import categories as event_categories

MIN_RULES = 20


class UnknownField(Check):
    code = "RL104"
    name = "unknown-field"
    severity = "warning"
    summary = "A field no catalog rule reading the same events uses (did you mean ...?)."

    def run(self, context: Context) -> Iterable[Finding]:
        rule = context.rule
        if rule.expression is None or not rule.events:
            return []
        known: set[str] = set()
        rules_seen = 0
        for category in event_categories(rule.events):
            fields, count = context.catalog.vendor_fields_for_category(rule.vendor, category)
            known |= fields
            rules_seen += count
        if rules_seen < MIN_RULES:
            return []
        folded = {name.casefold(): name for name in known}
        findings: list[Finding] = []
        reported: set[str] = set()
        for predicate in rule.predicates():
            raw = predicate.field
            if not raw or raw in known or raw in reported or raw.casefold() in folded:
                continue
            reported.add(raw)
            close = difflib.get_close_matches(raw, known, n=1, cutoff=0.8)
            if close:
                message = f"field {raw!r} is not used by any of the {rules_seen} catalog rules reading these events: did you mean {close[0]!r}?"
                severity = None
            else:
                message = f"field {raw!r} is not used by any of the {rules_seen} catalog rules reading these events"
                severity = "info"
            finding = self.finding(
                context,
                predicate.line,
                message,
                in_body=True,
                field=raw,
                canonical_field=predicate.canonical_field,
            )
            if severity and self.code not in context.settings.severity_overrides:
                finding.severity = severity
            if close:
                finding.evidence["did_you_mean"] = close[0]
            finding.evidence["rules_reading_these_events"] = rules_seen
            findings.append(finding)
        return findings
