"""The YARA-L IR: what :mod:`.grammar` parses a rule file into and :mod:`.reader` reads.

Plain dataclasses, apart from the grammar, so importing the reader does not import lark (a run
that meets no ``.yaral`` file never pays for it).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rulelint.formats.escapes import QUOTE_AND_BACKSLASH, unescape

# -- the IR ---------------------------------------------------------------------------------------


@dataclass(slots=True)
class Field:
    """``$e.target.process.command_line``: an event (or entity) variable and a UDM path."""

    variable: str
    path: str
    line: int
    column: int


@dataclass(slots=True)
class Var:
    """A placeholder (``$hostname``) or an event variable used alone (``$e`` in a condition)."""

    name: str
    line: int
    column: int


@dataclass(slots=True)
class Count:
    name: str
    line: int
    column: int


@dataclass(slots=True)
class Lit:
    """A literal: ``kind`` is string (escapes resolved), raw (backquoted), number, bool, null."""

    kind: str
    value: str
    raw: str
    line: int
    column: int


@dataclass(slots=True)
class Regex:
    """A ``/.../`` literal, its text as written between the slashes."""

    text: str
    raw: str
    line: int
    column: int


@dataclass(slots=True)
class Call:
    name: str
    args: list[Expr]
    line: int
    column: int


@dataclass(slots=True)
class Compare:
    op: str
    left: Expr
    right: Expr
    nocase: bool
    line: int


@dataclass(slots=True)
class InList:
    left: Expr
    kind: str  # "" | "regex" | "cidr"
    name: str  # without the %
    nocase: bool
    line: int
    column: int


@dataclass(slots=True)
class Nocase:
    """``re.regex(...) nocase``: a boolean expression with the nocase modifier."""

    child: Expr


@dataclass(slots=True)
class Arith:
    op: str
    left: Expr
    right: Expr


@dataclass(slots=True)
class BoolOp:
    op: str  # "and" | "or"
    children: list[Expr]


@dataclass(slots=True)
class NotOp:
    child: Expr


@dataclass(slots=True)
class Quantified:
    quantifier: str  # "any" | "all"
    child: Expr


Expr = (
    Field
    | Var
    | Count
    | Lit
    | Regex
    | Call
    | Compare
    | InList
    | Nocase
    | Arith
    | BoolOp
    | NotOp
    | Quantified
)


@dataclass(slots=True)
class MetaEntry:
    key: str
    value: str
    line: int


@dataclass(slots=True)
class ParsedRule:
    name: str
    line: int
    meta: list[MetaEntry] = field(default_factory=list)
    events: list[Expr] = field(default_factory=list)
    events_line: int = 0
    match_vars: list[str] = field(default_factory=list)
    match_window: str = ""
    outcome: list[tuple[str, Expr, int]] = field(default_factory=list)
    condition: Expr | None = None
    options: list[MetaEntry] = field(default_factory=list)
    sections: list[str] = field(default_factory=list)


def unescape_string(body: str) -> str:
    """A double-quoted YARA-L string's text: ``\\\\`` and ``\\"`` resolved, other escapes kept."""
    return unescape(body, QUOTE_AND_BACKSLASH, keep_unknown=True)
