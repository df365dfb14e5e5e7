"""What a vendor reader is, and what reading one file gives back."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from rulelint.model import Rule


@dataclass(slots=True)
class ExclusionFix:
    """An exclusion a check wants added to a rule, for a reader to write in its own language.

    ``field`` is already the vendor's spelling when the catalog knows one (the most common raw field
    of this vendor's rules for ``canonical_field``), else the canonical name. ``operator`` and
    ``value`` are canonical; ``display_value`` keeps the original case. ``name`` is a suggested
    identifier (Sigma ``filter_main_svchost``).
    """

    field: str
    canonical_field: str
    operator: str
    value: str | None
    display_value: str | None
    name: str = ""
    how: str = ""  # how rules of the same vendor write it (Sigma ``IpAddress|expand``), if any


class Reader(Protocol):
    """One rule format. Readers know nothing of checks or output (DESIGN: the pipeline).

    ``format`` names the file format (``sigma``, ``elastic-toml``, ``splunk-yaml``, ...);
    ``vendor`` the rule family. ``sniff`` decides from the path and the first bytes whether a file
    is this format without parsing it; ``read`` parses the whole text and raises
    :class:`rulelint.formats.errors.RuleReadError` for anything it cannot understand.
    """

    format: str
    vendor: str
    suffixes: tuple[str, ...]

    def sniff(self, path: str, head: str) -> bool: ...

    def read(self, path: str, text: str) -> list[Rule]: ...

    def exclusion_snippet(self, rule: Rule, fixes: list[ExclusionFix]) -> str | None:
        """The text to add to ``rule`` so it excludes ``fixes`` (in the rule's own language)."""
        ...


@dataclass(slots=True)
class ReadResult:
    """The outcome of reading one file: its rules, or the error that stopped it."""

    path: str
    format: str
    rules: list[Rule] = field(default_factory=list)
    error: str | None = None
    error_line: int = 0
    text: str = ""  # the file's text, for fixes and suppression comments
