"""ES|QL (``language = "esql"``): an LALR grammar for the commands that select events, and their
conversion.

An ES|QL query is a pipeline: ``FROM indexes | WHERE ... | EVAL ... | STATS ... BY ... | WHERE ...``.
The query is first cut at its top-level pipes (strings, comments and backtick names respected);
``FROM``, ``WHERE``, ``EVAL`` and ``STATS`` segments are parsed with the grammar below, the other
commands (``KEEP``, ``SORT``, ``GROK`` ...) only tell which columns they define.

A ``WHERE`` condition on event fields is a predicate. After ``STATS`` only its ``BY`` columns are
event fields: conditions on aggregated columns (``WHERE Esql.event_count > 5``) are not predicates.
A column made by ``EVAL x = TO_LOWER(field)`` (or another value-preserving function) stands for its
field; other computed columns are skipped with a note. ES|QL compares case-sensitively, except
where the field is wrapped in ``TO_LOWER``/``TO_UPPER``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import ClassVar

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput

from rulelint.formats.elastic.common import (
    LexError,
    QueryContext,
    RegexLexer,
    build_parser,
    comparison_operator,
    field_name,
    first_line_of,
    flip_comparison,
    length_predicate,
    token_pattern,
)
from rulelint.model import Node, Not, all_of, any_of
from rulelint.vocab.values import canonical_number

GRAMMAR = r"""
// one command of the pipeline; the reader picks the commands that select events
?start: from_cmd | where_cmd | eval_cmd | stats_cmd
from_cmd: FROM source (_COMMA source)* metadata?
source: INDEX | STRING
metadata: METADATA NAME (_COMMA NAME)*
where_cmd: _WHERE expr
eval_cmd: _EVAL assign (_COMMA assign)*
stats_cmd: INLINE? _STATS (agg (_COMMA agg)*)? by_groups?
assign: qname _EQUAL expr
      | expr
agg: qname _EQUAL expr (_WHERE expr)?
   | expr (_WHERE expr)?
by_groups: _BY assign (_COMMA assign)*

?expr: or_expr
?or_expr: and_expr
        | or_expr OR and_expr                       -> or_
?and_expr: not_expr
         | and_expr AND not_expr                    -> and_
?not_expr: NOT not_expr                             -> not_
         | predicate
?predicate: value
          | value NOT? _LIKE patterns               -> like
          | value NOT? _RLIKE patterns              -> rlike
          | value NOT? _IN _LPAR expr (_COMMA expr)* _RPAR  -> in_
          | value _IS NOT? NULL                     -> is_null
          | value COMPARE value                     -> compare
          | value _COLON value                      -> match_op
patterns: STRING
        | _LPAR STRING (_COMMA STRING)* _RPAR
// arithmetic is never evaluated (conditions on it are skipped), so it has one precedence level
?value: operand
      | value ADD operand                           -> arith
      | value MUL operand                           -> arith
      | value _CAST NAME                            -> arith
?operand: constant
        | qname
        | call
        | _LPAR expr _RPAR
        | ADD operand                               -> arith
call: NAME _LPAR (MUL | expr (_COMMA expr)* (_COMMA map)?)? _RPAR
map: _LBRACE (STRING _COLON constant (_COMMA STRING _COLON constant)*)? _RBRACE
constant: NULL | TRUE | FALSE | NUMBER | STRING | PARAM
        | NUMBER NAME                               -> interval
        | _LSQB constant (_COMMA constant)* _RSQB   -> array
qname: NAME

