"""Simple ``WHERE`` predicates of Panther scheduled queries (Snowflake SQL), without a SQL parser.

Scheduled queries are analytics (CTEs, joins, aggregations) more than detections; we only take
what is easy and exact: the ``WHERE`` clause that follows ``FROM panther_logs.<db>.<table>`` at
the same nesting level, split on top-level ``AND``, where a conjunct is ``col = 'x'``, ``col !=
'x'``, ``col IN ('a', 'b')``, ``col NOT IN (...)``, ``col [NOT] [I]LIKE '%x%'``, ``col IS [NOT]
NULL``, a comparison with a number, or a parenthesized ``OR`` of those. Everything else
(functions, sub-queries, column comparisons) is skipped and counted in a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rulelint.model import Node, Not, all_of, any_of
from rulelint.vocab.fields import FieldMap
from rulelint.vocab.values import (
    MULTI,
    SINGLE,
    Part,
    canonical_number,
    make_predicate,
    operator_for_parts,
)

TOKEN = re.compile(
    r"""
    (?P<ws>\s+|--[^\n]*|/\*.*?\*/)
    |(?P<string>'(?:[^']|'')*')
    |(?P<quoted>"(?:[^"]|"")*")
    |(?P<number>\d+(?:\.\d+)?)
    |(?P<word>[A-Za-z_$][A-Za-z0-9_$]*(?:(?:\.|:)(?:[A-Za-z_$][A-Za-z0-9_$]*|"(?:[^"]|"")*"))*)
    |(?P<op><>|!=|>=|<=|::|\|\||[=<>(),;*+\-/%\[\]:.])
    |(?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
CLAUSE_END = frozenset(
    {"group", "order", "limit", "having", "qualify", "union", "window", "intersect", "except"}
)
MAX_SQL_CHARS = 200_000


@dataclass(slots=True)
class Token:
    kind: str
    text: str
    line: int  # 0-based line inside the query text
    column: int


def tokenize(sql: str) -> list[Token]:
    tokens: list[Token] = []
    line = 0
    line_start = 0
    for match in TOKEN.finditer(sql[:MAX_SQL_CHARS]):
        kind = match.lastgroup or "other"
        text = match.group()
        if kind != "ws":
            tokens.append(Token(kind, text, line, match.start() - line_start + 1))
        newlines = text.count("\n")
        if newlines:
            line += newlines
            line_start = match.start() + text.rfind("\n") + 1
    return tokens


def log_tables(tokens: list[Token]) -> list[str]:
    """Panther log tables a query reads (``panther_logs.public.aws_cloudtrail`` -> aws_cloudtrail)."""
    tables: list[str] = []
    for token in tokens:
        if token.kind == "word" and token.text.lower().startswith("panther_logs."):
            table = token.text.split(".")[-1].strip('"').lower()
            if table not in tables:
                tables.append(table)
    return tables


class WhereReader:
    """Predicates of the WHERE clauses that filter Panther log tables."""

    def __init__(
        self,
        fields: FieldMap,
        scopes_by_table: dict[str, tuple[str, ...]],
        first_line: int,
        notes: list[str],
        column_offset: int = -1,
    ) -> None:
        self.fields = fields
        self.scopes_by_table = scopes_by_table
        self.first_line = first_line
        self.notes = notes
        self.column_offset = column_offset  # -1: columns unknown (a non-block scalar)
        self.skipped = 0

    def read(self, sql: str) -> Node | None:
        tokens = tokenize(sql)
        clauses: list[Node] = []
        for index, token in enumerate(tokens):
            if token.kind == "word" and token.text.lower().startswith("panther_logs."):
                table = token.text.split(".")[-1].strip('"').lower()
                where = _where_after(tokens, index)
                if where is None:
                    continue
                node = self.conjunction(where, self.scopes_by_table.get(table, ()))
                if node is not None:
                    clauses.append(node)
        if self.skipped:
            self.notes.append(
                f"{self.skipped} WHERE condition(s) not simple enough to read (functions, sub-queries)"
            )
        return all_of(clauses, "join" if len(clauses) > 1 else "and")

    def conjunction(self, tokens: list[Token], scopes: tuple[str, ...]) -> Node | None:
        nodes = [self.condition(part, scopes) for part in _split(tokens, "and")]
        return all_of([n for n in nodes if n is not None])

    def condition(self, tokens: list[Token], scopes: tuple[str, ...]) -> Node | None:
        while tokens and tokens[0].text == "(" and _closing(tokens, 0) == len(tokens) - 1:
            tokens = tokens[1:-1]
        if not tokens:
            return None
        parts = _split(tokens, "or")
        if len(parts) > 1:
            nodes = [self.conjunction(part, scopes) for part in parts]
            if any(n is None for n in nodes):
                self.skipped += 1
                return None
            return any_of(nodes)  # type: ignore[arg-type]
        if len(_split(tokens, "and")) > 1:
            return self.conjunction(tokens, scopes)
        if tokens[0].text.lower() == "not" and len(tokens) > 1:
            inner = self.condition(tokens[1:], scopes)
            return None if inner is None else Not(inner)
        node = self.simple(tokens, scopes)
        if node is None:
            self.skipped += 1
        return node

    def simple(self, tokens: list[Token], scopes: tuple[str, ...]) -> Node | None:
        if tokens[0].kind not in ("word", "quoted") or len(tokens) < 2:
            return None
        head = tokens[0].text.lower()
        if head.startswith("p_occurs_") and tokens[1].text == "(":
            self.skipped -= 1  # the time window of every query: not a filter worth a note
            return None
        if head == "array_contains" and tokens[1].text == "(" and tokens[-1].text == ")":
            return self.array_contains(tokens[2:-1], scopes)
        column = _column(tokens[0])
        if column is None:
            return None
        rest = tokens[1:]
        words = [t.text.lower() for t in rest]
        negated = False
        if words[:1] == ["not"]:
            negated = True
            rest, words = rest[1:], words[1:]
        if words[:1] == ["is"] and words[1:] in (["null"], ["not", "null"]):
            operator = "is_null" if words[1:] == ["null"] else "is_not_null"
            return self.predicate(
                column, operator, None, rest[-1], "IS " + " ".join(words[1:]).upper(), scopes, True
            )
        if words[:1] == ["in"] and len(rest) >= 3 and rest[1].text == "(" and rest[-1].text == ")":
            values = _split(rest[2:-1], ",")
            if not values or any(
                len(v) != 1 or v[0].kind not in ("string", "number") for v in values
            ):
                return None
            how = "NOT IN" if negated else "IN"
            node = any_of([self.literal(column, "eq", v[0], how, scopes) for v in values])
            return Not(node) if negated and node is not None else node
        if (
            words[:2] in (["like", "any"], ["ilike", "any"])
            and len(rest) >= 4
            and rest[2].text == "("
            and rest[-1].text == ")"
        ):
            values = _split(rest[3:-1], ",")
            if not values or any(len(v) != 1 or v[0].kind != "string" for v in values):
                return None
            how = ("NOT " if negated else "") + rest[0].text.upper() + " ANY"
            alternatives: list[Node] = []
            for value_tokens in values:
                operator, value = operator_for_parts(_like_parts(_string(value_tokens[0].text)))
                alternatives.append(
                    self.predicate(
                        column,
                        operator,
                        value,
                        value_tokens[0],
                        how,
                        scopes,
                        cased=words[0] == "like",
                    )
                )
            node = any_of(alternatives)
            return Not(node) if negated and node is not None else node
        if words[:1] in (["like"], ["ilike"]) and len(rest) == 2 and rest[1].kind == "string":
            parts = _like_parts(_string(rest[1].text))
            operator, value = operator_for_parts(parts)
            how = ("NOT " if negated else "") + rest[0].text.upper()
            node = self.predicate(
                column, operator, value, rest[1], how, scopes, cased=words[0] == "like"
            )
            return Not(node) if negated else node
        if (
            negated
            or len(rest) != 2
            or rest[0].kind != "op"
            or rest[1].kind not in ("string", "number")
        ):
            return None
        op = rest[0].text
        if op in ("=", "!=", "<>"):
            node = self.literal(column, "eq", rest[1], op, scopes)
            return node if op == "=" else Not(node)
        operator = {">": "gt", ">=": "ge", "<": "lt", "<=": "le"}.get(op)
        if operator is None or rest[1].kind != "number":
            return None
        return self.literal(column, operator, rest[1], op, scopes)

    def array_contains(self, tokens: list[Token], scopes: tuple[str, ...]) -> Node | None:
        """``ARRAY_CONTAINS(col[::variant], ['a', 'b'])``: the column is one of the values."""
        parts = _split(tokens, ",")
        if len(parts) != 2 or not parts[0] or parts[0][0].kind not in ("word", "quoted"):
            return None
        if len(parts[0]) not in (1, 3) or (len(parts[0]) == 3 and parts[0][1].text != "::"):
            return None
        column = _column(parts[0][0])
        array = parts[1]
        if column is None or len(array) < 2:
            return None
        if array[0].text == "[" and array[-1].text == "]":
            inner = array[1:-1]
        elif (
            array[0].text.lower() == "array_construct"
            and array[1].text == "("
            and array[-1].text == ")"
        ):
            inner = array[2:-1]
        else:
            return None
        values = _split(inner, ",")
        if not values or any(len(v) != 1 or v[0].kind not in ("string", "number") for v in values):
            return None
        return any_of([self.literal(column, "eq", v[0], "ARRAY_CONTAINS", scopes) for v in values])

    def literal(
        self, column: str, operator: str, token: Token, how: str, scopes: tuple[str, ...]
    ) -> Node:
        if token.kind == "number":
            value = canonical_number(float(token.text) if "." in token.text else int(token.text))
            return self.predicate(column, operator, value, token, how, scopes, cased=False)
        return self.predicate(column, operator, _string(token.text), token, how, scopes, cased=True)

    def predicate(
        self,
        column: str,
        operator: str,
        value: str | None,
        token: Token,
        how: str,
        scopes: tuple[str, ...],
        cased: bool,
    ) -> Node:
        raw = token.text[1:-1] if token.kind == "string" else token.text
        return make_predicate(
            self.fields,
            column,
            operator,
            value,
            scopes=scopes,
            line=self.first_line + token.line,
            column=token.column + self.column_offset if self.column_offset >= 0 else 0,
            how=how,
            raw_value=raw,
            cased=cased,
        )


def _column(token: Token) -> str | None:
    """``requestParameters:bucketName`` / ``"eventName"`` / ``t.eventName`` -> a field path."""
    text = token.text
    if token.kind == "quoted":
        return text[1:-1].replace('""', '"')
    if text.lower() in ("not", "exists", "case", "select", "true", "false", "null"):
        return None
    text = text.replace(":", ".")
    parts = [p.strip('"') for p in text.split(".")]
    return ".".join(parts)


def _string(text: str) -> str:
    return text[1:-1].replace("''", "'")


def _like_parts(pattern: str) -> list[Part]:
    parts: list[Part] = []
    buffer: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            buffer.append(pattern[index + 1])
            index += 2
            continue
        if char in "%_":
            if buffer:
                parts.append("".join(buffer))
                buffer = []
            marker = MULTI if char == "%" else SINGLE
            if not (marker is MULTI and parts and parts[-1] is MULTI):
                parts.append(marker)
        else:
            buffer.append(char)
        index += 1
    if buffer:
        parts.append("".join(buffer))
    return parts


def _closing(tokens: list[Token], start: int) -> int:
    depth = 0
    for index in range(start, len(tokens)):
        if tokens[index].text == "(":
            depth += 1
        elif tokens[index].text == ")":
            depth -= 1
            if depth == 0:
                return index
    return -1


def _split(tokens: list[Token], separator: str) -> list[list[Token]]:
    """Split on a top-level keyword/punctuation (``and``, ``or``, ``,``); BETWEEN x AND y kept."""
    parts: list[list[Token]] = [[]]
    depth = 0
    between = False
    for token in tokens:
        lower = token.text.lower()
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            depth -= 1
        if depth == 0 and lower == "between":
            between = True
        if depth == 0 and lower == separator and token.kind in ("word", "op"):
            if separator == "and" and between:
                between = False
            else:
                parts.append([])
                continue
        parts[-1].append(token)
    return [p for p in parts if p]


def _where_after(tokens: list[Token], index: int) -> list[Token] | None:
    """The WHERE clause following position ``index`` at the same parenthesis depth."""
    depth = 0
    start = None
    for position in range(index + 1, len(tokens)):
        token = tokens[position]
        lower = token.text.lower()
        if token.text == "(":
            depth += 1
        elif token.text == ")":
            if depth == 0:
                return tokens[start:position] if start is not None else None
            depth -= 1
        elif depth == 0:
            if start is None:
                if lower == "where":
                    start = position + 1
                elif lower in CLAUSE_END or lower == "select" or token.text == ";":
                    return None
            elif lower in CLAUSE_END or token.text == ";" or lower == "select":
                return tokens[start:position]
    return tokens[start:] if start is not None else None
