"""KQL syntax trees: what the grammar's parse tree becomes, in the reader's own small classes.

Every node that can hold a value a predicate reports keeps its (query-relative) line and column.
"""

from __future__ import annotations

import re
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Union

from lark import Token, Transformer, Tree, v_args

from rulelint.formats.escapes import unescape

# -- scalar expressions ---------------------------------------------------------------------------


@dataclass(slots=True)
class Name:
    name: str
    line: int = 0
    column: int = 0
    bracketed: bool = False


@dataclass(slots=True)
class Str:
    value: str
    raw: str
    line: int = 0
    column: int = 0


@dataclass(slots=True)
class Num:
    value: str
    raw: str
    line: int = 0
    column: int = 0


@dataclass(slots=True)
class Special:
    """A literal that is no predicate value: timespan, datetime, guid."""

    kind: str
    raw: str
    line: int = 0
    column: int = 0


@dataclass(slots=True)
class Star:
    line: int = 0
    column: int = 0


@dataclass(slots=True)
class Call:
    func: Expr
    args: list[Expr]
    line: int = 0
    column: int = 0

    @property
    def name(self) -> str:
        return self.func.name if isinstance(self.func, Name) else ""


@dataclass(slots=True)
class NamedArg:
    name: str
    value: Expr


@dataclass(slots=True)
class Member:
    obj: Expr
    name: str
    line: int = 0
    column: int = 0


@dataclass(slots=True)
class Index:
    obj: Expr
    index: Expr
    line: int = 0
    column: int = 0


@dataclass(slots=True)
class Compare:
    """``left OP right`` for comparison, string and regex operators (``op`` as written)."""

    op: str
    left: Expr
    right: Expr
    line: int = 0
    column: int = 0


@dataclass(slots=True)
class InList:
    """``left in (...)``, ``in~``, ``!in``, ``!in~``, ``has_any (...)``, ``has_all (...)``."""

    op: str
    left: Expr
    items: list[Expr]
    line: int = 0
    column: int = 0


@dataclass(slots=True)
class Between:
    op: str
    left: Expr
    low: Expr
    high: Expr
    line: int = 0
    column: int = 0


@dataclass(slots=True)
class BoolOp:
    op: str  # "and" | "or"
    items: list[Expr]


@dataclass(slots=True)
class Arith:
    op: str
    left: Expr
    right: Expr


@dataclass(slots=True)
class Unary:
    op: str
    operand: Expr


@dataclass(slots=True)
class ArrayLit:
    items: list[Expr]
    line: int = 0


@dataclass(slots=True)
class BagLit:
    items: list[tuple[str, Expr]]


@dataclass(slots=True)
class DataTable:
    columns: list[str]
    values: list[Expr]
    line: int = 0


@dataclass(slots=True)
class ExternalData:
    columns: list[str]
    #: the storage URLs it reads (string literals only): they name the list
    urls: list[str] = field(default_factory=list)
    line: int = 0


# -- tabular expressions --------------------------------------------------------------------------


@dataclass(slots=True)
class Assign:
    """``name = value``, ``(a, b) = value`` or a bare ``value`` in a column list."""

    value: Expr
    names: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Where:
    expr: Expr
    line: int = 0


@dataclass(slots=True)
class Columns:
    """extend / project / project-rename / summarize / distinct / mv-expand / serialize / print."""

    operator: str
    assigns: list[Assign]
    by: list[Assign] = field(default_factory=list)
    line: int = 0


@dataclass(slots=True)
class NameList:
    """project-away / project-keep / project-reorder."""

    operator: str
    names: list[str]


@dataclass(slots=True)
class Join:
    operator: str  # "join" | "lookup"
    kind: str
    right: Expr
    on: list[Expr]
    line: int = 0


@dataclass(slots=True)
class UnionOp:
    legs: list[Expr]
    line: int = 0


@dataclass(slots=True)
class Search:
    expr: Expr
    line: int = 0


