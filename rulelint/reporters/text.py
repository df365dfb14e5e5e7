"""Human text: ``file:line:col: CODE [severity] message`` and the fix, then a summary."""

from __future__ import annotations

from typing import TextIO

from rulelint.engine import FileReport
from rulelint.reporters.summary import summarize

COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m"}
RESET = "\033[0m"
BOLD = "\033[1m"


def printable(text: str) -> str:
    """A path or message with control characters escaped (a file name cannot forge output lines)."""
    if text.isprintable():
        return text
    return "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text
    )


def write_text(
    reports: list[FileReport], out: TextIO, *, color: bool = False, show_fixes: bool = True
) -> None:
    def paint(text: str, code: str) -> str:
        return f"{code}{text}{RESET}" if color else text

    for report in reports:
        if report.error:
            where = (
                f"{printable(report.path)}:{report.error_line}"
                if report.error_line
                else printable(report.path)
            )
            out.write(
                f"{paint(where, BOLD)}: {paint('E000 [error]', COLORS['error'])} cannot read {report.format} rule: {report.error}\n"
            )
            continue
        for rule_report in report.rules:
            for finding in rule_report.findings:
                if finding.suppressed:
                    continue
                location = (
                    f"{printable(finding.path or report.path)}:{finding.line}:{finding.column or 1}"
                )
                label = paint(
                    f"{finding.code} [{finding.severity}]", COLORS.get(finding.severity, "")
                )
                out.write(f"{paint(location, BOLD)}: {label} {finding.message}\n")
                if show_fixes and finding.fix:
                    out.write("    fix: add\n")
                    for line in finding.fix.splitlines():
                        out.write(f"      | {line}\n")
    summary = summarize(reports)
    counts = ", ".join(
        f"{summary.findings.get(s, 0)} {s}{'s' if summary.findings.get(s, 0) != 1 else ''}"
        for s in ("error", "warning", "info")
    )
    tail = f"; {summary.suppressed} suppressed" if summary.suppressed else ""
    unreadable = (
        f"; {summary.errors} file{'s' if summary.errors != 1 else ''} could not be read"
        if summary.errors
        else ""
    )
    out.write(
        f"{summary.files} file{'s' if summary.files != 1 else ''}, {summary.rules} rule{'s' if summary.rules != 1 else ''} checked: {counts}{tail}{unreadable}\n"
    )
