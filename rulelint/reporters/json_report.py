"""The JSON report: a contract other tools read. Its schema is ``rulelint/data/schemas/report.json``."""

from __future__ import annotations

import json
from typing import Any, TextIO

from rulelint.catalog.store import Catalog
from rulelint.checks.base import Finding
from rulelint.engine import FileReport
from rulelint.reporters.summary import summarize

REPORT_VERSION = 1


def finding_to_dict(finding: Finding) -> dict[str, Any]:
    return {
        "code": finding.code,
        "check": finding.check,
        "severity": finding.severity,
        "line": finding.line,
        "column": finding.column or 1,
        "path": finding.path,  # null: the line is in the file itself
        "message": finding.message,
        "field": finding.field,
        "canonical_field": finding.canonical_field,
        "operator": finding.operator,
        "value": finding.value,
        "evidence": finding.evidence,
        "fix": finding.fix,
        "suppressed": finding.suppressed,
        "suppressed_by": finding.suppressed_by,
    }


def catalog_to_dict(catalog: Catalog) -> dict[str, Any]:
    return {
        "path": str(catalog.path),
        "rules": catalog.total_rules,
        "attack": catalog.meta.get("attack", ""),
        "sources": [
            {
                "name": s["name"],
                "repository": s["repository"],
                "commit": s["commit"],
                "license": s["license"],
            }
            for s in catalog.sources()
        ],
    }


def report_to_dict(reports: list[FileReport], catalog: Catalog) -> dict[str, Any]:
    return {
        "version": REPORT_VERSION,
        "catalog": catalog_to_dict(catalog),
        "files": [
            {
                "path": report.path,
                "format": report.format,
                "error": report.error,
                "error_line": report.error_line or None,
                "rules": [
                    {
                        "id": rule_report.rule.id,
                        "title": rule_report.rule.title,
                        "vendor": rule_report.rule.vendor,
                        "line": rule_report.rule.line,
                        "techniques": rule_report.rule.techniques,
                        "noise_score": rule_report.noise_score,
                        "findings": [finding_to_dict(f) for f in rule_report.findings],
                    }
                    for rule_report in report.rules
                ],
            }
            for report in reports
        ],
        "summary": summarize(reports).to_dict(),
    }


def write_json(reports: list[FileReport], catalog: Catalog, out: TextIO) -> None:
    json.dump(report_to_dict(reports, catalog), out, indent=2, ensure_ascii=False)
    out.write("\n")