%declare FROM METADATA INDEX _WHERE _EVAL INLINE _STATS _BY OR AND NOT _LIKE _RLIKE _IN _IS NULL TRUE FALSE
%declare COMPARE ADD MUL _CAST NAME STRING NUMBER PARAM
%declare _LPAR _RPAR _LSQB _RSQB _LBRACE _RBRACE _COMMA _EQUAL _COLON
"""

_WORD_END = r"(?![\w.@])"


class EsqlLexer(RegexLexer):
    """ES|QL tokens of one pipeline segment; a ``FROM`` segment's sources are index patterns."""

    PATTERN = token_pattern(
        r"""(?P<COMMENT>//[^\n]*|/\*(?:[^*]|\*+[^*/])*\*+/)"""
        r"""|(?P<STRING>\"\"\"(?:[^"]|"(?!""))*\"\"\"|"(?:\\[\s\S]|[^"\\])*")"""
        r"""|(?P<NAME>(?:[A-Za-z_@][\w@]*|`(?:``|[^`])+`)(?:\.(?:[\w@]+|`(?:``|[^`])+`))*)"""
        r"""|(?P<NUMBER>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"""
        r"""|(?P<PARAM>\?\w*)"""
        r"""|(?P<OP>==|!=|<=|>=|::|[<>()\[\]{},=:+\-*/%])"""
    )
    FROM_PATTERN = token_pattern(
        r"""(?P<COMMENT>//[^\n]*|/\*(?:[^*]|\*+[^*/])*\*+/)"""
        r"""|(?P<STRING>"(?:\\[\s\S]|[^"\\])*")"""
        r"""|(?P<NAME>(?i:from|metadata)""" + _WORD_END + r""")"""
        r"""|(?P<OP>,)"""
        r"""|(?P<INDEX>[^\s,"|]+)"""
    )
    KEYWORDS: ClassVar[dict[str, str]] = {
        "from": "FROM",
        "metadata": "METADATA",
        "where": "_WHERE",
        "eval": "_EVAL",
        "inline": "INLINE",
        "stats": "_STATS",
        "inlinestats": "_STATS",
        "by": "_BY",
        "or": "OR",
        "and": "AND",
        "not": "NOT",
        "like": "_LIKE",
        "rlike": "_RLIKE",
        "in": "_IN",
        "is": "_IS",
        "null": "NULL",
        "true": "TRUE",
        "false": "FALSE",
    }
    OPERATORS: ClassVar[dict[str, str]] = {
        **dict.fromkeys(("==", "!=", "<=", ">=", "<", ">"), "COMPARE"),
        "::": "_CAST",
        "(": "_LPAR",
        ")": "_RPAR",
        "[": "_LSQB",
        "]": "_RSQB",
        "{": "_LBRACE",
        "}": "_RBRACE",
        ",": "_COMMA",
        "=": "_EQUAL",
        ":": "_COLON",
        "+": "ADD",
        "-": "ADD",
        "*": "MUL",
        "/": "MUL",
        "%": "MUL",
    }

    def lex(self, text: str) -> Iterator[Token]:  # type: ignore[override]
        if not _FROM_START.match(text):
            return self.scan(text, self.PATTERN)
        return self._from_tokens(text)

    def _from_tokens(self, text: str) -> Iterator[Token]:
        after_metadata = False
        for token in self.scan(text, self.FROM_PATTERN):
            if token.type == "METADATA":
                after_metadata = True
            elif after_metadata and token.type == "INDEX":
                token.type = "NAME"
            yield token


_FROM_START = re.compile(r"\s*(?:(?://[^\n]*|/\*(?:[^*]|\*+[^*/])*\*+/)\s*)*(?i:from)(?![\w.@])")


@cache
def _parser() -> Lark:
    return build_parser("elastic-esql", GRAMMAR, EsqlLexer)


_SEGMENT_TOKEN = re.compile(
    r'"""(?:[^"]|"(?!""))*"""|"(?:\\[\s\S]|[^"\\])*"|//[^\n]*|/\*(?:[^*]|\*+[^*/])*\*+/|`(?:``|[^`])*`|\||[^"|/`]+|/'
)
_COMMAND_WORD = re.compile(
    r"\s*(?:(?://[^\n]*|/\*(?:[^*]|\*+[^*/])*\*+/)\s*)*([A-Za-z_]+)(?:\s+([A-Za-z_]+))?"
)
_DISSECT_KEY = re.compile(r"%\{[+?*&]?([^}:\s]*)[^}]*\}")
_GROK_KEY = re.compile(r"%\{[^}:]+:([^}:]+)(?::[^}]*)?\}")
_RENAME_AS = re.compile(r"([\w.@`]+)\s+as\s+([\w.@`]+)", re.IGNORECASE)
_RENAME_EQ = re.compile(r"([\w.@`]+)\s*=\s*([\w.@`]+)")

