"""RL001 unused-suppression: a suppression that no longer suppresses anything.

What it checks
    A ``# rulelint: ignore[CODE]`` comment (``//`` in KQL and YARA-L, ``<!-- -->`` in Markdown) on a
    line, on the line above a finding, or ``ignore-file`` anywhere in the file, and a rule id listed
    under ``[tool.rulelint.suppress]`` in the configuration, that matched no finding in this run.

Why
    A suppression outlives the problem it hid: the rule was fixed, or the check changed. Left in
    place it would hide the next real finding on that line.

Fix
    Remove the comment (or the configuration entry), or narrow it to the codes that still fire.
"""

from __future__ import annotations

from collections.abc import Iterable

from rulelint.checks.base import Check, Context, Finding


class UnusedSuppression(Check):
    code = "RL001"
    name = "unused-suppression"
    severity = "info"
    summary = "A suppression comment or configuration entry that suppresses nothing."

    def run(self, context: Context) -> Iterable[Finding]:
        return []  # the engine reports these once every other check has run
