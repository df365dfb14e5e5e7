"""Event Query Language (EQL, Elasticsearch's dialect) as an LALR grammar, and its conversion.

Supported: ``<category> where <condition>``, ``sequence [by ...] [with maxspan=...] [...] [...]
[until [...]]``, ``sample by ... [...] [...]``, pipes (ignored), ``and``/``or``/``not``, ``==``,
``!=``, ``<``..``>=``, ``:`` (case-insensitive wildcard match), ``like``/``regex`` and their ``~``
forms, ``in``/``in~``/``not in``, ``?field`` optional fields, backtick fields, functions
(``startsWith``, ``endsWith``, ``stringContains``, ``cidrMatch``, ``wildcard``, ``match`` become
predicates, ``length(field)`` comparisons too; anything else is skipped with a note), arithmetic,
double-quoted and triple-quoted (raw) strings, and ``//``/``/* */`` comments.

This grammar is written from the Elasticsearch EQL reference; it shares no code with the ``eql``
package (AGPL) or Elastic's own libraries.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
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
from rulelint.formats.escapes import unescape, unicode_braced
from rulelint.model import And, Node, Not, Predicate, all_of, any_of, iter_predicates
from rulelint.vocab.values import canonical_number

GRAMMAR = r"""
start: query pipe*
?query: event_query | sequence | sample
event_query: category _WHERE expr
category: NAME | STRING | ANY
sequence: _SEQUENCE seq_option* (subquery | missing)+ until?
?seq_option: by_clause | maxspan
maxspan: _WITH _MAXSPAN _EQUAL NUMBER NAME?
by_clause: _BY expr (_COMMA expr)*
subquery: _LSQB event_query _RSQB (runs | by_clause)*
missing: _BANG _LSQB event_query _RSQB (runs | by_clause)*
runs: _WITH _RUNS _EQUAL NUMBER
until: _UNTIL subquery
sample: _SAMPLE by_clause? subquery+
pipe: _PIPE NAME (expr (_COMMA expr)*)?

?expr: or_expr
?or_expr: and_expr
        | or_expr OR and_expr                  -> or_
?and_expr: not_expr
         | and_expr AND not_expr               -> and_
?not_expr: NOT not_expr                        -> not_
         | comparison
?comparison: value
           | value COMPARE value               -> compare
           | value MATCH_OP rhs                -> match
           | value IN_OP items                 -> in_
           | value NOT IN_OP items             -> not_in
?rhs: items
    | item
items: _LPAR item (_COMMA item)* _RPAR
     | LIST
?item: STRING                                  -> literal
     | RAW_STRING                              -> literal
     | NUMBER                                  -> literal
     | TRUE                                    -> literal
     | FALSE                                   -> literal
     | NULL                                    -> literal
     | NAME                                    -> field
     | call
// arithmetic is never evaluated (a comparison on it is skipped), so it has one precedence level
?value: operand
      | value ADD operand                      -> arith
      | value MUL operand                      -> arith
?operand: item
        | _LPAR expr _RPAR
        | ADD operand                          -> arith
call: NAME TILDE? _LPAR (expr (_COMMA expr)*)? _RPAR
    | NAME TILDE? LIST

