"""The Sigma condition language, parsed by precedence climbing.

Grammar (the one pySigma implements; keywords are case-insensitive)::

    expr     := and_expr ("or" and_expr)*
    and_expr := not_expr ("and" not_expr)*
    not_expr := "not" not_expr | atom
    atom     := QUANTIFIER "of" PATTERN | NAME | "(" expr ")"
    QUANTIFIER := "1" | "any" | "all"

Why not pySigma's own parser: pySigma 1.x builds it with pyparsing's ``infix_notation``, about 2 ms
for each distinct condition string (over a second for SigmaHQ's 650 distinct conditions), and it
matches ``and``/``or``/``not`` as literal prefixes (``selection and notepad_x`` reads as
``not epad_x``), which pySigma 2.x fixed by making them keywords. Why not lark: importing lark and
building the table costs ~100 ms per process, more than checking a rule. This parser is linear,
keeps keyword semantics, and costs microseconds.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

TOKEN = re.compile(r"\s*(?:(?P<open>\()|(?P<close>\))|(?P<word>[A-Za-z0-9_\-*]+)|(?P<bad>\S))")
KEYWORDS = frozenset({"and", "or", "not", "of"})
QUANTIFIERS = {"1": "any", "any": "any", "all": "all"}


@dataclass(frozen=True, slots=True)
class Identifier:
    name: str


@dataclass(frozen=True, slots=True)
class Selector:
    quantifier: str  # "any" or "all"
    pattern: str


@dataclass(frozen=True, slots=True)
class Operation:
    operator: str  # "and" | "or" | "not"
    args: tuple[object, ...]


class ConditionError(ValueError):
    pass


def _tokens(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, offset) tokens; kind is open/close/keyword/word."""
    tokens: list[tuple[str, str, int]] = []
    position = 0
    while position < len(text):
        match = TOKEN.match(text, position)
        if match is None or match.end() == position:
            break
        position = match.end()
        kind = match.lastgroup
        if kind is None:
            continue
        value = match.group(kind)
        if kind == "bad":
            raise ConditionError(
                f"unexpected character {value!r} at column {match.start(kind) + 1}"
            )
        if kind == "word" and value.lower() in KEYWORDS:
            tokens.append(("keyword", value.lower(), match.start(kind)))
        else:
            tokens.append((kind, value, match.start(kind)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = _tokens(text)
        self.index = 0

    def peek(self, offset: int = 0) -> tuple[str, str, int] | None:
        position = self.index + offset
        return self.tokens[position] if position < len(self.tokens) else None

    def take(self) -> tuple[str, str, int]:
        token = self.peek()
        if token is None:
            raise ConditionError("the condition ends too early")
        self.index += 1
        return token

    def is_keyword(self, word: str) -> bool:
        token = self.peek()
        return token is not None and token[0] == "keyword" and token[1] == word

    def expression(self) -> object:
        args = [self.and_expression()]
        while self.is_keyword("or"):
            self.index += 1
            args.append(self.and_expression())
        return args[0] if len(args) == 1 else Operation("or", tuple(args))

    def and_expression(self) -> object:
        args = [self.not_expression()]
        while self.is_keyword("and"):
            self.index += 1
            args.append(self.not_expression())
        return args[0] if len(args) == 1 else Operation("and", tuple(args))

    def not_expression(self) -> object:
        if self.is_keyword("not"):
            self.index += 1
            return Operation("not", (self.not_expression(),))
        return self.atom()

    def atom(self) -> object:
        kind, value, offset = self.take()
        if kind == "open":
            inner = self.expression()
            closing = self.take()
            if closing[0] != "close":
                raise ConditionError(
                    f"expected ')' at column {closing[2] + 1}, found {closing[1]!r}"
                )
            return inner
        if kind != "word":
            raise ConditionError(f"unexpected {value!r} at column {offset + 1}")
        following = self.peek()
        if following is not None and following[0] == "keyword" and following[1] == "of":
            quantifier = QUANTIFIERS.get(value.lower())
            if quantifier is None:
                raise ConditionError(
                    f"'{value} of' at column {offset + 1}: use '1 of', 'any of' or 'all of'"
                )
            self.index += 1
            pattern = self.take()
            if pattern[0] != "word":
                raise ConditionError(
                    f"expected a detection name or pattern after 'of' at column {pattern[2] + 1}"
                )
            return Selector(quantifier, pattern[1])
        if "*" in value:
            raise ConditionError(
                f"'{value}' at column {offset + 1} has a wildcard but no '1 of'/'all of' before it"
            )
        return Identifier(value)


@lru_cache(maxsize=4096)
def parse_condition(text: str) -> object:
    """The condition as Identifier/Selector/Operation; raises ConditionError on bad syntax."""
    parser = _Parser(text)
    if not parser.tokens:
        raise ConditionError("the condition is empty")
    tree = parser.expression()
    rest = parser.peek()
    if rest is not None:
        raise ConditionError(f"unexpected {rest[1]!r} at column {rest[2] + 1}")
    return tree