@dataclass(slots=True)
class Passive:
    """take / top / sort / count / as / getschema / sample: no filter, no new event columns."""

    operator: str
    line: int = 0


@dataclass(slots=True)
class Opaque:
    """An operator read by name only; ``defined`` are the columns it is seen to define."""

    operator: str
    defined: list[str]
    line: int = 0
    offset: int = 0
    #: ``parse`` captures that read a field a column's text names: capture -> (column, field,
    #: XML element?)
    fields: dict[str, tuple[str, str, bool]] = field(default_factory=dict)


@dataclass(slots=True)
class MvApply:
    """``mv-apply x = Col on (where ... | extend ...)``: stages run on each row's array items."""

    items: list[Assign]
    stages: list[StageNode]
    line: int = 0


StageNode = Where | Columns | NameList | Join | UnionOp | Search | Passive | Opaque | MvApply


@dataclass(slots=True)
class Pipeline:
    source: Expr
    stages: list[StageNode]
    line: int = 0


@dataclass(slots=True)
class Range:
    line: int = 0


@dataclass(slots=True)
class Param:
    name: str
    default: Expr | None = None


@dataclass(slots=True)
class FnDef:
    params: list[Param]
    body: list[Statement]


@dataclass(slots=True)
class Let:
    name: str
    value: Expr | FnDef
    line: int = 0


@dataclass(slots=True)
class Other:
    """``set`` / ``declare`` statements: nothing to read."""

    kind: str


Expr = Union[  # noqa: UP007 - recursive alias
    Name,
    Str,
    Num,
    Special,
    Star,
    Call,
    NamedArg,
    Member,
    Index,
    Compare,
    InList,
    Between,
    BoolOp,
    Arith,
    Unary,
    ArrayLit,
    BagLit,
    DataTable,
    ExternalData,
    Pipeline,
    Columns,
    UnionOp,
    Range,
    Search,
]
Statement = Union[Let, Other, Expr]  # noqa: UP007


#: offset of an opaque operator -> the columns the pre-scan saw it define, for the parse under way
#: (and, for a ``parse``, its captures that read a named field -> that field)
OPAQUE_DEFINED: ContextVar[
    tuple[dict[int, list[str]], dict[int, dict[str, tuple[str, str, bool]]]]
] = ContextVar("kql_opaque_defined", default=({}, {}))

# -- parse tree -> nodes ----------------------------------------------------------------------------


def unquote(token: str) -> str:
    """The value of a KQL string literal of any form (regular, verbatim, obfuscated, multi-line)."""
    text = token
    if text[:1] in "hH" and len(text) > 1 and text[1] in "@\"'":
        text = text[1:]
    if text.startswith(("```", "~~~")):
        return text[3:-3]
    if text.startswith("@"):
        quote = text[1]
        return text[2:-1].replace(quote * 2, quote)
    return unescape(text[1:-1], _ESCAPES, keep_unknown=False)


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0"}
_LIST_ITEM = re.compile(
    r'''//[^\n]*|[hH]?@"(?:[^"\n]|"")*"|[hH]?@'(?:[^'\n]|'')*'|[hH]?"(?:[^"\\\n]|\\.)*"'''
    r"""|[hH]?'(?:[^'\\\n]|\\.)*'|-?\d+(?:\.\d+)?"""
)


def _pos(token: Token) -> tuple[int, int]:
    return (token.line or 0, token.column or 0)


def _name_text(token: Token) -> tuple[str, bool]:
    text = str(token)
    if token.type == "BRACKET_NAME":
        inner = text[1:-1].strip()
        return unquote(inner), True
    return text, False


