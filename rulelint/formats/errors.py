"""Errors a reader raises for one file; the CLI reports them per file and carries on."""

from __future__ import annotations


class RuleReadError(Exception):
    """A rule file that cannot be read or understood. ``line`` is 1-based, 0 when unknown."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message