#: Functions whose result stands for their first argument (a column made by them is that field).
TRANSPARENT_FUNCTIONS = frozenset(
    {
        "to_lower",
        "to_upper",
        "trim",
        "ltrim",
        "rtrim",
        "to_string",
        "url_decode",
        "mv_first",
        "mv_last",
        "mv_min",
        "mv_max",
        "mv_dedupe",
    }
)
CASE_FOLDING_FUNCTIONS = frozenset({"to_lower", "to_upper"})
PREDICATE_FUNCTIONS = {
    "starts_with": "starts_with",
    "ends_with": "ends_with",
    "cidr_match": "cidr_match",
    "contains": "contains",
    "mv_contains": "eq",  # a multi-valued field holds the value
}
STRING_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}


class EsqlError(ValueError):
    """An ES|QL syntax error; ``line``/``column`` relative to the query (1-based)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(slots=True)
class Segment:
    """One command of the pipeline: its text and where it starts in the query."""

    text: str
    line: int  # 1-based line of the query where the segment starts
    column: int  # 0-based column of that line
    command: str = ""


def split_pipeline(text: str) -> list[Segment]:
    """The query cut at its top-level pipes; raises EsqlError on an unterminated string."""
    segments: list[Segment] = []
    start = 0
    position = 0
    length = len(text)
    while position < length:
        match = _SEGMENT_TOKEN.match(text, position)
        if match is None:
            line = text.count("\n", 0, position) + 1
            raise EsqlError("ES|QL syntax error: unterminated string or name", line)
        if match.group() == "|":
            segments.append(_segment(text, start, position))
            start = match.end()
        position = match.end()
    segments.append(_segment(text, start, length))
    return [s for s in segments if s.text.strip() and _COMMAND_WORD.match(s.text)]


def _segment(text: str, start: int, end: int) -> Segment:
    line = text.count("\n", 0, start) + 1
    column = start - (text.rfind("\n", 0, start) + 1)
    segment = Segment(text[start:end], line, column)
    match = _COMMAND_WORD.match(segment.text)
    if match:
        first = match.group(1).lower()
        second = (match.group(2) or "").lower()
        segment.command = "inline stats" if first == "inline" and second == "stats" else first
    return segment


def parse_segment(segment: Segment, command: str) -> Tree:
    """One command's parse tree; ``command`` (``where_cmd`` ...) is the rule it must be."""
    try:
        tree = _parser().parse(segment.text)
    except LexError as error:
        line = error.line + segment.line - 1
        raise EsqlError(
            f"ES|QL syntax error in {segment.command.upper()}: {error}", line, error.column
        ) from None
    except UnexpectedInput as error:
        line = (getattr(error, "line", 1) or 1) + segment.line - 1
        column = getattr(error, "column", 0) or 0
        if isinstance(error, UnexpectedCharacters):
            message = f"unexpected character {segment.text[error.pos_in_stream]!r}"
        else:
            token = getattr(error, "token", None)
            message = f"unexpected {str(token)!r}" if token else "unexpected end of command"
        raise EsqlError(
            f"ES|QL syntax error in {segment.command.upper()}: {message}", line, column
        ) from None
    except LarkError as error:
        raise EsqlError(f"ES|QL syntax error: {first_line_of(str(error))}", segment.line) from None
    if tree.data != command:  # e.g. a FROM keyword where a WHERE command was expected
        raise EsqlError(
            f"ES|QL syntax error: not a {segment.command.upper()} command", segment.line
        )
    return tree


def unescape_string(token: Token) -> str:
    text = str(token)
    if text.startswith('"""'):
        return text[3:-3]
    body = text[1:-1]
    if "\\" not in body:
        return body
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char == "\\" and index + 1 < len(body) and body[index + 1] in STRING_ESCAPES:
            out.append(STRING_ESCAPES[body[index + 1]])
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


