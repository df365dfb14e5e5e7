"""Markdown for a job summary or a pull-request comment: counts, then one table row per finding."""

from __future__ import annotations

from typing import TextIO

from rulelint.checks.base import severity_rank
from rulelint.engine import FileReport
from rulelint.reporters.github import annotations, display_path, select
from rulelint.reporters.summary import summarize

ICONS = {"error": "🔴", "warning": "🟠", "info": "🔵"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\r", " ").replace("\n", "<br>").replace("`", "'")


def write_markdown(
    reports: list[FileReport], out: TextIO, changed: dict[str, set[int]] | None = None
) -> None:
    summary = summarize(reports)
    out.write("## rulelint\n\n")
    counts = " · ".join(
        f"{ICONS[s]} {summary.findings.get(s, 0)} {s}" for s in ("error", "warning", "info")
    )
    out.write(f"{summary.files} file(s), {summary.rules} rule(s) checked: {counts}")
    if summary.suppressed:
        out.write(f" · {summary.suppressed} suppressed")
    if summary.errors:
        out.write(f" · {summary.errors} unreadable file(s)")
    out.write("\n\n")
    _, left_out = select(annotations(reports, changed))
    if left_out:
        out.write(
            f"> {left_out} finding(s) are not shown as annotations (GitHub shows 10 per type); all are listed below.\n\n"
        )
    rows = []
    for report in reports:
        if report.error:
            rows.append(
                (
                    "error",
                    display_path(report.path),
                    report.error_line,
                    "E000",
                    f"cannot read {report.format} rule: {report.error}",
                    None,
                )
            )
        for rule in report.rules:
            for f in rule.findings:
                if not f.suppressed:
                    rows.append(
                        (
                            f.severity,
                            display_path(f.path or report.path),
                            f.line,
                            f.code,
                            f.message,
                            f.fix,
                        )
                    )
    if not rows:
        out.write("No findings. ✅\n")
        return
    rows.sort(key=lambda r: (-severity_rank(r[0]), r[1], r[2]))
    out.write("| | Location | Check | Finding |\n|---|---|---|---|\n")
    for severity, path, line, code, message, fix in rows:
        detail = _cell(message)
        if fix:
            detail += (
                "<details><summary>fix</summary><pre>"
                + _cell(fix.replace("<", "&lt;"))
                + "</pre></details>"
            )
        out.write(f"| {ICONS.get(severity, '')} | `{_cell(path)}:{line}` | {code} | {detail} |\n")
