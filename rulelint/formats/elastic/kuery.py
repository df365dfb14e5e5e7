"""Kibana Query Language (KQL, ``language = "kuery"``) as an LALR grammar, and its conversion.

KQL is ``field : value`` terms joined by ``and``/``or``/``not`` with parentheses, value lists
(``field : (a or b and not c)``), ranges (``field >= 5``), nested fields (``field : { ... }``),
field-less terms and the ``*`` wildcard. Unquoted values may contain spaces; ``or``/``and`` are
keywords only between whitespace, ``not`` only before whitespace (as in Kibana). KQL compares
keyword fields case-sensitively, so values keep their case.
"""

from __future__ import annotations

import re
from functools import cache
from typing import ClassVar

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput

from rulelint.formats.elastic.common import (
    LexError,
    QueryContext,
    RegexLexer,
    build_parser,
    first_line_of,
    token_pattern,
)
from rulelint.formats.escapes import unescape, unicode_four_digits
from rulelint.model import Node, Not, all_of, any_of
from rulelint.vocab.values import MULTI, Part

GRAMMAR = r"""
start: or_query?
?or_query: and_query (_OR and_query)*          -> or_
?and_query: not_query (_AND not_query)*        -> and_
?not_query: NOT not_query                      -> not_
          | sub_query
?sub_query: _LPAR or_query _RPAR
          | literal _COLON _LBRACE or_query _RBRACE -> nested
          | literal RANGE literal              -> range
          | literal _COLON value_list          -> field_value
          | literal                            -> bare_value
?value_list: _LPAR or_values _RPAR
           | literal                           -> value
?or_values: and_values (_OR and_values)*       -> or_
?and_values: not_values (_AND not_values)*     -> and_
?not_values: NOT not_values                    -> not_
           | value_list
literal: QUOTED | WORD+
%declare _OR _AND NOT RANGE QUOTED WORD _LPAR _RPAR _COLON _LBRACE _RBRACE
"""


class KueryLexer(RegexLexer):
    """KQL tokens. ``or``/``and`` are keywords only between whitespace, ``not`` only before it."""

    PATTERN = token_pattern(
        r"""(?P<QUOTED>"(?:\\[\s\S]|[^"\\])*")"""
        r"""|(?P<NAME>(?<=\s)(?i:or|and)(?=\s)|(?i:not)(?=\s))"""
        r"""|(?P<OP><=|>=|[<>():{}])"""
        r"""|(?P<WORD>(?:[^\s\\():<>"*{}]|\\[\s\S]|\*)+)"""
    )
    KEYWORDS: ClassVar[dict[str, str]] = {"or": "_OR", "and": "_AND", "not": "NOT"}
    OPERATORS: ClassVar[dict[str, str]] = {
        "<=": "RANGE",
        ">=": "RANGE",
        "<": "RANGE",
        ">": "RANGE",
        "(": "_LPAR",
        ")": "_RPAR",
        ":": "_COLON",
        "{": "_LBRACE",
        "}": "_RBRACE",
    }


@cache
def _parser() -> Lark:
    return build_parser("elastic-kuery", GRAMMAR, KueryLexer)


_WHITESPACE_ESCAPE = re.compile(r"(?<!\\)(?:\\\\)*\\[trn]")
SPECIAL = set('\\():<>"*{}')
SIMPLE_ESCAPES = {"t": "\t", "r": "\r", "n": "\n"}
QUOTED_ESCAPES = {"\\": "\\", '"': '"', **SIMPLE_ESCAPES}


