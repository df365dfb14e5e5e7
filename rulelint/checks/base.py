"""What a check is, what it reads, and what it reports.

Checks are one per module (like yamllint's rules and ruff's registry): each has a stable code, a
slug, a default severity and its own documentation (the module docstring, shown by
``rulelint explain CODE``). A check reads a normalized rule and the catalog, never a file format.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar

from rulelint.attack import Attack
from rulelint.catalog.store import Catalog, Key
from rulelint.fixes.edits import TextEdit
from rulelint.formats.base import ExclusionFix, Reader
from rulelint.model import Predicate, Rule
from rulelint.settings import Settings

SEVERITIES = ("info", "warning", "error")


def severity_rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else -1


@dataclass(slots=True)
class Finding:
    """One problem in one rule, with the evidence in numbers and, where possible, a fix."""

    code: str
    check: str
    severity: str
    line: int
    message: str
    field: str | None = None
    canonical_field: str | None = None
    operator: str | None = None
    value: str | None = None
    evidence: dict[str, Any] = dataclasses.field(default_factory=dict)
    fix: str | None = None
    column: int = 0
    suppressed: bool = False
    suppressed_by: str | None = None
    exclusion: ExclusionFix | None = None  # what a fix would add (missing-exclusion)
    edits: list[TextEdit] = dataclasses.field(default_factory=list)  # that fix, as text edits
    #: the file ``line`` is in when it is not the checked file (a Panther rule's Python body)
    path: str | None = None


class Context:
    """Everything a check may consult about one rule, with the rule's own catalog entry left out."""

    def __init__(
        self,
        rule: Rule,
        catalog: Catalog,
        attack: Attack,
        settings: Settings,
        reader: Reader | None,
    ) -> None:
        self.rule = rule
        self.catalog = catalog
        self.attack = attack
        self.settings = settings
        self.reader = reader
        self.own = catalog.own_rules(rule.id, rule.vendor)
        self._reach: dict[Key, int] = {}

    @cached_property
    def own_keys(self) -> set[Key]:
        return self.catalog.own_indicator_keys(self.own)

    @cached_property
    def total_rules(self) -> int:
        """Rules in the statistics, this rule's own entry left out."""
        in_stats_own = len(self.own_keys) > 0
        return max(self.catalog.total_rules - (1 if in_stats_own else 0), 1)

    def reach(self, predicate: Predicate) -> int:
        """Corpus reach of an indicator, not counting this rule's own catalog entry."""
        key = predicate.key
        found = self._reach.get(key)
        if found is None:
            found = self.catalog.reach(key) - (1 if key in self.own_keys else 0)
            self._reach[key] = found
        return found

    @cached_property
    def pages(self) -> list[str]:
        """ATT&CK page ids of the rule's techniques, parents included (v18 ids on v19 pages)."""
        return self.attack.rollup(self.rule.techniques)

    @cached_property
    def technique_rules(self) -> list[int]:
        return self.catalog.technique_rules(self.pages, exclude=self.own)

    @property
    def noisy_reach(self) -> int:
        """The reach from which an indicator counts as matching broadly in this catalog."""
        return max(
            self.settings.noisy_min_reach, round(self.settings.noisy_share * self.total_rules)
        )


class Check:
    """Base class: subclasses set the class attributes and implement :meth:`run`."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[str] = "warning"
    summary: ClassVar[str]

    def run(self, context: Context) -> Iterable[Finding]:
        raise NotImplementedError

    def finding(
        self, context: Context, line: int, message: str, in_body: bool = False, **details: Any
    ) -> Finding:
        """``in_body``: the line is a predicate's (or the condition's), which some formats keep
        in a second file (``rule.extra["body_path"]``: Panther's Python beside the YAML)."""
        severity = context.settings.severity_overrides.get(self.code, self.severity)
        body = context.rule.extra.get("body_path") if in_body else None
        return Finding(
            code=self.code,
            check=self.name,
            severity=severity,
            line=line,
            message=message,
            path=str(body) if body else None,
            **details,
        )
