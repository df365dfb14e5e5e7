"""Counts shared by every reporter."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from rulelint.checks.base import Finding
from rulelint.engine import FileReport


@dataclass(slots=True)
class Summary:
    files: int = 0
    rules: int = 0
    errors: int = 0  # files that could not be read
    findings: Counter[str] = field(default_factory=Counter)  # by severity, unsuppressed
    suppressed: int = 0
    by_code: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, object]:
        return {
            "files": self.files,
            "rules": self.rules,
            "files_with_errors": self.errors,
            "findings": sum(self.findings.values()),
            "by_severity": {s: self.findings.get(s, 0) for s in ("error", "warning", "info")},
            "by_code": dict(sorted(self.by_code.items())),
            "suppressed": self.suppressed,
        }


def all_findings(report: FileReport) -> list[tuple[int, Finding]]:
    """(rule index, finding) of a file."""
    return [(index, f) for index, rule in enumerate(report.rules) for f in rule.findings]


def summarize(reports: list[FileReport]) -> Summary:
    summary = Summary()
    for report in reports:
        summary.files += 1
        if report.error:
            summary.errors += 1
        for rule in report.rules:
            summary.rules += 1
            for finding in rule.findings:
                if finding.suppressed:
                    summary.suppressed += 1
                    continue
                summary.findings[finding.severity] += 1
                summary.by_code[finding.code] += 1
    return summary