@dataclass(slots=True)
class Column:
    """What a name in the pipeline stands for: event fields (several for ``COALESCE``), maybe
    case-folded or measured (``LENGTH``), or nothing (an aggregate or computed value)."""

    fields: tuple[str, ...] = ()
    folded: bool = False
    length: bool = False

    @property
    def field(self) -> str | None:
        return self.fields[0] if self.fields else None


@dataclass(slots=True)
class EsqlQuery:
    """The parts of a query the reader needs: event predicates and the FROM indexes."""

    expression: Node | None
    indexes: list[str] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)


class EsqlConverter:
    def __init__(self, ctx: QueryContext) -> None:
        self.base = ctx
        self.ctx = ctx
        self.computed: dict[str, Column] = {}
        self.after_stats = False
        self.by_fields: set[str] = set()

    def convert(self, text: str) -> EsqlQuery:
        segments = split_pipeline(text)
        if not segments:
            raise EsqlError("ES|QL query is empty")
        result = EsqlQuery(None)
        conditions: list[Node] = []
        for segment in segments:
            result.commands.append(segment.command)
            self.ctx = QueryContext(
                first_line=self.base.first_line + segment.line - 1,
                first_column=segment.column + (self.base.first_column if segment.line == 1 else 0),
                notes=self.base.notes,
                fields=self.base.fields,
                scopes=self.base.scopes,
            )
            command = segment.command
            if command in ("from", "ts", "metrics"):
                if command != "from":
                    result.indexes.extend(_loose_sources(segment.text))
                    continue
                tree = parse_segment(segment, "from_cmd")
                for source in tree.find_data("source"):
                    token = source.children[0]
                    assert isinstance(token, Token)
                    result.indexes.append(
                        unescape_string(token) if token.type == "STRING" else str(token)
                    )
            elif command == "where":
                tree = parse_segment(segment, "where_cmd")
                node = self.expr(tree.children[0])
                if node is not None:
                    conditions.append(node)
            elif command == "eval":
                self.eval(parse_segment(segment, "eval_cmd"))
            elif command in ("stats", "inline stats", "inlinestats"):
                self.stats(parse_segment(segment, "stats_cmd"), inline=command != "stats")
            elif command in ("dissect", "grok"):
                pattern = _GROK_KEY if command == "grok" else _DISSECT_KEY
                for name in pattern.findall(segment.text):
                    if name:
                        self.computed[name] = Column()
            elif command == "rename":
                body = (
                    segment.text.split(None, 1)[1] if len(segment.text.split(None, 1)) > 1 else ""
                )
                for old, new in _RENAME_AS.findall(body):
                    self.computed[new.strip("`")] = self.column(old.strip("`"))
                for new, old in _RENAME_EQ.findall(body):
                    self.computed[new.strip("`")] = self.column(old.strip("`"))
            elif command in ("row", "show"):
                raise EsqlError(
                    f"ES|QL source command {command.upper()} reads no events", segment.line
                )
        result.expression = all_of(conditions)
        return result

    # -- columns --------------------------------------------------------------------------------

    def column(self, name: str) -> Column:
        """What a referenced name stands for at this point of the pipeline."""
        if name in self.computed:
            return self.computed[name]
        if self.after_stats and name not in self.by_fields:
            return Column()
        return Column((name,))

    def resolve(self, node: Tree | Token) -> Column | None:
        """The event field an expression reads, when it is a field or a value-preserving function of one."""
        if isinstance(node, Tree) and node.data == "qname":
            return self.column(_name(node))
        if isinstance(node, Tree) and node.data == "call":
            name = str(node.children[0]).lower()
            args = [c for c in node.children[1:] if isinstance(c, Tree)]
            if name in TRANSPARENT_FUNCTIONS and len(args) == 1:
                inner = self.resolve(args[0])
                if inner is None or inner.field is None:
                    return inner
                return Column(
                    inner.fields, inner.folded or name in CASE_FOLDING_FUNCTIONS, inner.length
                )
            if name == "length" and len(args) == 1:
                inner = self.resolve(args[0])
                if inner is None or inner.field is None or inner.length:
                    return None
                return Column(inner.fields, inner.folded, length=True)
            if name == "coalesce" and args:
                columns = [self.resolve(arg) for arg in args]
                if any(c is None or c.field is None for c in columns):
                    return None
                fields = tuple(f for c in columns for f in c.fields)  # type: ignore[union-attr]
                return Column(
                    fields, any(c.folded for c in columns), any(c.length for c in columns)
                )  # type: ignore[union-attr]
        return None

    def eval(self, tree: Tree) -> None:
        for assign in tree.find_data("assign"):
            children = assign.children
            if len(children) == 2 and isinstance(children[0], Tree) and children[0].data == "qname":
                resolved = self.resolve(children[1])
                self.computed[_name(children[0])] = resolved if resolved is not None else Column()

    def stats(self, tree: Tree, inline: bool) -> None:
        by_fields: set[str] = set()
        for child in tree.children:
            if not isinstance(child, Tree):
                continue
            if (
                child.data == "agg"
                and isinstance(child.children[0], Tree)
                and child.children[0].data == "qname"
            ):
                self.computed[_name(child.children[0])] = Column()
            elif child.data == "agg":
                self.computed[_text(child.children[0])] = Column()
            elif child.data == "by_groups":
                for group in child.children:
                    if not isinstance(group, Tree):
                        continue
                    if len(group.children) == 2 and isinstance(group.children[0], Tree):
                        name = _name(group.children[0])
                        resolved = self.resolve(group.children[1])
                        self.computed[name] = resolved if resolved is not None else Column()
                        by_fields.add(name)
                    else:
                        resolved = self.resolve(group.children[0])
                        if resolved is not None and resolved.field is not None:
                            by_fields.add(_text(group.children[0]))
        if not inline:
            self.after_stats = True
            self.by_fields = by_fields

    # -- conditions -----------------------------------------------------------------------------

    def expr(self, node: Tree | Token) -> Node | None:
        if isinstance(node, Token):
            return None
        kind = node.data
        if kind == "or_":
            left, right = self.expr(node.children[0]), self.expr(node.children[2])
            return left if right is None else right if left is None else any_of([left, right])
        if kind == "and_":
            return all_of(
                [
                    n
                    for n in (self.expr(node.children[0]), self.expr(node.children[2]))
                    if n is not None
                ]
            )
        if kind == "not_":
            child = self.expr(node.children[1])
            return None if child is None else Not(child)
        handler = getattr(self, "_" + kind, None)
        if handler is not None:
            return handler(node)
        if kind == "qname":
            column = self.column(_name(node))
            if column.field is None:
                return self.skip(node, "a computed column")
            return self.predicate(column, "eq", "true", node, "==")
        if kind == "call":
            return self.call(node)
        if kind == "constant":
            return None
        return self.skip(node, "an expression")

    def operand_field(self, node: Tree | Token, what: str) -> Column | None:
        column = self.resolve(node)
        if column is None or column.field is None:
            self.skip(
                node, what if column is None else "a condition on an aggregated or computed column"
            )
            return None
        return column

    def _compare(self, node: Tree) -> Node | None:
        left, op_token, right = node.children
        symbol = str(op_token)
        if _constant(left) is not None and _constant(right) is None:
            left, right, symbol = right, left, flip_comparison(symbol)
        column = self.operand_field(left, "a comparison of a computed value")
        if column is None:
            return None
        constant = _constant(right)
        if constant is None:
            other = self.resolve(right)
            if other is not None and other.field is not None and symbol in ("==", "!="):
                reference = f"fieldref:{self.ctx.fields.canonical(other.field)}"
                predicate = self.predicate(column, "eq", reference, right, symbol, cased=True)
                return Not(predicate) if symbol == "!=" else predicate
            return self.skip(node, "a comparison with a computed value")
        kind, value, token = constant
        if kind == "null":
            return self.skip(node, "a comparison with null (always null in ES|QL)")
        if symbol in ("==", "!="):
            predicate = self.predicate(column, "eq", value, token, symbol, cased=kind == "string")
            return Not(predicate) if symbol == "!=" else predicate
        return self.predicate(column, comparison_operator(symbol), value, token, symbol)

    def _like(self, node: Tree) -> Node | None:
        return self.patterns(node, "LIKE")

    def _rlike(self, node: Tree) -> Node | None:
        return self.patterns(node, "RLIKE")

    def patterns(self, node: Tree, how: str) -> Node | None:
        negated = any(isinstance(c, Token) and c.type == "NOT" for c in node.children)
        column = self.operand_field(node.children[0], f"{how} on a computed value")
        if column is None:
            return None
        patterns = next(c for c in node.children if isinstance(c, Tree) and c.data == "patterns")
        alternatives: list[Node] = []
        for token in patterns.children:
            assert isinstance(token, Token)
            text = unescape_string(token)
            if how == "RLIKE":
                alternatives.append(
                    self.predicate(column, "regex_match", text, token, how, cased=True)
                )
            elif column.length:
                return self.skip(node, "LIKE on a length")
            else:
                for name in column.fields:
                    alternatives.append(
                        self.ctx.wildcard(
                            name, text, token, how=how, cased=not column.folded, escape="\\"
                        )
                    )
        result = any_of(alternatives)
        return Not(result) if negated and result is not None else result

    def _in_(self, node: Tree) -> Node | None:
        negated = any(isinstance(c, Token) and c.type == "NOT" for c in node.children)
        items = [c for c in node.children[1:] if not isinstance(c, Token)]
        column = self.operand_field(node.children[0], "IN on a computed value")
        if column is None:
            return None
        alternatives: list[Node] = []
        for item in items:
            constant = _constant(item)
            if constant is None or constant[0] == "null":
                self.skip(item, "IN with a non-literal value")
                continue
            kind, value, token = constant
            alternatives.append(
                self.predicate(column, "eq", value, token, "IN", cased=kind == "string")
            )
        result = any_of(alternatives)
        return Not(result) if negated and result is not None else result

    def _is_null(self, node: Tree) -> Node | None:
        negated = any(isinstance(c, Token) and c.type == "NOT" for c in node.children)
        column = self.operand_field(node.children[0], "IS NULL on a computed value")
        if column is None:
            return None
        null_token = node.children[-1]
        how = "IS NOT NULL" if negated else "IS NULL"
        predicate = self.predicate(column, "is_null", None, null_token, how)
        return Not(predicate) if negated else predicate

    def _match_op(self, node: Tree) -> Node | None:
        column = self.operand_field(node.children[0], "':' on a computed value")
        constant = _constant(node.children[1])
        if column is None or constant is None:
            return None if column is None else self.skip(node, "':' with a computed value")
        return self.predicate(column, "match", constant[1], constant[2], ":")

    def call(self, node: Tree) -> Node | None:
        name = str(node.children[0]).lower()
        args = [c for c in node.children[1:] if isinstance(c, Tree) and c.data != "map"]
        if name in PREDICATE_FUNCTIONS and len(args) >= 2:
            column = self.operand_field(args[0], f"{name.upper()} on a computed value")
            if column is None:
                return None
            alternatives: list[Node] = []
            for arg in args[1:]:
                constant = _constant(arg)
                if constant is None or constant[0] != "string":
                    self.skip(arg, f"{name.upper()} with a non-literal value")
                    continue
                cased = name != "cidr_match" and not column.folded
                alternatives.append(
                    self.predicate(
                        column,
                        PREDICATE_FUNCTIONS[name],
                        constant[1],
                        constant[2],
                        name.upper(),
                        cased=cased,
                    )
                )
            return any_of(alternatives)
        if name == "match" and len(args) >= 2:
            return self._match_op(Tree("match_op", [args[0], args[1]]))
        if name in ("kql", "qstr") and len(args) == 1:
            constant = _constant(args[0])
            if constant is not None and constant[0] == "string":
                return self.embedded(name, constant[1], constant[2])
        return self.skip(node, f"{name.upper()}(...) (not a predicate)")

    def embedded(self, language: str, text: str, token: Token) -> Node | None:
        """``KQL("...")``/``QSTR("...")`` inside a WHERE: parsed with the KQL/Lucene readers."""
        from rulelint.formats.elastic.kuery import KueryError, kuery_to_node
        from rulelint.formats.elastic.lucene import LuceneError, lucene_to_node

        quote = 3 if str(token).startswith('"""') else 1
        inner = QueryContext(
            first_line=self.ctx.line(token),
            first_column=self.ctx.column(token) - 1 + quote,
            notes=self.ctx.notes,
            fields=self.ctx.fields,
            scopes=self.ctx.scopes,
        )
        try:
            if language == "kql":
                return kuery_to_node(text, inner)
            return lucene_to_node(text, inner)
        except (KueryError, LuceneError) as error:
            self.ctx.note(
                f"ES|QL: {language.upper()}(...) at line {self.ctx.line(token)} not read: {error}"
            )
            return None

    def predicate(
        self,
        column: Column,
        operator: str,
        value: str | None,
        where: Tree | Token,
        how: str,
        cased: bool = False,
    ) -> Node:
        token = where if isinstance(where, Token) else _first_token(where)
        predicates: list[Node] = []
        for name in column.fields:
            predicate = self.ctx.predicate(
                name,
                operator,
                value,
                token,
                how=how,
                raw_value=value,
                cased=cased and not column.folded,
            )
            predicates.append(length_predicate(predicate) if column.length else predicate)
        node = any_of(predicates)
        assert node is not None
        return node

    def skip(self, node: Tree | Token, what: str) -> None:
        self.ctx.note(
            f"ES|QL: skipped {what} at line {self.ctx.line(_first_token(node))} (not an event predicate)"
        )
        return None


