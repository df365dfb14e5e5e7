"""SARIF 2.1.0, what GitHub code scanning ingests: rules with help, results with stable
fingerprints, suppressions, and fixes as text replacements."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from rulelint import __version__
from rulelint.catalog.store import Catalog
from rulelint.checks.base import Finding
from rulelint.checks.registry import CHECKS, documentation
from rulelint.engine import FileReport

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
LEVELS = {"error": "error", "warning": "warning", "info": "note"}
UNREADABLE = "RL000"
INFORMATION_URI = "https://github.com/rulelint/rulelint"


def _uri(path: str, root: Path) -> str:
    absolute = Path(path).resolve()
    try:
        return quote(absolute.relative_to(root).as_posix(), safe="/")
    except ValueError:
        return absolute.as_uri()


def fingerprint(path: str, rule_id: str, finding: Finding) -> str:
    """Stable across commits and line moves: the rule, the check and what the finding is about."""
    subject = rule_id or path
    key = "|".join(
        str(x)
        for x in (subject, finding.code, finding.canonical_field, finding.operator, finding.value)
    )
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _rules() -> list[dict[str, Any]]:
    rules = [
        {
            "id": UNREADABLE,
            "name": "UnreadableRule",
            "shortDescription": {"text": "The rule file could not be read."},
            "fullDescription": {
                "text": "rulelint could not parse this rule file; the message says why and where."
            },
            "help": {
                "text": "Fix the syntax error reported at the line given.",
                "markdown": "Fix the syntax error reported at the line given.",
            },
            "defaultConfiguration": {"level": "error"},
        }
    ]
    for check in CHECKS:
        doc = documentation(check)
        rules.append(
            {
                "id": check.code,
                "name": "".join(part.capitalize() for part in check.name.split("-")),
                "shortDescription": {"text": check.summary},
                "fullDescription": {"text": doc.split("\n\n")[0]},
                "help": {
                    "text": doc,
                    "markdown": f"**{check.code} {check.name}**\n\n```text\n{doc}\n```",
                },
                "helpUri": f"{INFORMATION_URI}#checks",
                "defaultConfiguration": {"level": LEVELS[check.severity]},
                "properties": {"tags": ["detection-engineering", check.name]},
            }
        )
    return rules


def _result(
    report: FileReport, rule_id: str, finding: Finding, root: Path, index: dict[str, int]
) -> dict[str, Any]:
    uri = _uri(finding.path or report.path, root)
    region = {"startLine": max(finding.line, 1), "startColumn": max(finding.column, 1)}
    result: dict[str, Any] = {
        "ruleId": finding.code,
        "ruleIndex": index[finding.code],
        "level": LEVELS.get(finding.severity, "warning"),
        "message": {"text": finding.message},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                    "region": region,
                }
            }
        ],
        "partialFingerprints": {"rulelint/v1": fingerprint(uri, rule_id, finding)},
        "properties": {"check": finding.check, "evidence": finding.evidence},
    }
    if finding.suppressed:
        kind = "inSource" if (finding.suppressed_by or "").startswith("comment") else "external"
        result["suppressions"] = [{"kind": kind, "justification": finding.suppressed_by or ""}]
    if finding.edits:
        result["fixes"] = [
            {
                "description": {"text": "Add the exclusion and apply it in the condition"},
                "artifactChanges": [
                    {
                        "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                        "replacements": [
                            {
                                "deletedRegion": {
                                    "startLine": edit.start,
                                    "endLine": edit.end + 1,
                                    "startColumn": 1,
                                    "endColumn": 1,
                                },
                                "insertedContent": {"text": edit.text + "\n"},
                            }
                            for edit in finding.edits
                        ],
                    }
                ],
            }
        ]
    return result


def sarif_document(
    reports: list[FileReport], catalog: Catalog, root: str | None = None
) -> dict[str, Any]:
    base = Path(root or os.getcwd()).resolve()
    rules = _rules()
    index = {rule["id"]: position for position, rule in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for report in reports:
        if report.error:
            uri = _uri(report.path, base)
            results.append(
                {
                    "ruleId": UNREADABLE,
                    "ruleIndex": 0,
                    "level": "error",
                    "message": {"text": f"cannot read {report.format} rule: {report.error}"},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": {"uri": uri, "uriBaseId": "%SRCROOT%"},
                                "region": {"startLine": max(report.error_line, 1)},
                            }
                        }
                    ],
                    "partialFingerprints": {
                        "rulelint/v1": hashlib.sha256(f"{uri}|{UNREADABLE}".encode()).hexdigest()[
                            :32
                        ]
                    },
                }
            )
        for rule_report in report.rules:
            for finding in rule_report.findings:
                results.append(_result(report, rule_report.rule.id, finding, base, index))
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "rulelint",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": rules,
                    }
                },
                "originalUriBaseIds": {"%SRCROOT%": {"uri": base.as_uri() + "/"}},
                "invocations": [{"executionSuccessful": True}],
                "results": results,
                "properties": {
                    "catalog": {"rules": catalog.total_rules, "path": str(catalog.path)}
                },
            }
        ],
    }


def write_sarif(
    reports: list[FileReport], catalog: Catalog, out: TextIO, root: str | None = None
) -> None:
    json.dump(sarif_document(reports, catalog, root), out, indent=2, ensure_ascii=False)
    out.write("\n")
