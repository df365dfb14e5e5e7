"""Suppressions: ``# rulelint: ignore[CODE]`` comments in the rule file, and rule ids in the
configuration. A suppressed finding stays in the JSON/SARIF report, marked suppressed; a suppression
that suppresses nothing is itself reported (RL001), so they do not rot."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rulelint.checks.base import Finding

#: ``# rulelint: ignore[RL102]``, ``// rulelint: ignore``, ``<!-- rulelint: ignore-file[RL1] -->``
COMMENT = re.compile(
    r"(?P<lead>#|//|<!--|--)\s*rulelint:\s*(?P<kind>ignore-file|ignore)\b(?:\[(?P<codes>[^\]\n]*)\])?"
)


@dataclass(slots=True)
class Suppression:
    line: int
    codes: tuple[str, ...]  # empty: every code
    file_wide: bool
    comment_only: bool  # the comment is alone on its line (then it also covers the next line)
    used: bool = False

    @property
    def label(self) -> str:
        kind = "ignore-file" if self.file_wide else "ignore"
        return f"rulelint: {kind}[{','.join(self.codes)}]" if self.codes else f"rulelint: {kind}"


def parse_suppressions(text: str) -> list[Suppression]:
    found: list[Suppression] = []
    if "rulelint:" not in text:
        return found
    for number, line in enumerate(text.splitlines(), start=1):
        match = COMMENT.search(line)
        if match is None:
            continue
        codes = tuple(c.strip() for c in (match.group("codes") or "").split(",") if c.strip())
        comment_only = line[: match.start()].strip() == ""
        found.append(Suppression(number, codes, match.group("kind") == "ignore-file", comment_only))
    return found


def code_matches(code: str, check_name: str, selectors: tuple[str, ...] | list[str]) -> bool:
    """``RL102``, a prefix (``RL1``), the check's name, or nothing (= all) select a finding."""
    if not selectors:
        return True
    for selector in selectors:
        wanted = selector.strip()
        if (
            code.startswith(wanted.upper())
            or wanted.lower() == check_name
            or wanted.upper() == "ALL"
        ):
            return True
    return False


def apply_comments(findings: list[Finding], suppressions: list[Suppression]) -> None:
    for finding in findings:
        for suppression in suppressions:
            covers_line = (
                suppression.file_wide
                or finding.line == suppression.line
                or (suppression.comment_only and finding.line == suppression.line + 1)
            )
            if covers_line and code_matches(finding.code, finding.check, suppression.codes):
                finding.suppressed = True
                finding.suppressed_by = f"comment at line {suppression.line}"
                suppression.used = True
                break


def apply_config(findings: list[Finding], codes: list[str] | None, source: str) -> bool:
    """Suppress a rule's findings listed for its id in the configuration; True when any matched."""
    if codes is None:
        return False
    used = False
    for finding in findings:
        if not finding.suppressed and code_matches(finding.code, finding.check, tuple(codes)):
            finding.suppressed = True
            finding.suppressed_by = f"configuration ({source})"
            used = True
    return used