@v_args(inline=True)
class ToAst(Transformer):
    """Builds :mod:`ast` nodes from the grammar's tree (bottom-up, no recursion limit issues for
    the depth rules reach)."""

    def __repr__(self) -> str:  # stable: part of the parser cache's identity
        return "ToAst()"

    # statements
    def start(self, *statements: Statement) -> list[Statement]:
        return [s for s in statements if s is not None]

    def fn_body(self, *statements: Statement) -> list[Statement]:
        return [s for s in statements if s is not None]

    def let_stmt(self, name: Name, value: Expr | FnDef) -> Let:
        return Let(name.name, value, name.line)

    def fn_def(self, *children: object) -> FnDef:
        params = [c for c in children if isinstance(c, Param)]
        body = next((c for c in children if isinstance(c, list)), [])
        return FnDef(params, body)

    def param(self, name: Name, _type: object, default: Expr | None = None) -> Param:
        return Param(name.name, default)

    def type_ref(self, *_children: object) -> None:
        return None

    def col_decl(self, name: Name, _type: Token) -> str:
        return name.name

    def set_stmt(self, *_children: object) -> Other:
        return Other("set")

    def declare_stmt(self, *_children: object) -> Other:
        return Other("declare")

    # pipelines
    def pipeline(self, source: Expr, *stages: StageNode) -> Expr:
        if not stages:
            return source
        return Pipeline(source, list(stages), getattr(source, "line", 0))

    def where_op(self, expr: Expr) -> Where:
        return Where(expr)

    def _columns(self, operator: str, lists: tuple[object, ...]) -> Columns:
        assigns: list[Assign] = []
        for item in lists:
            if isinstance(item, list):
                assigns.extend(item)
        return Columns(operator, assigns)

    def extend_op(self, assigns: list[Assign]) -> Columns:
        return Columns("extend", assigns)

    def project_op(self, assigns: list[Assign]) -> Columns:
        return Columns("project", assigns)

    def project_rename(self, assigns: list[Assign]) -> Columns:
        return Columns("project-rename", assigns)

    def project_away(self, names: list[str]) -> NameList:
        return NameList("project-away", names)

    def project_keep(self, names: list[str]) -> NameList:
        return NameList("project-keep", names)

    def project_reorder(self, *names: str) -> NameList:
        return NameList("project-reorder", list(names))

    def sort_pattern(self, name: object, _order: object = None) -> str:
        return name.name if isinstance(name, Name) else str(name)

    def pattern_list(self, *names: object) -> list[str]:
        return [n.name if isinstance(n, Name) else str(n) for n in names]

    def summarize_op(self, *children: object) -> Columns:
        lists = [c for c in children if not isinstance(c, tuple)]
        aggregates = lists[0] if len(lists) > 0 and lists[0] else []
        by = lists[1] if len(lists) > 1 and lists[1] else []
        return Columns("summarize", list(aggregates), list(by))

    def distinct_op(self, *children: object) -> Columns:
        return Columns("distinct", [a for c in children if isinstance(c, list) for a in c])

    def serialize_op(self, assigns: list[Assign] | None = None) -> Columns:
        return Columns("serialize", assigns or [])

    def mv_expand_op(self, *children: object) -> Columns:
        return Columns("mv-expand", [c for c in children if isinstance(c, Assign)])

    def mv_apply_op(self, *children: object) -> MvApply:
        items = [c for c in children if isinstance(c, Assign)]
        body = next((c for c in children if isinstance(c, list)), [])
        return MvApply(items, body)

    def mv_apply_body(self, *stages: StageNode) -> list[StageNode]:
        return list(stages)

    def mv_item(self, assign: object, _type: object = None) -> Assign:
        return assign if isinstance(assign, Assign) else Assign(assign)  # type: ignore[arg-type]

    def print_src(self, assigns: list[Assign]) -> Columns:
        return Columns("print", assigns)

    def range_src(self, *_children: object) -> Range:
        return Range()

    def take_op(self, *_children: object) -> Passive:
        return Passive("take")

    def sample_op(self, *_children: object) -> Passive:
        return Passive("sample")

    def top_op(self, *_children: object) -> Passive:
        return Passive("top")

    def sort_op(self, *_children: object) -> Passive:
        return Passive("sort")

    def sort_item(self, *_children: object) -> None:
        return None

    def count_op(self) -> Passive:
        return Passive("count")

    def as_op(self, *_children: object) -> Passive:
        return Passive("as")

    def getschema_op(self) -> Passive:
        return Passive("getschema")

    def option(self, token: Token) -> tuple[str, str]:
        name, _, value = str(token).partition("=")
        value = value.strip()
        if value[:1] in "\"'":
            value = value[1:-1]
        return (name.strip(), value)

    def _join(self, operator: str, children: tuple[object, ...]) -> Join:
        kind = ""
        right: Expr | None = None
        on: list[Expr] = []
        for child in children:
            if isinstance(child, tuple) and child and child[0] == "kind":
                kind = child[1].lower()
            elif isinstance(child, tuple):
                continue
            elif isinstance(child, list):
                on = child
            elif right is None:
                right = child  # type: ignore[assignment]
        if not kind:
            kind = "leftouter" if operator == "lookup" else "innerunique"
        return Join(
            operator, kind, right if right is not None else Name(""), on, getattr(right, "line", 0)
        )

    def join_op(self, *children: object) -> Join:
        return self._join("join", children)

    def lookup_op(self, *children: object) -> Join:
        return self._join("lookup", children)

    def join_side(self, value: Expr) -> Expr:
        return value

    def join_conds(self, *exprs: Expr) -> list[Expr]:
        return list(exprs)

    def union_op(self, *children: object) -> UnionOp:
        return UnionOp([c for c in children if not isinstance(c, tuple)])  # type: ignore[misc]

    union_src = union_op

    def union_leg(self, value: object) -> Expr:
        if isinstance(value, Token):  # a name pattern such as Device*Events
            return Name(str(value), *_pos(value))
        return value  # type: ignore[return-value]

    def find_src(self, *children: object) -> Search:
        expr = next(
            c for c in children if not isinstance(c, (tuple, list, Token)) and c is not None
        )
        return Search(expr, getattr(expr, "line", 0))  # type: ignore[arg-type]

    def search_op(self, *children: object) -> Search:
        expr = children[-1]
        return Search(expr, getattr(expr, "line", 0))  # type: ignore[arg-type]

    def opaque_op(self, token: Token) -> Opaque:
        offset = token.start_pos or 0
        defined, fields = OPAQUE_DEFINED.get()
        return Opaque(
            str(token),
            list(defined.get(offset, [])),
            token.line or 0,
            offset,
            dict(fields.get(offset, {})),
        )

    # column lists
    def assign_list(self, *assigns: object) -> list[Assign]:
        return [a if isinstance(a, Assign) else Assign(a) for a in assigns]  # type: ignore[arg-type]

    def named(self, name: Name, value: Expr) -> Assign:
        return Assign(value, [name.name])

    def tuple_named(self, *children: object) -> Assign:
        names = [c.name for c in children[:-1] if isinstance(c, Name)]
        return Assign(children[-1], names)  # type: ignore[arg-type]

    # scalar expressions
    def or_(self, left: Expr, right: Expr) -> BoolOp:
        items = left.items if isinstance(left, BoolOp) and left.op == "or" else [left]
        return BoolOp("or", [*items, right])

    def and_(self, left: Expr, right: Expr) -> BoolOp:
        items = left.items if isinstance(left, BoolOp) and left.op == "and" else [left]
        return BoolOp("and", [*items, right])

    def compare(self, left: Expr, op: Token, right: Expr) -> Compare:
        text = "matches regex" if op.type == "MATCHES_REGEX" else str(op)
        return Compare(text, left, right, *_pos(op))

    def in_list(self, left: Expr, op: Token, args: list[Expr] | None = None) -> InList:
        return InList(str(op), left, list(args or []), *_pos(op))

    def between(self, left: Expr, op: Token, low: Expr, high: Expr) -> Between:
        return Between(str(op), left, low, high, *_pos(op))

    def arith(self, left: Expr, op: Token, right: Expr) -> Arith:
        return Arith(str(op), left, right)

    def unary(self, op: Token, operand: Expr) -> Expr:
        if str(op) == "-" and isinstance(operand, Num):
            return Num("-" + operand.value, "-" + operand.raw, operand.line, operand.column)
        return Unary(str(op), operand)

    def member(self, obj: Expr, name: object) -> Member:
        return Member(obj, str(name), getattr(obj, "line", 0), getattr(obj, "column", 0))

    def member_name(self, token: Token) -> str:
        if token.type in ("STRING_DQ", "STRING_SQ"):
            return unquote(str(token))
        return _name_text(token)[0]

    def index(self, obj: Expr, index: Expr) -> Index:
        return Index(obj, index, getattr(obj, "line", 0), getattr(obj, "column", 0))

    def call(self, func: Expr, args: list[Expr] | None = None) -> Call:
        return Call(func, list(args or []), getattr(func, "line", 0), getattr(func, "column", 0))

    def args(self, *items: Expr) -> list[Expr]:
        return list(items)

    def literal_list(self, token: Token) -> list[Expr]:
        """A list of plain literals lexed as one token (long IOC lists parse in one step)."""
        text = str(token)
        items: list[Expr] = []
        line = token.line or 0
        line_start = -((token.column or 1) - 1)  # where the token's first line starts, in text
        counted = 0
        for match in _LIST_ITEM.finditer(text):
            literal = match.group()
            if literal.startswith("//"):
                continue
            start = match.start()
            newlines = text.count("\n", counted, start)
            if newlines:
                line += newlines
                line_start = text.rfind("\n", counted, start) + 1
            counted = start
            column = start - line_start + 1
            if literal[0].isdigit() or literal[0] == "-":
                items.append(self.number(Token("NUMBER", literal, line=line, column=column)))
            else:
                items.append(Str(unquote(literal), literal, line, column))
        return items

    def array(self, args: list[Expr] | None = None) -> ArrayLit:
        items = list(args or [])
        return ArrayLit(items, getattr(items[0], "line", 0) if items else 0)

    def bag(self, *items: tuple[str, Expr] | None) -> BagLit:
        return BagLit([i for i in items if i is not None])

    def bag_item(self, key: Expr, value: Expr) -> tuple[str, Expr]:
        text = key.value if isinstance(key, Str) else getattr(key, "name", "")
        return (text, value)

    def star(self, token: Token) -> Star:
        return Star(*_pos(token))

    def datatable(self, *children: object) -> DataTable:
        columns = [c for c in children if isinstance(c, str)]
        values = next((c for c in children if isinstance(c, list)), [])
        return DataTable(columns, values)

    def externaldata(self, *children: object) -> ExternalData:
        urls = [
            item.value
            for child in children
            if isinstance(child, list)
            for item in child
            if isinstance(item, Str)
        ]
        return ExternalData([c for c in children if isinstance(c, str)], urls)

    # literals and names
    def string(self, *tokens: Token) -> Str:
        value = "".join(unquote(str(t)) for t in tokens)
        raw = " ".join(str(t) for t in tokens)
        return Str(value, raw, *_pos(tokens[0]))

    def number(self, token: Token) -> Num:
        text = str(token)
        value = text
        try:
            if text.lower().startswith("0x"):
                value = str(int(text, 16))
            elif "." not in text and "e" not in text.lower():
                value = str(int(text))
            else:
                number = float(text)
                value = str(int(number)) if number.is_integer() else repr(number)
        except ValueError:
            pass
        return Num(value, text, *_pos(token))

    def timespan(self, token: Token) -> Special:
        return Special("timespan", str(token), *_pos(token))

    def datetime(self, token: Token) -> Special:
        return Special("datetime", str(token), *_pos(token))

    def guid(self, token: Token) -> Special:
        return Special("guid", str(token), *_pos(token))

    def name(self, token: Token) -> Name:
        text, bracketed = _name_text(token)
        return Name(text, *_pos(token), bracketed=bracketed)

    def __default__(self, data: str, children: list[object], meta: object) -> object:  # type: ignore[override]
        return Tree(data, children, meta)
