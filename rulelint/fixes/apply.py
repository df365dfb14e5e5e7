"""``rulelint check --fix``: write the fixes a run found into the rule files (or show the diff)."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass

from rulelint.engine import FileReport, reader_for
from rulelint.fixes.edits import TextEdit, apply_edits, unified_diff
from rulelint.formats import read_rule_file


@dataclass(slots=True)
class FixOutcome:
    path: str
    fixed: int  # findings fixed in this file
    before: str
    after: str

    @property
    def diff(self) -> str:
        return unified_diff(self.path, self.before, self.after)


def plan(report: FileReport) -> FixOutcome | None:
    """The fixed text of one file, from its unsuppressed fixable findings (None: nothing to do)."""
    reader = reader_for(report.format)
    make_edit = getattr(reader, "exclusion_edit", None)
    if make_edit is None or report.error:
        return None
    result = read_rule_file(report.path)
    if result is None or result.error:
        return None
    by_id = {rule.id: rule for rule in result.rules}
    edits: list[TextEdit] = []
    fixed = 0
    for rule_report in report.rules:
        exclusions = [
            f.exclusion
            for f in rule_report.findings
            if f.exclusion is not None and not f.suppressed
        ]
        rule = by_id.get(rule_report.rule.id)
        if not exclusions or rule is None:
            continue
        edit = make_edit(rule, result.text, exclusions)
        if edit is not None:
            edits.append(edit)
            fixed += len(exclusions)
    if not edits:
        return None
    after = apply_edits(result.text, edits)
    return FixOutcome(report.path, fixed, result.text, after) if after != result.text else None


def write_text_atomically(path: str, text: str) -> None:
    """Replace the file atomically, keeping its permissions."""
    folder = os.path.dirname(os.path.abspath(path))
    mode = os.stat(path).st_mode
    handle, temporary = tempfile.mkstemp(prefix=".rulelint-", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def fix_files(reports: list[FileReport], *, write: bool) -> list[FixOutcome]:
    outcomes = [outcome for outcome in (plan(report) for report in reports) if outcome is not None]
    if write:
        for outcome in outcomes:
            write_text_atomically(outcome.path, outcome.after)
    return outcomes
