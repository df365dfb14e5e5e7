"""A light scan of KQL text before parsing: blank lines between queries, opaque pipe operators.

Query files and Markdown blocks often hold several queries one after another (a Sentinel and an
Advanced Hunting variant), separated by blank lines the way Kusto's own editors delimit queries.
The grammar parses one query, so text that does not parse whole is cut at blank lines (the pieces
are glued back where a piece cannot start a query). Pipe operators with a syntax of their own
(``parse``, ``evaluate``, ``render`` ...) keep their name and lose their arguments (replaced by
spaces, so line and column numbers stay true); the names a ``parse`` defines are remembered, as
they are computed columns.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rulelint.formats.kusto.ast import unquote
from rulelint.formats.kusto.grammar import OPAQUE_OPERATORS

_TOKEN = re.compile(
    r"""
    (?P<ws>[\s\u200b\ufeff]+)
  | (?P<comment>//[^\n]*)
  | (?P<string>```[\s\S]*?```|~~~[\s\S]*?~~~
      |[hH]?@"(?:[^"\n]|"")*"|[hH]?@'(?:[^'\n]|'')*'
      |[hH]?"(?:[^"\\\n]|\\.)*"|[hH]?'(?:[^'\\\n]|\\.)*')
  | (?P<word>[A-Za-z_$][\w$]*(?:-[A-Za-z_]+)*)
  | (?P<open>[(\[{])
  | (?P<close>[)\]}])
  | (?P<pipe>\|)
  | (?P<semi>;)
  | (?P<other>.)
    """,
    re.VERBOSE,
)

OPAQUE = frozenset(OPAQUE_OPERATORS)
#: Words that cannot start a query: a piece starting with one continues the previous piece.
CONTINUATION_WORDS = frozenset(
    {"and", "or", "by", "on", "with", "asc", "desc", "nulls", "to", "step", "from", "in"}
)
#: A piece whose last significant token is one of these continues on the next piece.
OPEN_ENDINGS = frozenset({"and", "or", ",", "=", "==", "(", "|", "by", "on", "let"})


@dataclass(slots=True)
class Token:
    kind: str
    text: str
    start: int
    end: int


@dataclass(slots=True)
class Scanned:
    """Text ready for the parser, and what the scan learned on the way."""

    text: str
    #: offset of an opaque operator's name -> names its arguments define (``parse ... with``)
    defined: dict[int, list[str]] = field(default_factory=dict)
    #: offset of a ``parse`` -> its captures that read a named field of a column's text: (column,
    #: field name, XML element?) (``parse EventData with * 'Image">' Image '<' *``)
    fields: dict[int, dict[str, tuple[str, str, bool]]] = field(default_factory=dict)


def tokens(text: str) -> list[Token]:
    found: list[Token] = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "other"
        if kind == "ws":
            continue
        found.append(Token(kind, match.group(), match.start(), match.end()))
    return found


_OPAQUE_HINT = re.compile(
    r"\|\s*(?:" + "|".join(re.escape(name) for name in OPAQUE_OPERATORS) + r")(?![\w-])"
)


def blank_opaque(text: str) -> Scanned:
    """Blank the arguments of opaque pipe operators, keeping every newline and offset."""
    if not _OPAQUE_HINT.search(text):
        return Scanned(text)
    toks = tokens(text)
    chars = list(text)
    defined: dict[int, list[str]] = {}
    fields: dict[int, dict[str, tuple[str, str, bool]]] = {}
    depth = 0
    index = 0
    count = len(toks)
    while index < count:
        token = toks[index]
        if token.kind == "open":
            depth += 1
        elif token.kind == "close":
            depth = max(0, depth - 1)
        elif (
            token.kind == "pipe"
            and index + 1 < count
            and toks[index + 1].kind == "word"
            and toks[index + 1].text in OPAQUE
        ):
            name = toks[index + 1]
            end_index = _stage_end(toks, index + 2, text)
            stage = toks[index + 2 : end_index]
            defined[name.start] = _defined_names(name.text, stage)
            if name.text in ("parse", "parse-where"):
                fields[name.start] = _parse_fields(stage)
            if stage:
                for position in range(stage[0].start, stage[-1].end):
                    if chars[position] not in "\r\n":
                        chars[position] = " "
            index = end_index
            continue
        index += 1
    return Scanned("".join(chars), defined, fields)


def _stage_end(toks: list[Token], start: int, text: str) -> int:
    """Index of the token ending a pipe stage: ``|``, ``;``, a closing bracket at its depth, or
    the first token after a blank line at its depth (the next query of a file: ``evaluate
    pivot(...)`` then, after a blank line, another query must not become its arguments)."""
    depth = 0
    for index in range(start, len(toks)):
        token = toks[index]
        if (
            depth == 0
            and index > start
            and token.kind != "comment"
            and _has_blank_line(text[toks[index - 1].end : token.start])
        ):
            return index
        if token.kind == "open":
            depth += 1
        elif token.kind == "close":
            if depth == 0:
                return index
            depth -= 1
        elif depth == 0 and token.kind in ("pipe", "semi"):
            return index
    return len(toks)


def _defined_names(operator: str, stage: list[Token]) -> list[str]:
    """Columns an opaque stage defines, as far as can be seen: ``name = ...`` at its top level and
    the column names of a ``parse ... with`` pattern."""
    names: list[str] = []
    depth = 0
    after_with = False
    previous: Token | None = None
    for index, token in enumerate(stage):
        if token.kind == "open":
            depth += 1
        elif token.kind == "close":
            depth = max(0, depth - 1)
        elif depth == 0 and token.kind == "word":
            following = stage[index + 1] if index + 1 < len(stage) else None
            if token.text == "with" and operator.startswith("parse"):
                after_with = True
            elif (
                following is not None
                and following.text == "="
                and not _is_comparison(stage, index + 1)
            ) or (after_with and not (previous is not None and previous.text == ":")):
                names.append(token.text)
        previous = token
    return names


#: The end of a literal that names the field a capture reads: XML ``Image">`` (group 1), or a
#: key and its separator, ``KeyUsage=``, ``ConsentType: ``, JSON ``"Address":"`` (group 2).
_FIELD_KEY = re.compile(r'(?:([A-Za-z_][\w.-]*)"\s*>|"?([A-Za-z_][\w.-]*)"?\s*[:=]\s*"?)\s*$')


def _parse_fields(stage: list[Token]) -> dict[str, tuple[str, str, bool]]:
    """The captures of a simple ``parse Column with ...`` pattern right after a literal that names
    a field, as (column, field name, XML element?): ``'TargetObject">' TargetObject`` reads the
    TargetObject element of an event's EventData, ``"KeyUsage=" keyUsage`` the KeyUsage key of
    the column's text. Regex patterns, parses of an expression and captures after other literals
    are cut-out text, not fields."""
    significant = [t for t in stage if t.kind != "comment"]
    words = [t.text for t in significant if t.kind == "word"]
    if "with" not in words or "regex" in words or "relaxed" in words:
        return {}
    head: list[Token] = []
    for token in significant:
        if token.kind == "word" and token.text == "with":
            break
        head.append(token)
    while len(head) >= 3 and head[1].text == "=":  # kind=simple, flags=...
        head = head[3:]
    if len(head) != 1 or head[0].kind != "word":
        return {}
    column = head[0].text
    found: dict[str, tuple[str, str, bool]] = {}
    previous: Token | None = None
    for token in significant[significant.index(next(t for t in significant if t.text == "with")) :]:
        if (
            token.kind == "word"
            and previous is not None
            and previous.kind == "string"
            and not previous.text.startswith(("```", "~~~"))
        ):
            text = unquote(previous.text)[-100:]
            key = _FIELD_KEY.search(text)
            if key is not None:
                found[token.text] = (column, key.group(1) or key.group(2), bool(key.group(1)))
            elif text.strip(" \t\"',{").lower() == token.text.lower():
                # "BodyContainsWords" BodyContainsWords: the capture is named after its label
                found[token.text] = (column, token.text, False)
        previous = token
    return found


def _is_comparison(stage: list[Token], index: int) -> bool:
    following = stage[index + 1] if index + 1 < len(stage) else None
    return following is not None and following.text in ("=", "~")


def split_queries(text: str) -> list[tuple[int, int]]:
    """(start, end) offsets of the queries in a text, cut at blank lines between them."""
    toks = tokens(text)
    if not toks:
        return []
    pieces: list[list[Token]] = []
    current: list[Token] = []
    depth = 0
    previous_end = 0
    for token in toks:
        gap = text[previous_end : token.start]
        if current and depth == 0 and _has_blank_line(gap):
            pieces.append(current)
            current = []
        if token.kind == "open":
            depth += 1
        elif token.kind == "close":
            depth = max(0, depth - 1)
        current.append(token)
        previous_end = token.end
    if current:
        pieces.append(current)
    merged: list[list[Token]] = []
    for piece in pieces:
        significant = [t for t in piece if t.kind != "comment"]
        if not significant:
            continue  # a comment between queries
        if merged and (_continues(significant[0]) or _open_ended(merged[-1])):
            merged[-1].extend(piece)
        else:
            merged.append(piece)
    spans: list[tuple[int, int]] = []
    for piece in merged:
        first = next(t for t in piece if t.kind != "comment")
        spans.append((_line_start(text, first.start), piece[-1].end))
    return spans


def _has_blank_line(gap: str) -> bool:
    return re.search(r"\n[ \t\r\u00a0\u200b]*\n", gap) is not None


def _continues(first: Token) -> bool:
    return (
        first.kind in ("pipe", "close", "other")
        or (first.kind == "word" and first.text in CONTINUATION_WORDS)
        or first.text in (",", ".")
    )


def _open_ended(piece: list[Token]) -> bool:
    significant = [t for t in piece if t.kind != "comment"]
    if not significant:
        return False
    last = significant[-1]
    if last.kind == "semi":
        return True  # let statements before the query they serve
    return last.text in OPEN_ENDINGS


def _line_start(text: str, offset: int) -> int:
    return text.rfind("\n", 0, offset) + 1
