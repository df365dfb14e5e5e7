"""What the Elastic query-language converters share: where the query sits in the file, the field
table, notes about what was skipped, and the one way they build predicates.

Every converter turns parse-tree tokens into predicates through :meth:`QueryContext.predicate`,
which places the token at its absolute line in the TOML file and goes through ``make_predicate``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from lark import Lark, Token
from lark.lexer import Lexer

from rulelint.model import Node, Not, Predicate
from rulelint.vocab.fields import FieldMap, field_map
from rulelint.vocab.values import (
    MULTI,
    SINGLE,
    Part,
    make_predicate,
    operator_for_parts,
    split_wildcards,
)

#: Upper bound on one query's length: the largest public Elastic query is about 40 KB.
MAX_QUERY_CHARS = 512 * 1024


@dataclass(slots=True)
class QueryContext:
    """Where a query starts in its file (1-based line, 0-based column of its first character)."""

    first_line: int = 1
    first_column: int = 0
    notes: list[str] = field(default_factory=list)
    fields: FieldMap = field(default_factory=lambda: field_map("elastic"))
    scopes: tuple[str, ...] = ()

    def line(self, token: Token | None) -> int:
        """The absolute file line of a token of the query."""
        if token is None or token.line is None:
            return self.first_line
        return self.first_line + token.line - 1

    def column(self, token: Token | None) -> int:
        """The 1-based file column of a token (the query's first line may not start at column 1)."""
        if token is None or token.column is None:
            return 0
        return token.column + (self.first_column if token.line == 1 else 0)

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def predicate(
        self,
        raw_field: str | None,
        operator: str,
        value: str | None,
        token: Token | None,
        *,
        how: str,
        raw_value: str | None = None,
        cased: bool = False,
    ) -> Predicate:
        return self.make(
            raw_field,
            operator,
            value,
            line=self.line(token),
            column=self.column(token),
            how=how,
            raw_value=raw_value,
            cased=cased,
        )

    def make(
        self,
        raw_field: str | None,
        operator: str,
        value: str | None,
        *,
        line: int,
        column: int = 0,
        how: str,
        raw_value: str | None = None,
        cased: bool = False,
    ) -> Predicate:
        if raw_field is None and operator in ("eq", "contains", "starts_with", "ends_with"):
            operator = "match"  # a term without a field is a full-text search
        return make_predicate(
            self.fields,
            raw_field,
            operator,
            value,
            scopes=self.scopes,
            line=line,
            column=column,
            how=how,
            raw_value=raw_value,
            cased=cased,
        )

    def pattern(
        self,
        raw_field: str | None,
        parts: list[Part],
        token: Token | None,
        *,
        how: str,
        raw_value: str,
        cased: bool,
    ) -> Predicate:
        """A predicate from a wildcard pattern already split into parts."""
        operator, value = operator_for_parts(parts)
        return self.predicate(
            raw_field, operator, value, token, how=how, raw_value=raw_value, cased=cased
        )

    def wildcard(
        self,
        raw_field: str | None,
        text: str,
        token: Token | None,
        *,
        how: str,
        cased: bool,
        escape: str | None,
        raw_value: str | None = None,
    ) -> Predicate:
        """A predicate from a wildcard pattern (``*`` and ``?``) in the vendor's escaping."""
        parts = (
            fast_wildcards(text)
            if escape is None
            else split_wildcards(text, escape=escape, single=True)
        )
        return self.pattern(
            raw_field,
            parts,
            token,
            how=how,
            raw_value=text if raw_value is None else raw_value,
            cased=cased,
        )


_WILDCARDS = re.compile(r"(\*+|\?)")


def fast_wildcards(text: str) -> list[Part]:
    """``split_wildcards(text, escape=None)`` by one regex split (EQL has no wildcard escape)."""
    if "*" not in text and "?" not in text:
        return [text] if text else []
    parts: list[Part] = []
    for index, piece in enumerate(_WILDCARDS.split(text)):
        if index % 2 == 0:
            if piece:
                parts.append(piece)
        elif piece == "?":
            parts.append(SINGLE)
        elif not (parts and parts[-1] is MULTI):
            parts.append(MULTI)
    return parts


_SEGMENTS = re.compile(r"`(?:``|[^`])+`|[^.`]+")


def field_name(text: str) -> str:
    """A field as written (``?source.`as`.number``) as a plain dotted name (``source.as.number``)."""
    text = text.lstrip("?")
    if "`" not in text:
        return text
    return ".".join(
        part[1:-1].replace("``", "`") if part.startswith("`") else part
        for part in _SEGMENTS.findall(text)
    )


def length_predicate(predicate: Predicate) -> Predicate:
    """``length(field) > 100``: the field becomes ``length(<field>)`` on both spellings."""
    predicate.field = f"length({predicate.field})"
    predicate.canonical_field = f"length({predicate.canonical_field})"
    return predicate


def negate(node: Node | None) -> Node | None:
    return None if node is None else Not(node)


def first_line_of(text: str) -> str:
    """The first line of a (possibly multi-line) error message."""
    return text.strip().splitlines()[0] if text.strip() else text


def comparison_operator(symbol: str) -> str:
    """``>`` -> ``gt`` and friends; the caller handles ``==``/``!=``."""
    return {">": "gt", ">=": "ge", "<": "lt", "<=": "le"}[symbol]


def flip_comparison(symbol: str) -> str:
    """The operator with its operands swapped (``5 < x`` is ``x > 5``)."""
    return {">": "<", ">=": "<=", "<": ">", "<=": ">=", "==": "==", "!=": "!="}.get(symbol, symbol)


class LexError(ValueError):
    """A character no token of the language starts with (1-based line and column of the query)."""

    def __init__(self, message: str, line: int, column: int) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


_SPACE = re.compile(r"\s*")


def build_parser(name: str, grammar: str, lexer: type, **options: Any) -> Lark:
    """An LALR parser for a grammar with its custom lexer (callers cache it: built on first use).

    Uses ``rulelint.formats.grammar.lalr_parser`` (the per-user table cache) when the package
    has it, plain lark otherwise.
    """
    try:
        from rulelint.formats.grammar import lalr_parser  # type: ignore[import-not-found]
    except ImportError:
        parser = Lark(grammar, parser="lalr", lexer=lexer, maybe_placeholders=False, **options)
    else:
        parser = lalr_parser(name, grammar, lexer=lexer, maybe_placeholders=False, **options)
    plain_rule_names(parser)
    return parser


def plain_rule_names(parser: object) -> None:
    """Give the LALR table's rule origins plain ``str`` names.

    lark keeps grammar names as ``Token`` (a ``str`` subclass with a Python ``__eq__``); every
    reduce looks one up in a table keyed by plain ``str``, which calls that ``__eq__``. Plain names
    make the lookup a C comparison: about 10 % of parse time. A no-op if lark's internals differ.
    """
    table = getattr(
        getattr(getattr(getattr(parser, "parser", None), "parser", None), "parser", None),
        "parse_table",
        None,
    )
    for state in getattr(table, "states", {}).values():
        for _action, argument in state.values():
            origin = getattr(argument, "origin", None)
            name = getattr(origin, "name", None)
            if isinstance(name, str) and type(name) is not str:
                origin.name = str(name)  # type: ignore[union-attr]


def token_pattern(alternatives: str) -> re.Pattern[str]:
    """The lexer regex: optional whitespace, then one of the named alternatives."""
    return re.compile(r"\s*(?:" + alternatives + ")")


class RegexLexer(Lexer):
    """A lark custom lexer (interface 0): one compiled regex of named groups, matched once per
    token, whitespace included. Several times faster than lark's own lexers, which matters over
    thousands of rules.

    ``PATTERN`` (built with :func:`token_pattern`) lists the alternatives in priority order; a
    group's name is the token type, except ``COMMENT`` (dropped), ``NAME`` (a keyword of
    ``KEYWORDS`` when it is one, by lower case) and ``OP`` (typed by ``OPERATORS``).
    """

    PATTERN: ClassVar[re.Pattern[str]]
    KEYWORDS: ClassVar[dict[str, str]] = {}
    OPERATORS: ClassVar[dict[str, str]] = {}

    def __init__(self, lexer_conf: object = None) -> None:
        pass

    def lex(self, text: str) -> Iterator[Token]:  # type: ignore[override]
        return self.scan(text, self.PATTERN)

    def scan(self, text: str, pattern: re.Pattern[str]) -> Iterator[Token]:
        match_at = pattern.match
        keywords = self.KEYWORDS
        operators = self.OPERATORS
        new_token = getattr(Token, "_future_new", Token)  # Token() without its keyword checks
        line = 1
        line_start = 0
        position = 0
        end = len(text)
        while position < end:
            match = match_at(text, position)
            if match is None:
                after_space = _SPACE.match(text, position).end()  # type: ignore[union-attr]
                if after_space >= end:
                    return
                newlines = text.count("\n", position, after_space)
                if newlines:
                    line += newlines
                    line_start = text.rindex("\n", position, after_space) + 1
                column = after_space - line_start + 1
                raise LexError(f"unexpected character {text[after_space]!r}", line, column)
            kind = match.lastgroup or ""
            start = match.start(kind)
            if start > position and text.count("\n", position, start):
                line += text.count("\n", position, start)
                line_start = text.rindex("\n", position, start) + 1
            value = match.group(kind)
            position = match.end()
            if kind != "COMMENT":
                if kind == "NAME":
                    kind = keywords.get(value.lower(), "NAME")
                elif kind == "OP":
                    kind = operators[value]
                yield new_token(
                    kind, value, start, line, start - line_start + 1, None, None, position
                )
            if "\n" in value:
                line += value.count("\n")
                line_start = start + value.rindex("\n") + 1
