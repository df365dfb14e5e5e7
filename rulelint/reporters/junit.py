"""JUnit XML: one test suite per file, one test case per rule, a failure per finding."""

from __future__ import annotations

from typing import TextIO
from xml.etree import ElementTree as ET

from rulelint.checks.base import severity_rank
from rulelint.engine import FileReport


def write_junit(reports: list[FileReport], out: TextIO, fail_on: str = "warning") -> None:
    threshold = severity_rank(fail_on) if fail_on != "never" else 99
    suites = ET.Element("testsuites", name="rulelint")
    total_tests = total_failures = total_errors = 0
    for report in reports:
        suite = ET.SubElement(suites, "testsuite", name=report.path)
        tests = failures = errors = 0
        if report.error:
            case = ET.SubElement(suite, "testcase", classname=report.path, name="read")
            error = ET.SubElement(case, "error", message=report.error, type="unreadable-rule")
            error.text = f"{report.path}:{report.error_line}: {report.error}"
            tests += 1
            errors += 1
        for rule in report.rules:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=report.path,
                name=f"{rule.rule.title or rule.rule.id} ({rule.rule.id})",
            )
            tests += 1
            failing = [
                f
                for f in rule.findings
                if not f.suppressed and severity_rank(f.severity) >= threshold
            ]
            for finding in failing:
                element = ET.SubElement(
                    case, "failure", message=f"{finding.code} {finding.message}", type=finding.check
                )
                element.text = f"{finding.path or report.path}:{finding.line}: {finding.code} [{finding.severity}] {finding.message}"
            if failing:
                failures += 1
            skipped = [f for f in rule.findings if f.suppressed]
            if skipped and not failing:
                ET.SubElement(case, "system-out").text = "\n".join(
                    f"{f.code} suppressed: {f.message}" for f in skipped
                )
        suite.set("tests", str(tests))
        suite.set("failures", str(failures))
        suite.set("errors", str(errors))
        total_tests += tests
        total_failures += failures
        total_errors += errors
    suites.set("tests", str(total_tests))
    suites.set("failures", str(total_failures))
    suites.set("errors", str(total_errors))
    ET.indent(suites)
    out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
    out.write(ET.tostring(suites, encoding="unicode"))
    out.write("\n")