def _constant(node: Tree | Token) -> tuple[str, str, Token] | None:
    """(kind, canonical text, token) of a literal: string, number, bool, null or interval."""
    if isinstance(node, Tree) and node.data == "arith" and len(node.children) == 2:
        sign, inner = node.children
        found = _constant(inner)
        if found is not None and found[0] == "number" and str(sign) == "-":
            return ("number", "-" + found[1], found[2])
        return None
    if not isinstance(node, Tree) or node.data != "constant":
        return None
    token = node.children[0]
    assert isinstance(token, Token)
    if token.type == "STRING":
        return ("string", unescape_string(token), token)
    if token.type == "NUMBER":
        number = float(token) if any(c in token for c in ".eE") else int(token)
        return ("number", canonical_number(number), token)
    if token.type == "NULL":
        return ("null", "null", token)
    if token.type in ("TRUE", "FALSE"):
        return ("bool", str(token).lower(), token)
    return None


def _name(node: Tree) -> str:
    return field_name(str(node.children[0]))


def _text(node: Tree | Token) -> str:
    if isinstance(node, Token):
        return str(node)
    if node.data == "qname":
        return _name(node)
    return " ".join(_text(c) for c in node.children)


def _first_token(node: Tree | Token) -> Token | None:
    if isinstance(node, Token):
        return node
    for child in node.children:
        found = _first_token(child)
        if found is not None:
            return found
    return None


def _loose_sources(text: str) -> list[str]:
    words = text.split(None, 1)
    if len(words) < 2:
        return []
    body = re.split(r"\s(?:metadata|by)\s", words[1], maxsplit=1, flags=re.IGNORECASE)[0]
    return [s.strip().strip('"') for s in body.split(",") if s.strip()]


def esql_to_query(text: str, ctx: QueryContext) -> EsqlQuery:
    """The query's event predicates (not yet simplified) and FROM indexes; raises EsqlError."""
    return EsqlConverter(ctx).convert(text)
