"""SPL, the subset detections use: the pipeline, search expressions, tstats/mstats, eval expressions.

Three LALR grammars, built on first use:

* **search expressions** (the implicit leading ``search``, ``| search``, the ``where`` clause of
  ``tstats``): terms joined by implicit AND, ``AND``/``OR``/``NOT`` (upper case), parentheses,
  ``field=value`` / ``!=`` / ``<`` ... with ``*`` wildcards, ``field IN (...)``, bare keywords,
  quoted strings with ``\\`` escapes, ``CASE()``/``TERM()``, unexpanded `` `macros` `` and
  ``[subsearches]``. As in Splunk, OR binds tighter than AND here.
* **tstats / mstats**: options, aggregations, ``from datamodel=X.Y``, ``where`` <search
  expression>, ``by`` fields.
* **eval expressions** (``| where``, ``| eval``): the usual precedence (NOT, comparison, AND, OR),
  function calls, ``like``/``IN`` operators, strings (``"..."``) and field names (``'...'``),
  numbers with a leading dot (``.25``); ``.`` concatenates (``"(?i)".name``: a name token swallows
  its own dots, so a ``.`` the lexer sees on its own is the operator).

Other commands only steer the field bookkeeping (which names still hold source-event values) and
are read with a small tokenizer in :mod:`rulelint.formats.splunk.convert`. Positions in every node
are offsets into the text handed to the parser plus the ``offset`` argument.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

from lark import Lark, Token, Tree
from lark.exceptions import LarkError, UnexpectedCharacters, UnexpectedInput

from rulelint.formats.escapes import QUOTE_AND_BACKSLASH
from rulelint.formats.escapes import unescape as unescape_backslashes
from rulelint.formats.grammar import lalr_parser
from rulelint.formats.splunk.macros import skip_string

# -- the pipeline -----------------------------------------------------------------------------------


class SplSyntaxError(ValueError):
    """Bad SPL; ``offset`` is where in the parsed text (absolute, after ``offset`` is added)."""

    def __init__(self, message: str, offset: int) -> None:
        super().__init__(message)
        self.message = message
        self.offset = offset


@dataclass(slots=True)
class Command:
    """One command of a pipeline: its name (lower case), text, and start offset."""

    name: str
    text: str
    start: int
    leading: bool = False  # the implicit search before the first pipe

    @property
    def args(self) -> str:
        """The text after the command name."""
        return self.text[len(self.name_text) :] if self.name_text else self.text

    @property
    def args_start(self) -> int:
        return self.start + (len(self.text) - len(self.args))

    @property
    def name_text(self) -> str:
        if self.leading:
            return ""
        match = re.match(r"\s*[A-Za-z_]\w*", self.text)
        return match.group(0) if match else ""


def split_pipeline(text: str) -> list[Command]:
    """Commands at top-level pipes (outside quoted strings and ``[subsearches]``)."""
    commands: list[Command] = []
    depth = 0
    start = 0
    index = 0
    length = len(text)
    opened: list[int] = []
    while index < length:
        char = text[index]
        if char == "\\" and text[index + 1 : index + 2] in ('"', "\\"):
            index += 2  # escaped outside quotes too: *\\"x\\":true* is one term
            continue
        if char == '"':
            end = skip_string(text, index)
            if end < 0:
                raise SplSyntaxError("unterminated quoted string", index)
            index = end
            continue
        if char == "`":
            end = text.find("`", index + 1)
            index = length if end < 0 else end + 1
            continue
        if char == "[":
            depth += 1
            opened.append(index)
        elif char == "]":
            if depth == 0:
                raise SplSyntaxError("']' without a matching '['", index)
            depth -= 1
            opened.pop()
        elif char == "|" and depth == 0:
            commands.append(_command(text, start, index, not commands))
            start = index + 1
        index += 1
    if depth:
        raise SplSyntaxError("'[' (a subsearch) is never closed", opened[-1])
    commands.append(_command(text, start, length, not commands))
    return [command for command in commands if command.text.strip()]


#: Commands that may open a subsearch without a leading pipe (``[ mstats ... ]``, ``[search ...]``).
GENERATING = frozenset(
    {
        "search",
        "tstats",
        "mstats",
        "inputlookup",
        "from",
        "datamodel",
        "rest",
        "makeresults",
        "summary",  # MLTK: a model's summary (``[ summary cloud_excessive_api_calls_v1]``)
    }
)


def _command(text: str, start: int, end: int, first: bool) -> Command:
    piece = text[start:end]
    stripped = piece.lstrip()
    offset = start + len(piece) - len(stripped)
    piece = stripped.rstrip()
    match = re.match(r"[A-Za-z_]\w*", piece)
    name = match.group(0).lower() if match else ""
    opens = name in GENERATING and re.match(r"[A-Za-z_]\w*\s", piece)
    if first and start == 0 and not opens:  # no leading pipe: the implicit search command
        return Command("search", piece, offset, leading=True)
    return Command(name, piece, offset)


def split_subsearch(text: str, span: tuple[int, int], offset: int) -> list[Command]:
    """The pipeline inside the ``[...]`` at ``span`` of ``text``, positioned at ``offset`` + span."""
    inner_start = span[0] + 1
    commands = split_pipeline(text[inner_start : span[1] - 1])
    for command in commands:
        command.start += offset + inner_start
    return commands


def mask_subsearches(text: str) -> tuple[str, list[tuple[int, int]]]:
    """Replace each top-level ``[...]`` by ``[___]`` of the same length (the grammar's token)."""
    spans: list[tuple[int, int]] = []
    out: list[str] = []
    depth = 0
    start = 0
    index = 0
    last = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and text[index + 1 : index + 2] in ('"', "\\"):
            index += 2
            continue
        if char == '"':
            end = skip_string(text, index)
            index = len(text) if end < 0 else end
            continue
        if char == "[":
            if depth == 0:
                start = index
            depth += 1
        elif char == "]" and depth:
            depth -= 1
            if depth == 0:
                spans.append((start, index + 1))
                out.append(text[last:start])
                out.append("[" + "_" * (index - start - 1) + "]")
                last = index + 1
        index += 1
    out.append(text[last:])
    return "".join(out), spans


# -- search expressions ----------------------------------------------------------------------------

_WORD_CHARS = r"[^\s()\"=!<>,|\[\]`]"
_END_OF_WORD = r"(?![^\s()\"\[\]=!<>,|`])"
#: ``(...)`` glued to a word is part of it (``*GetCurrent()*``, ``relative_time(now(), "-1d")``):
#: Splunk groups only at term starts.
_GLUED_PARENS = r'\((?:[^()"]|"(?:[^"\\]|\\.)*"|\([^()]*\))*\)'

SEARCH_TERMINALS = rf"""
STRING: /"(?:[^"\\]|\\.)*"/s
MACRO: /`[^`]*`/
SUBSEARCH: /\[_*\]/
CMP: /==|!=|<=|>=|=|<|>/
_AND.5: /AND{_END_OF_WORD}/
_OR.5: /OR{_END_OF_WORD}/
_NOT.5: /NOT{_END_OF_WORD}/
_IN.5: /IN(?=\s*\()/
DIRECTIVE.6: /(?:CASE|TERM)\(/
WORD: /(?:\\["\\]|{_WORD_CHARS}|!(?!=))(?:\\["\\]|{_WORD_CHARS}|!(?!=)|{_GLUED_PARENS})*/
%import common.WS
%ignore WS
"""

SEARCH_RULES = r"""
?expr: and_expr
?and_expr: or_expr
         | and_expr _AND? or_expr          -> and_
?or_expr: not_expr
        | or_expr _OR not_expr             -> or_
?not_expr: _NOT not_expr                   -> not_
         | atom
?atom: "(" expr ")"
     | operand CMP value                   -> compare
     | operand _IN "(" in_list ")"         -> in_
     | WORD                                -> keyword
     | STRING                              -> keyword
     | directive                           -> keyword
     | MACRO                               -> macro
     | SUBSEARCH                           -> subsearch
operand: WORD | STRING
value: WORD | STRING | directive | MACRO
in_list: (value | ",")*
directive: DIRECTIVE (WORD | STRING) ")"
"""

SEARCH_GRAMMAR = "?start: expr\n" + SEARCH_RULES + SEARCH_TERMINALS

STATS_GRAMMAR = (
    r"""
start: STATS_CMD stats_arg* from_clause? where_clause? by_clause?
stats_arg: OPTION                          -> option
         | AGG (_AS alias)?                -> agg
         | COUNT (_AS alias)?              -> agg
         | MACRO                           -> option
         | ","                             -> comma
alias: WORD | STRING
from_clause: _FROM FROMSPEC
where_clause: _WHERE expr
by_clause: _BY by_item*
by_item: WORD | STRING | OPTION | "," | MACRO
STATS_CMD: /[tm]stats/i
OPTION.4: /[A-Za-z_]\w*\s*=\s*(?:"[^"]*"|[^\s|,()]*)/
AGG.4: /[A-Za-z_]\w*\(\s*[^()]*\)/
COUNT.4: /count(?![\w(=.])/i
_AS.5: /as(?=\s)/i
_FROM.5: /from(?=\s)/i
_WHERE.5: /where(?=[\s(`"])/i
_BY.5: /by(?=\s)/i
FROMSPEC: /(?:datamodel|dm)\s*[=:]?\s*(?:"[^"]*"|[^\s|"]+)/i
"""
    + SEARCH_RULES
    + SEARCH_TERMINALS
)


EVAL_GRAMMAR = r"""
?start: expr
assignments: assignment ("," assignment)*
assignment: target CMPOP expr
target: NAME | FIELDQ | STRING
?expr: or_e
?or_e: xor_e
     | or_e _EOR xor_e                    -> or_
?xor_e: and_e
      | xor_e _EXOR and_e                 -> xor_
?and_e: not_e
      | and_e _EAND not_e                 -> and_
?not_e: _ENOT not_e                       -> not_
      | cmp_e
?cmp_e: sum_e
      | sum_e CMPOP sum_e                 -> compare
      | sum_e _LIKE sum_e                 -> like_op
      | sum_e _IN "(" [args] ")"          -> in_op
      | sum_e _ENOT _IN "(" [args] ")"    -> not_in_op
?sum_e: prod_e
      | sum_e ADDOP prod_e                -> arith
?prod_e: unary_e
       | prod_e MULOP unary_e             -> arith
?unary_e: ADDOP unary_e                   -> neg
        | atom_e
?atom_e: STRING                           -> string
       | NUMBER                           -> number
       | FIELDQ                           -> qfield
       | NAME                             -> field
       | NAME "(" [args] ")"              -> call
       | "(" expr ")"
args: expr ("," expr)*
STRING: /"(?:[^"\\]|\\.)*"/s
FIELDQ: /'(?:[^'\\]|\\.)*'/s
NUMBER.2: /(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?(?![\w])/
CMPOP: /==|!=|<=|>=|=|<|>/
ADDOP: /[+\-]|\.(?!\d)/
MULOP: /[*\/%]/
_EAND.5: /and(?![\w.{}])/i
_EOR.5: /or(?![\w.{}])/i
_EXOR.5: /xor(?![\w.{}])/i
_ENOT.5: /not(?![\w.{}])/i
_LIKE.5: /like(?![\w.{}])(?!\s*\()/i
_IN.5: /in(?![\w.{}])/i
NAME: /[A-Za-z_@$][\w.{}@$:]*/
%import common.WS
%ignore WS
"""


def _search_parser() -> Lark:
    """Parsers are built on first use (tables cached per user): no cost for runs without SPL."""
    return lalr_parser("spl-search", SEARCH_GRAMMAR, maybe_placeholders=False)


def _stats_parser() -> Lark:
    return lalr_parser("spl-stats", STATS_GRAMMAR, maybe_placeholders=False)


def _eval_parser() -> Lark:
    return lalr_parser(
        "spl-eval", EVAL_GRAMMAR, maybe_placeholders=False, start=("start", "assignments")
    )


# -- the syntax tree ---------------------------------------------------------------------------------


@dataclass(slots=True)
class Value:
    """A search value as written: ``raw`` (with quotes), ``text`` (unescaped), flags, offset."""

    raw: str
    text: str
    quoted: bool
    position: int
    case_sensitive: bool = False
    macro: bool = False


@dataclass(slots=True)
class Term:
    """A search term: ``compare`` (field op value), ``in``, ``keyword``, ``macro``, ``subsearch``."""

    kind: str
    position: int
    field: str | None = None
    field_position: int = 0
    operator: str = ""
    values: list[Value] = dataclasses.field(default_factory=list)


@dataclass(slots=True)
class BoolOp:
    """``and``/``or``/``not`` over search terms or eval expressions."""

    op: str
    items: list[object]
    position: int = 0


@dataclass(slots=True)
class StatsCommand:
    """A parsed ``tstats``/``mstats`` command."""

    command: str
    options: dict[str, str]
    aggregations: list[tuple[str, str, str | None]]  # (function, argument, alias)
    datamodel: str | None
    datamodel_position: int
    where: object | None
    by: list[str]


@dataclass(slots=True)
class EvalNode:
    """An eval expression node. ``kind``: string, number, field, call, compare, like, in, not_in,
    and, or, xor, not, arith, neg. ``value`` is the operator / function name / literal text."""

    kind: str
    value: str
    args: list[EvalNode] = dataclasses.field(default_factory=list)
    position: int = 0


def unescape(text: str) -> str:
    """SPL string escapes: ``\\\\`` is one backslash, ``\\"`` a quote; other backslashes stay."""
    return unescape_backslashes(text, QUOTE_AND_BACKSLASH, keep_unknown=True)


def _error(error: LarkError, text: str, offset: int, what: str) -> SplSyntaxError:
    position = getattr(error, "pos_in_stream", None)
    if position is None and isinstance(error, UnexpectedInput):
        token = getattr(error, "token", None)
        position = getattr(token, "start_pos", None)
    if position is None:
        position = len(text)
    if isinstance(error, UnexpectedCharacters):
        detail = f"unexpected {text[position : position + 1]!r}"
    else:
        token = getattr(error, "token", None)
        if token is not None and getattr(token, "type", "") == "$END":
            detail = "unexpected end"
        elif token is not None:
            detail = f"unexpected {str(token)[:40]!r}"
        else:
            detail = str(error).strip().splitlines()[0][:80]
    return SplSyntaxError(
        f"cannot parse {what}: {detail} near {text[position : position + 30]!r}", offset + position
    )


def parse_search(text: str, offset: int = 0) -> object | None:
    """A search expression as BoolOp/Term (None for an empty one)."""
    if not text.strip():
        return None
    masked, _ = mask_subsearches(text)
    try:
        tree = _search_parser().parse(masked)
    except LarkError as error:
        raise _error(error, masked, offset, "search") from None
    return _SearchBuilder(offset).build(tree)


def parse_stats(text: str, offset: int = 0) -> StatsCommand:
    masked, _ = mask_subsearches(text)
    try:
        tree = _stats_parser().parse(masked)
    except LarkError as error:
        raise _error(error, masked, offset, "tstats") from None
    builder = _SearchBuilder(offset)
    command = ""
    options: dict[str, str] = {}
    aggregations: list[tuple[str, str, str | None]] = []
    datamodel: str | None = None
    datamodel_position = 0
    where: object | None = None
    by: list[str] = []
    for child in tree.children:
        if isinstance(child, Token) and child.type == "STATS_CMD":
            command = str(child).lower()
        elif isinstance(child, Tree) and child.data == "option":
            token = child.children[0]
            name, _, value = str(token).partition("=")
            options[name.strip().lower()] = value.strip().strip('"')
        elif isinstance(child, Tree) and child.data == "agg":
            aggregations.append(_aggregation(child))
        elif isinstance(child, Tree) and child.data == "from_clause":
            spec: Token = child.children[0]  # type: ignore[assignment]
            match = re.match(r"(?:datamodel|dm)\s*[=:]?\s*\"?([^\"\s]+)", str(spec), re.IGNORECASE)
            datamodel = match.group(1) if match else None
            datamodel_position = offset + spec.start_pos
        elif isinstance(child, Tree) and child.data == "where_clause":
            where = builder.build(child.children[0])
        elif isinstance(child, Tree) and child.data == "by_clause":
            for item in child.children:
                if isinstance(item, Tree) and item.children:
                    token = item.children[0]
                    if isinstance(token, Token) and token.type in ("WORD", "STRING"):
                        by.append(_strip_quotes(str(token)))
    return StatsCommand(command, options, aggregations, datamodel, datamodel_position, where, by)


def _aggregation(tree: Tree) -> tuple[str, str, str | None]:
    token = str(tree.children[0])
    alias: str | None = None
    if len(tree.children) > 1:
        alias_tree = tree.children[1]
        alias = _strip_quotes(str(alias_tree.children[0])) if isinstance(alias_tree, Tree) else None
    function, _, rest = token.partition("(")
    argument = rest.rsplit(")", 1)[0].strip() if rest else ""
    return function.strip().lower(), _strip_quotes(argument), alias


def _strip_quotes(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return unescape(text[1:-1])
    return text


class _SearchBuilder:
    """Lark tree of a search expression -> BoolOp/Term with absolute offsets."""

    def __init__(self, offset: int) -> None:
        self.offset = offset

    def build(self, node: object) -> object:
        if isinstance(node, Token):
            return self._keyword_token(node)
        assert isinstance(node, Tree)
        data = node.data
        if data in ("and_", "or_"):
            items = [self.build(child) for child in node.children]
            return BoolOp(data[:-1], items, self._position(node))
        if data == "not_":
            return BoolOp("not", [self.build(node.children[0])], self._position(node))
        if data == "compare":
            operand, operator, value = node.children
            name, name_position = self._operand(operand)  # type: ignore[arg-type]
            return Term(
                "compare",
                name_position,
                name,
                name_position,
                str(operator),
                [self._value(value)],  # type: ignore[arg-type]
            )
        if data == "in_":
            operand, in_list = node.children
            name, name_position = self._operand(operand)  # type: ignore[arg-type]
            values = [self._value(child) for child in in_list.children if isinstance(child, Tree)]  # type: ignore[union-attr]
            return Term("in", name_position, name, name_position, "IN", values)
        if data == "keyword":
            child = node.children[0]
            value = self._value_node(child)
            return Term("keyword", value.position, values=[value])
        if data == "macro":
            token = node.children[0]
            return Term(
                "macro",
                self.offset + token.start_pos,
                values=[
                    Value(
                        str(token),
                        str(token)[1:-1],
                        False,
                        self.offset + token.start_pos,
                        macro=True,
                    )
                ],
            )  # type: ignore[union-attr]
        if data == "subsearch":
            token = node.children[0]
            return Term("subsearch", self.offset + token.start_pos)  # type: ignore[union-attr]
        if len(node.children) == 1:
            return self.build(node.children[0])
        raise SplSyntaxError(f"unexpected search node {data}", self._position(node))

    def _position(self, node: Tree) -> int:
        for token in node.scan_values(lambda v: isinstance(v, Token)):
            return self.offset + token.start_pos
        return self.offset

    def _operand(self, tree: Tree) -> tuple[str, int]:
        token: Token = tree.children[0]  # type: ignore[assignment]
        text = str(token)
        name = _strip_quotes(text) if token.type == "STRING" else text
        return name, self.offset + token.start_pos

    def _value(self, tree: Tree) -> Value:
        return self._value_node(tree.children[0])

    def _value_node(self, node: object) -> Value:
        if isinstance(node, Tree) and node.data == "directive":
            directive: Token = node.children[0]  # type: ignore[assignment]
            inner = self._value_node(node.children[1])
            inner.raw = f"{directive}{inner.raw})"
            inner.position = self.offset + directive.start_pos
            if str(directive).upper().startswith("CASE"):
                inner.case_sensitive = True
            return inner
        assert isinstance(node, Token)
        return self._keyword_token(node)

    def _keyword_token(self, token: Token) -> Value:
        text = str(token)
        position = self.offset + token.start_pos
        if token.type == "STRING":
            return Value(text, unescape(text[1:-1]), True, position)
        if token.type == "MACRO":
            return Value(text, text[1:-1], False, position, macro=True)
        return Value(text, unescape(text), False, position)


# -- eval expressions ----------------------------------------------------------------------------------


def parse_eval(text: str, offset: int = 0) -> EvalNode:
    """An eval expression (the argument of ``where``)."""
    try:
        tree = _eval_parser().parse(text, start="start")
    except LarkError as error:
        raise _error(error, text, offset, "where expression") from None
    return _eval_node(tree, offset)


def parse_assignments(text: str, offset: int = 0) -> list[tuple[str, EvalNode]]:
    """The ``name=expression`` pairs of an ``eval`` command."""
    try:
        tree = _eval_parser().parse(text, start="assignments")
    except LarkError as error:
        raise _error(error, text, offset, "eval") from None
    pairs: list[tuple[str, EvalNode]] = []
    for assignment in tree.children:
        target, _operator, expression = assignment.children  # type: ignore[union-attr]
        name = _strip_quotes(str(target.children[0]))  # type: ignore[union-attr]
        pairs.append((name, _eval_node(expression, offset)))
    return pairs


def _eval_node(node: object, offset: int) -> EvalNode:
    if isinstance(node, Token):
        return _eval_leaf(node, offset)
    assert isinstance(node, Tree)
    data = node.data
    children = node.children
    if data == "string":
        token: Token = children[0]  # type: ignore[assignment]
        return EvalNode("string", unescape(str(token)[1:-1]), position=offset + token.start_pos)
    if data == "number":
        token = children[0]  # type: ignore[assignment]
        return EvalNode("number", str(token), position=offset + token.start_pos)
    if data == "qfield":
        token = children[0]  # type: ignore[assignment]
        return EvalNode("field", str(token)[1:-1], position=offset + token.start_pos)
    if data == "field":
        token = children[0]  # type: ignore[assignment]
        return EvalNode("field", str(token), position=offset + token.start_pos)
    if data == "call":
        token = children[0]  # type: ignore[assignment]
        args = _args(children[1:], offset)
        return EvalNode("call", str(token).lower(), args, offset + token.start_pos)
    if data == "compare":
        left, operator, right = children
        return EvalNode(
            "compare",
            str(operator),
            [_eval_node(left, offset), _eval_node(right, offset)],
            offset + operator.start_pos,
        )  # type: ignore[union-attr]
    if data == "like_op":
        left, right = children
        first = _eval_node(left, offset)
        return EvalNode("like", "LIKE", [first, _eval_node(right, offset)], first.position)
    if data in ("in_op", "not_in_op"):
        first = _eval_node(children[0], offset)
        args = _args(children[1:], offset)
        return EvalNode("in" if data == "in_op" else "not_in", "IN", [first, *args], first.position)
    if data in ("and_", "or_", "xor_"):
        items = [_eval_node(child, offset) for child in children]
        return EvalNode(data[:-1], data[:-1], items, items[0].position)
    if data == "not_":
        item = _eval_node(children[0], offset)
        return EvalNode("not", "not", [item], item.position)
    if data == "arith":
        left, operator, right = children
        return EvalNode(
            "arith",
            str(operator),
            [_eval_node(left, offset), _eval_node(right, offset)],
            offset + operator.start_pos,
        )  # type: ignore[union-attr]
    if data == "neg":
        operator, operand = children
        return EvalNode(
            "neg", str(operator), [_eval_node(operand, offset)], offset + operator.start_pos
        )  # type: ignore[union-attr]
    if len(children) == 1:
        return _eval_node(children[0], offset)
    raise SplSyntaxError(f"unexpected eval node {data}", offset)


def _args(children: list[object], offset: int) -> list[EvalNode]:
    if not children:
        return []
    args = children[0]
    if isinstance(args, Tree) and args.data == "args":
        return [_eval_node(child, offset) for child in args.children]
    return [_eval_node(child, offset) for child in children]


def _eval_leaf(token: Token, offset: int) -> EvalNode:
    kind = {"STRING": "string", "NUMBER": "number", "FIELDQ": "field"}.get(token.type, "field")
    text = str(token)
    if kind == "string":
        text = unescape(text[1:-1])
    elif token.type == "FIELDQ":
        text = text[1:-1]
    return EvalNode(kind, text, position=offset + token.start_pos)