%declare OR AND NOT IN_OP MATCH_OP _WHERE _SEQUENCE _SAMPLE _UNTIL _BY _WITH _MAXSPAN _RUNS ANY TRUE FALSE NULL
%declare COMPARE ADD MUL TILDE NAME RAW_STRING STRING NUMBER LIST
%declare _LPAR _RPAR _LSQB _RSQB _COMMA _PIPE _EQUAL _BANG
"""


# Token regexes. Comments and raw strings are written so no part can be matched two ways: a
# failed list match backtracks in linear time.
_COMMENT = r"//[^\n]*|/\*(?:[^*]|\*+[^*/])*\*+/"
_RAW_STRING = r'"""(?:[^"]|"(?!""))*"""'
_STRING = r'"(?:\\[\s\S]|[^"\\])*"' + "|" + r"'(?:\\[\s\S]|[^'\\])*'"
_NUMBER = r"\d+(?:\.\d+)?"
_ITEM = "(?:" + _RAW_STRING + "|" + _STRING + "|" + _NUMBER + ")"
_SEPARATOR = r"(?:\s|" + _COMMENT + ")*"
#: a parenthesized list of two or more literals is one token: half of all EQL tokens are in such
#: lists, and one regex match is much cheaper than an LALR step per item
_LIST = (
    r"\("
    + _SEPARATOR
    + _ITEM
    + "(?:"
    + _SEPARATOR
    + ","
    + _SEPARATOR
    + _ITEM
    + ")+"
    + _SEPARATOR
    + r"\)"
)
_LIST_ITEM = re.compile(
    f"(?P<COMMENT>{_COMMENT})|(?P<RAW_STRING>{_RAW_STRING})|(?P<STRING>{_STRING})|(?P<NUMBER>{_NUMBER})"
)


def list_items(token: Token) -> list[Token]:
    """The literal tokens of a ``LIST`` token, at their own lines and columns."""
    text = str(token)
    items: list[Token] = []
    line = token.line or 1
    line_start = -((token.column or 1) - 1)  # offset in ``text`` of the token's line start
    position = 0
    for match in _LIST_ITEM.finditer(text):
        kind = match.lastgroup or ""
        start = match.start()
        if "\n" in text[position:start]:
            line += text.count("\n", position, start)
            line_start = text.rindex("\n", position, start) + 1
        position = start
        value = match.group()
        if kind != "COMMENT":
            items.append(
                Token(kind, value, (token.start_pos or 0) + start, line, start - line_start + 1)
            )
        if "\n" in value:
            line += value.count("\n")
            line_start = start + value.rindex("\n") + 1
        position = match.end()
    return items


class EqlLexer(RegexLexer):
    PATTERN = token_pattern(
        f"(?P<LIST>{_LIST})|(?P<COMMENT>{_COMMENT})|(?P<RAW_STRING>{_RAW_STRING})|(?P<STRING>{_STRING})"
        r"|(?P<IN_OP>(?i:in)~)|(?P<MATCH_OP>(?i:like|regex)~)"
        r"|(?P<NAME>\??(?:[A-Za-z_@][\w@]*|`(?:``|[^`])+`)(?:\.(?:[\w@]+|`(?:``|[^`])+`))*)"
        f"|(?P<NUMBER>{_NUMBER})"
        r"|(?P<OP>==|!=|<=|>=|[<>:()\[\],|=+\-*/%~!])"
    )
    KEYWORDS: ClassVar[dict[str, str]] = {
        "or": "OR",
        "and": "AND",
        "not": "NOT",
        "in": "IN_OP",
        "like": "MATCH_OP",
        "regex": "MATCH_OP",
        "where": "_WHERE",
        "sequence": "_SEQUENCE",
        "sample": "_SAMPLE",
        "until": "_UNTIL",
        "by": "_BY",
        "with": "_WITH",
        "maxspan": "_MAXSPAN",
        "runs": "_RUNS",
        "any": "ANY",
        "true": "TRUE",
        "false": "FALSE",
        "null": "NULL",
    }
    OPERATORS: ClassVar[dict[str, str]] = {
        **dict.fromkeys(("==", "!=", "<=", ">=", "<", ">"), "COMPARE"),
        ":": "MATCH_OP",
        "(": "_LPAR",
        ")": "_RPAR",
        "[": "_LSQB",
        "]": "_RSQB",
        ",": "_COMMA",
        "|": "_PIPE",
        "=": "_EQUAL",
        "!": "_BANG",
        "~": "TILDE",
        "+": "ADD",
        "-": "ADD",
        "*": "MUL",
        "/": "MUL",
        "%": "MUL",
    }


@cache
def _parser() -> Lark:
    return build_parser("elastic-eql", GRAMMAR, EqlLexer)


#: EQL functions that are predicates: name -> canonical operator of their values.
PREDICATE_FUNCTIONS = {
    "startswith": "starts_with",
    "endswith": "ends_with",
    "stringcontains": "contains",
    "cidrmatch": "cidr_match",
    "wildcard": "wildcard",
    "match": "regex_match",
}

ESCAPES = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "'": "'", "\\": "\\"}


class EqlError(ValueError):
    """An EQL syntax error; ``line``/``column`` relative to the query (1-based)."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.line = line
        self.column = column


def parse_eql(text: str) -> Tree:
    try:
        return _parser().parse(text)
    except LexError as error:
        raise EqlError(f"EQL syntax error: {error}", error.line, error.column) from None
    except UnexpectedInput as error:
        line = getattr(error, "line", 0) or 0
        column = getattr(error, "column", 0) or 0
        if isinstance(error, UnexpectedCharacters):
            message = f"unexpected character {text[error.pos_in_stream]!r}"
        else:
            token = getattr(error, "token", None)
            message = f"unexpected {str(token)!r}" if token else "unexpected end of query"
        raise EqlError(f"EQL syntax error: {message}", max(line, 0), max(column, 0)) from None
    except LarkError as error:
        raise EqlError(f"EQL syntax error: {first_line_of(str(error))}") from None


def unescape_string(token: Token) -> str:
    """The value of an EQL string literal (triple-quoted raw strings are taken as written)."""
    text = str(token)
    if token.type == "RAW_STRING":
        return text[3:-3]
    return unescape(text[1:-1], ESCAPES, keep_unknown=True, unicode=unicode_braced)


@dataclass(slots=True)
class Operand:
    """One side of a comparison: a field, a literal, a function call or something else."""

    kind: str  # field | string | number | bool | null | call | other
    text: str = ""
    token: Token | None = None
    args: list[Tree | Token] | None = None
    insensitive: bool = False


class EqlConverter:
    """Turns an EQL parse tree into predicates, skipping (with a note) what is not a predicate."""

    def __init__(self, ctx: QueryContext, category_field: str = "event.category") -> None:
        self.ctx = ctx
        self.category_field = category_field

    # -- queries --------------------------------------------------------------------------------

    def convert(self, tree: Tree) -> Node | None:
        query = tree.children[0]
        pipes = [c for c in tree.children[1:] if isinstance(c, Tree) and c.data == "pipe"]
        for pipe in pipes:
            self.ctx.note(f"EQL pipe '| {pipe.children[0]}' ignored")
        assert isinstance(query, Tree)
        if query.data == "event_query":
            return self.event_query(query)
        subqueries = [c for c in query.children if isinstance(c, Tree) and c.data == "subquery"]
        clauses: list[Node] = []
        for index, subquery in enumerate(subqueries, start=1):
            node = self.event_query(subquery.children[0])  # type: ignore[arg-type]
            if node is None:
                continue
            for predicate in iter_predicates(node):
                predicate.group = f"{query.data}[{index}]"
            clauses.append(node)
        if any(isinstance(c, Tree) and c.data == "missing" for c in query.children):
            self.ctx.note(
                "EQL sequence missing-event clause '![...]' ignored (it requires events to be absent)"
            )
        if any(isinstance(c, Tree) and c.data == "until" for c in query.children):
            self.ctx.note(
                "EQL sequence 'until' clause ignored (it ends a sequence, it selects no events)"
            )
        if not clauses:
            return None
        return And(clauses, kind="sequence" if query.data == "sequence" else "join")

    def event_query(self, tree: Tree) -> Node | None:
        category_tree, expr = tree.children
        assert isinstance(category_tree, Tree)
        token = category_tree.children[0]
        assert isinstance(token, Token)
        children: list[Node] = []
        if token.type != "ANY":
            name = unescape_string(token) if token.type == "STRING" else str(token)
            children.append(
                self.ctx.predicate(
                    self.category_field, "eq", name, token, how="where", raw_value=name
                )
            )
        condition = self.expr(expr)
        if condition is not None:
            children.append(condition)
        return all_of(children)

    # -- conditions -----------------------------------------------------------------------------

    def expr(self, node: Tree | Token) -> Node | None:
        if isinstance(node, Token):
            return self.boolean_operand(self.operand(node), node)
        kind = node.data
        if kind == "or_":
            left, right = self.expr(node.children[0]), self.expr(node.children[2])
            if left is None or right is None:
                # one side matches anything we cannot express: keep the other as the indicator
                return left if right is None else right
            return any_of([left, right])
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
        if kind == "compare":
            return self.compare(node)
        if kind == "match":
            return self.match(node)
        if kind in ("in_", "not_in"):
            return self.in_list(node)
        if kind == "arith":
            self.skip(node, "arithmetic")
            return None
        return self.boolean_operand(self.operand(node), node)

    def compare(self, node: Tree) -> Node | None:
        left_tree, op_token, right_tree = node.children
        symbol = str(op_token)
        left, right = self.operand(left_tree), self.operand(right_tree)
        if left.kind != "field" and right.kind == "field" and left.kind != "call":
            left, right, symbol = right, left, flip_comparison(symbol)
        if left.kind == "call" and left.text == "length" and len(left.args or []) == 1:
            inner = self.operand(left.args[0])  # type: ignore[index]
            if inner.kind == "field" and right.kind == "number":
                predicate = self.comparison(inner, symbol, right)
                return None if predicate is None else _map_length(predicate)
        if left.kind != "field":
            self.skip(node, "comparison of a computed value")
            return None
        if right.kind == "field":
            if symbol not in ("==", "!="):
                self.skip(node, "an ordering of two fields")
                return None
            # like Sigma's fieldref modifier: value ``fieldref:<other field>`` (canonical here)
            reference = f"fieldref:{self.ctx.fields.canonical(right.text)}"
            predicate = self.ctx.predicate(
                left.text,
                "eq",
                reference,
                right.token,
                how=symbol,
                raw_value=right.text,
                cased=True,
            )
            return Not(predicate) if symbol == "!=" else predicate
        if right.kind in ("call", "other"):
            self.skip(node, "comparison with a computed value")
            return None
        return self.comparison(left, symbol, right)

    def comparison(self, left: Operand, symbol: str, right: Operand) -> Node | None:
        ctx = self.ctx
        if right.kind == "null":
            if symbol not in ("==", "!="):
                return None
            predicate = ctx.predicate(
                left.text, "is_null", None, right.token, how=symbol, raw_value="null"
            )
            return Not(predicate) if symbol == "!=" else predicate
        value = right.text
        if symbol in ("==", "!="):
            predicate = ctx.predicate(
                left.text,
                "eq",
                value,
                right.token,
                how=symbol,
                raw_value=value,
                cased=right.kind == "string",
            )
            return Not(predicate) if symbol == "!=" else predicate
        return ctx.predicate(
            left.text, comparison_operator(symbol), value, right.token, how=symbol, raw_value=value
        )

    def match(self, node: Tree) -> Node | None:
        left_tree, op_token, rhs = node.children
        how = str(op_token).lower()
        left = self.operand(left_tree)
        if left.kind != "field":
            self.skip(node, f"'{how}' on a computed value")
            return None
        items = _expand(rhs.children) if isinstance(rhs, Tree) and rhs.data == "items" else [rhs]
        alternatives: list[Node] = []
        for item in items:
            value = self.operand(item)
            if value.kind not in ("string", "number", "bool"):
                self.skip(item, f"'{how}' with a non-literal value")
                continue
            alternatives.append(self.pattern(left.text, how, value))
        return any_of(alternatives)

    def pattern(self, field: str, how: str, value: Operand) -> Predicate:
        ctx = self.ctx
        if how.startswith("regex"):
            return ctx.predicate(
                field,
                "regex_match",
                value.text,
                value.token,
                how=how,
                raw_value=value.text,
                cased=True,
            )
        if value.kind != "string":
            return ctx.predicate(
                field, "eq", value.text, value.token, how=how, raw_value=value.text
            )
        # ':' is case-insensitive; like is case-sensitive unless like~
        cased = how == "like"
        return ctx.wildcard(field, value.text, value.token, how=how, cased=cased, escape=None)

    def in_list(self, node: Tree) -> Node | None:
        children = node.children
        left_tree = children[0]
        how = str(children[2 if node.data == "not_in" else 1]).lower()
        items = _expand(children[-1].children)  # type: ignore[union-attr]
        left = self.operand(left_tree)
        if left.kind != "field":
            self.skip(node, f"'{how}' on a computed value")
            return None
        cased = not how.endswith("~")
        alternatives: list[Node] = []
        for item in items:
            value = self.operand(item)
            if value.kind == "null":
                alternatives.append(
                    self.ctx.predicate(
                        left.text, "is_null", None, value.token, how=how, raw_value="null"
                    )
                )
            elif value.kind in ("string", "number", "bool"):
                alternatives.append(
                    self.ctx.predicate(
                        left.text,
                        "eq",
                        value.text,
                        value.token,
                        how=how,
                        raw_value=value.text,
                        cased=cased and value.kind == "string",
                    )
                )
            else:
                self.skip(item, f"'{how}' with a non-literal value")
        result = any_of(alternatives)
        if node.data == "not_in":
            return None if result is None else Not(result)
        return result

    def boolean_operand(self, operand: Operand, node: Tree | Token) -> Node | None:
        """A value used as a condition: a predicate function, a boolean field, ``true``."""
        ctx = self.ctx
        if operand.kind == "field":
            return ctx.predicate(
                operand.text, "eq", "true", operand.token, how="==", raw_value="true"
            )
        if operand.kind == "bool":
            if operand.text == "false":
                ctx.note("EQL condition 'false' matches nothing")
            return None
        if operand.kind == "call" and operand.text in PREDICATE_FUNCTIONS:
            return self.function(operand, node)
        self.skip(
            node,
            f"'{operand.text}(...)' (not a predicate)"
            if operand.kind == "call"
            else "a non-boolean condition",
        )
        return None

    def function(self, call: Operand, node: Tree | Token) -> Node | None:
        args = call.args or []
        if len(args) < 2:
            self.skip(node, f"'{call.text}' with fewer than two arguments")
            return None
        target = self.operand(args[0])
        if target.kind != "field":
            self.skip(node, f"'{call.text}' on a computed value")
            return None
        operator = PREDICATE_FUNCTIONS[call.text]
        how = str(call.token).lstrip("?") + ("~" if call.insensitive else "")
        # ES EQL functions compare case-sensitively unless written with '~'; wildcard() never does
        cased = not call.insensitive and operator not in ("wildcard", "cidr_match")
        alternatives: list[Node] = []
        for arg in args[1:]:
            value = self.operand(arg)
            if value.kind != "string":
                self.skip(arg, f"'{call.text}' with a non-literal value")
                continue
            if operator == "wildcard":
                alternatives.append(
                    self.ctx.wildcard(
                        target.text, value.text, value.token, how=how, cased=False, escape=None
                    )
                )
            else:
                alternatives.append(
                    self.ctx.predicate(
                        target.text,
                        operator,
                        value.text,
                        value.token,
                        how=how,
                        raw_value=value.text,
                        cased=cased,
                    )
                )
        return any_of(alternatives)

    # -- operands -------------------------------------------------------------------------------

    def operand(self, node: Tree | Token) -> Operand:
        if isinstance(node, Token):
            if node.type not in ("STRING", "RAW_STRING", "NUMBER"):
                return Operand("other", str(node), node)
            kind, token = "literal", node
        else:
            kind = node.data
            token = node.children[0]  # type: ignore[assignment]
        if kind == "field":
            assert isinstance(token, Token)
            return Operand("field", field_name(str(token)), token)
        if kind == "literal":
            assert isinstance(token, Token)
            if token.type in ("STRING", "RAW_STRING"):
                return Operand("string", unescape_string(token), token)
            if token.type == "NUMBER":
                number = float(token) if "." in token else int(token)
                return Operand("number", canonical_number(number), token)
            if token.type == "NULL":
                return Operand("null", "null", token)
            return Operand("bool", str(token).lower(), token)
        if kind == "call":
            name_token = node.children[0]
            assert isinstance(name_token, Token)
            insensitive = any(isinstance(c, Token) and c.type == "TILDE" for c in node.children)
            args = _expand(
                [c for c in node.children[1:] if not (isinstance(c, Token) and c.type == "TILDE")]
            )
            return Operand(
                "call", str(name_token).lstrip("?").lower(), name_token, args, insensitive
            )
        return Operand("other", kind, _first_token(node))

    def skip(self, node: Tree | Token, what: str) -> None:
        token = node if isinstance(node, Token) else _first_token(node)
        self.ctx.note(f"EQL: skipped {what} at line {self.ctx.line(token)} (not a field predicate)")
        return None


def _expand(children: list[Tree | Token]) -> list[Tree | Token]:
    """Children with every ``LIST`` token replaced by its literal tokens."""
    if not any(isinstance(c, Token) and c.type == "LIST" for c in children):
        return children
    out: list[Tree | Token] = []
    for child in children:
        if isinstance(child, Token) and child.type == "LIST":
            out.extend(list_items(child))
        else:
            out.append(child)
    return out


def _map_length(node: Node) -> Node:
    for predicate in iter_predicates(node):
        length_predicate(predicate)
    return node


def _first_token(node: Tree | Token) -> Token | None:
    if isinstance(node, Token):
        return node
    for child in node.children:
        found = _first_token(child)
        if found is not None:
            return found
    return None


def eql_to_node(
    text: str, ctx: QueryContext, category_field: str = "event.category"
) -> Node | None:
    """The EQL query as a tree (not yet simplified); raises EqlError on bad syntax."""
    return EqlConverter(ctx, category_field).convert(parse_eql(text))