class KueryError(ValueError):
    """A KQL syntax error; ``line`` and ``column`` are relative to the query (1-based)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def parse_kuery(text: str) -> Tree:
    try:
        return _parser().parse(text)
    except LexError as error:
        raise KueryError(f"KQL syntax error: {error}", error.line, error.column) from None
    except UnexpectedInput as error:
        line = getattr(error, "line", 0) or 0
        column = getattr(error, "column", 0) or 0
        if isinstance(error, UnexpectedCharacters):
            message = f"unexpected character {text[error.pos_in_stream]!r}"
        else:
            token = getattr(error, "token", None)
            message = f"unexpected {token!r}" if token else "unexpected end of query"
        raise KueryError(f"KQL syntax error: {message}", max(line, 0), max(column, 0)) from None
    except LarkError as error:
        raise KueryError(f"KQL syntax error: {first_line_of(str(error))}") from None


def unquote(text: str) -> str:
    """A quoted KQL string's value: ``\\"``, ``\\\\``, ``\\t``/``\\r``/``\\n``, ``\\uXXXX``.

    Any other backslash stays literal, as in Kibana (``"C:\\Windows"`` is ``C:\\Windows``).
    """
    return unescape(text[1:-1], QUOTED_ESCAPES, keep_unknown=True, unicode=unicode_four_digits)


def unquoted_parts(text: str) -> list[Part]:
    """An unquoted KQL literal as literal text and ``*`` wildcards, escapes resolved."""
    parts: list[Part] = []
    buffer: list[str] = []
    index = 0
    length = len(text)
    while index < length:
        char = text[index]
        if char == "\\" and index + 1 < length:
            following = text[index + 1]
            unicode = unicode_four_digits(text, index)
            if unicode:
                buffer.append(unicode[0])
                index += unicode[1]
                continue
            if following in SIMPLE_ESCAPES:
                buffer.append(SIMPLE_ESCAPES[following])
            else:  # an escaped special character or keyword letter is itself
                buffer.append(following)
            index += 2
            continue
        if char == "*":
            if buffer:
                parts.append("".join(buffer))
                buffer = []
            if not (parts and parts[-1] is MULTI):
                parts.append(MULTI)
        else:
            buffer.append(char)
        index += 1
    if buffer:
        parts.append("".join(buffer))
    # Kibana trims the whole unquoted sequence
    if parts and isinstance(parts[0], str):
        parts[0] = parts[0].lstrip()
        if not parts[0]:
            parts.pop(0)
    if parts and isinstance(parts[-1], str):
        parts[-1] = parts[-1].rstrip()
        if not parts[-1]:
            parts.pop()
    return parts


class _Literal:
    """A literal of the query: its tokens, source text and whether it was quoted."""

    __slots__ = ("quoted", "text", "token")

    def __init__(self, tree: Tree, source: str) -> None:
        tokens = [t for t in tree.children if isinstance(t, Token)]
        self.token = tokens[0]
        self.quoted = tokens[0].type == "QUOTED"
        if self.quoted:
            self.text = str(tokens[0])
        else:
            start = tokens[0].start_pos
            end = tokens[-1].end_pos
            self.text = (
                source[start:end] if start is not None and end is not None else " ".join(tokens)
            )

    def as_field(self) -> str:
        if self.quoted:
            return unquote(self.text)
        parts = unquoted_parts(self.text)
        return "".join(p if isinstance(p, str) else "*" for p in parts)

    def raw_value(self) -> str:
        return unquote(self.text) if self.quoted else self.text.strip()


class KueryConverter:
    """Turns a KQL parse tree into predicates; ``source`` is the query text (for literal slices)."""

    def __init__(self, source: str, ctx: QueryContext) -> None:
        self.source = source
        self.ctx = ctx

    def convert(self, tree: Tree) -> Node | None:
        if not tree.children:
            return None
        return self.query(tree.children[0], "")  # type: ignore[arg-type]

    def query(self, tree: Tree, prefix: str) -> Node | None:
        kind = tree.data
        if kind == "or_":
            return any_of(
                [n for n in (self.query(c, prefix) for c in tree.children) if n is not None]
            )  # type: ignore[arg-type]
        if kind == "and_":
            return all_of(
                [n for n in (self.query(c, prefix) for c in tree.children) if n is not None]
            )  # type: ignore[arg-type]
        if kind == "not_":
            child = self.query(tree.children[-1], prefix)  # type: ignore[arg-type]
            return None if child is None else Not(child)
        if kind == "nested":
            outer = _Literal(tree.children[0], self.source).as_field()  # type: ignore[arg-type]
            return self.query(tree.children[1], f"{prefix}{outer}.")  # type: ignore[arg-type]
        if kind == "range":
            field_literal = _Literal(tree.children[0], self.source)  # type: ignore[arg-type]
            symbol = str(tree.children[1])
            value = _Literal(tree.children[2], self.source)  # type: ignore[arg-type]
            operator = {">": "gt", ">=": "ge", "<": "lt", "<=": "le"}[symbol]
            text = value.raw_value()
            return self.ctx.predicate(
                prefix + field_literal.as_field(),
                operator,
                text,
                value.token,
                how=symbol,
                raw_value=text,
            )
        if kind == "field_value":
            field = prefix + _Literal(tree.children[0], self.source).as_field()  # type: ignore[arg-type]
            return self.values(tree.children[1], field)  # type: ignore[arg-type]
        if kind == "bare_value":
            return self.value(_Literal(tree.children[0], self.source), None)  # type: ignore[arg-type]
        raise ValueError(f"unexpected KQL node {kind}")

    def values(self, tree: Tree, field: str) -> Node | None:
        kind = tree.data
        if kind == "value":
            return self.value(_Literal(tree.children[0], self.source), field)  # type: ignore[arg-type]
        children = [self.values(c, field) for c in tree.children if isinstance(c, Tree)]
        present = [c for c in children if c is not None]
        if kind == "or_":
            return any_of(present)
        if kind == "and_":
            return all_of(present)
        if kind == "not_":
            return Not(present[0]) if present else None
        raise ValueError(f"unexpected KQL value node {kind}")

    def value(self, literal: _Literal, field: str | None) -> Node | None:
        ctx = self.ctx
        if literal.quoted:
            text = unquote(literal.text)
            if any(c in text for c in "\t\r\n") and _WHITESPACE_ESCAPE.search(literal.text):
                ctx.note(
                    f"KQL: the quoted value at line {ctx.line(literal.token)} has \\t, \\r or \\n,"
                    " which Kibana reads as a tab or a line break (a backslash is written \\\\)"
                )
            how = ":" if field else "keyword"
            return ctx.predicate(
                field, "eq", text, literal.token, how=how, raw_value=text, cased=field is not None
            )
        parts = unquoted_parts(literal.text)
        raw = literal.text.strip()
        if field is None and parts == [MULTI]:
            return None  # ``*`` alone matches every document
        how = ":" if field else "keyword"
        # a field-less term is a full-text search on analyzed fields: case-insensitive
        return ctx.pattern(
            field, parts, literal.token, how=how, raw_value=raw, cased=field is not None
        )


def kuery_to_node(text: str, ctx: QueryContext) -> Node | None:
    """The KQL query as a tree (not yet simplified); raises KueryError on bad syntax."""
    return KueryConverter(text, ctx).convert(parse_kuery(text))


def kuery_is_valid(text: str) -> bool:
    try:
        parse_kuery(text)
    except KueryError:
        return False
    return True
