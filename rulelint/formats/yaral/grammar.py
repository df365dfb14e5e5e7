"""The YARA-L 2.0 grammar (lark, LALR) and its parse into a small expression IR.

The grammar covers whole rule files: ``rule name { meta: events: match: outcome: condition:
options: }``. ``events:`` lines are a sequence of boolean expressions (ANDed); ``outcome:`` is a
list of ``$var = expr`` assignments; ``match:`` and ``condition:`` are parsed so a malformed rule
is refused, but only ``events:`` yields predicates. Nothing here knows fields or operators of the
canonical model: :mod:`rulelint.formats.yaral.reader` turns the IR into predicates.
"""

from __future__ import annotations

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

from rulelint.formats.errors import RuleReadError
from rulelint.formats.grammar import lalr_parser
from rulelint.formats.yaral.ir import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Count,
    Expr,
    Field,
    InList,
    Lit,
    MetaEntry,
    Nocase,
    NotOp,
    ParsedRule,
    Quantified,
    Regex,
    Var,
    unescape_string,
)

GRAMMAR = r"""
start: rule+

rule: _RULE NAME "{" section* "}"

?section: meta_section
        | events_section
        | match_section
        | outcome_section
        | condition_section
        | options_section

meta_section: _META ":" meta_entry*
meta_entry: NAME "=" literal

events_section: _EVENTS ":" expr*

match_section: _MATCH ":" VAR ("," VAR)* _OVER DURATION [(_BEFORE | _AFTER) VAR]

outcome_section: _OUTCOME ":" assignment*
assignment: VAR "=" expr

condition_section: _CONDITION ":" expr

options_section: _OPTIONS ":" option*
option: NAME "=" literal

?literal: STRING -> string
        | NUMBER -> number
        | "-" NUMBER -> negative
        | TRUE -> true
        | FALSE -> false

?expr: and_expr
     | expr _OR and_expr -> or_

?and_expr: cmp
         | and_expr _AND cmp -> and_

// "not" binds tighter than "and"/"or" and looser than a comparison: not $e.x = "a"
?cmp: sum
    | sum CMP sum [NOCASE] -> compare
    | sum _IN [LISTKIND] REFLIST [NOCASE] -> in_list
    | sum NOCASE -> nocase
    | _NOT cmp -> not_
    | "!" cmp -> not_
    | QUANT cmp -> quantified

// arithmetic only appears in outcome/condition values: one level, no precedence needed
?sum: atom
    | sum ARITH atom -> arith

?atom: FIELD -> field
     | VAR -> var
     | COUNTVAR -> count
     | STRING -> string
     | BQSTRING -> raw_string
     | NUMBER -> number
     | REGEX -> regex
     | TRUE -> true
     | FALSE -> false
     | NULL -> null
     | FUNCNAME "(" [expr ("," expr)*] ")" -> call
     | "(" expr ")"

_RULE.4: /rule\b/
_META.4: /meta\b/
_EVENTS.4: /events\b/
_MATCH.4: /match\b/
_OUTCOME.4: /outcome\b/
_CONDITION.4: /condition\b/
_OPTIONS.4: /options\b/
_OVER.4: /over\b/
_BEFORE.4: /before\b/
_AFTER.4: /after\b/
_AND.3: /and\b/i
_OR.3: /or\b/i
_NOT.3: /not\b/i
_IN.3: /in\b/i
NOCASE.3: /nocase\b/i
LISTKIND.3: /(regex|cidr)\b/i
QUANT.3: /(any|all)\b/i
TRUE.3: /true\b/i
FALSE.3: /false\b/i
NULL.3: /null\b/i

FIELD.2: /\$[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*|\[\s*(?:"[^"\n]*"|'[^'\n]*'|\d+)\s*\])+/
VAR: /\$[A-Za-z_][A-Za-z0-9_]*/
COUNTVAR: /#[A-Za-z_][A-Za-z0-9_]*/
REFLIST: /%[A-Za-z_][A-Za-z0-9_]*/
FUNCNAME.1: /[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*(?=\s*\()/
NAME: /[A-Za-z_][A-Za-z0-9_]*/
DURATION.2: /\d+[smhd]\b/
NUMBER: /\d+(?:\.\d+)?/
STRING: /"(?:\\.|[^"\\])*"/
BQSTRING: /`[^`]*`/
REGEX: /\/(?:\\.|[^\\\/\n*])(?:\\.|[^\\\/\n])*\//
CMP: "=" | "!=" | ">=" | "<=" | ">" | "<"
ARITH: "+" | "-" | "*" | "/"

LINE_COMMENT.5: /\/\/[^\n]*/
BLOCK_COMMENT.5: /\/\*(?:[^*]|\*(?!\/))*\*\//
WS: /[ \t\f\r\n]+/

%ignore WS
%ignore LINE_COMMENT
%ignore BLOCK_COMMENT
"""


@v_args(inline=True)
class _ToIR(Transformer):
    """Lark tree -> IR (rules, sections and expressions)."""

    # literals and atoms
    def string(self, token: Token) -> Lit:
        body = str(token)[1:-1]
        return Lit("string", unescape_string(body), str(token), token.line or 0, token.column or 0)

    def raw_string(self, token: Token) -> Lit:
        return Lit("raw", str(token)[1:-1], str(token), token.line or 0, token.column or 0)

    def number(self, token: Token) -> Lit:
        return Lit("number", str(token), str(token), token.line or 0, token.column or 0)

    def negative(self, token: Token) -> Lit:
        return Lit("number", "-" + str(token), "-" + str(token), token.line or 0, token.column or 0)

    def true(self, token: Token) -> Lit:
        return Lit("bool", "true", str(token), token.line or 0, token.column or 0)

    def false(self, token: Token) -> Lit:
        return Lit("bool", "false", str(token), token.line or 0, token.column or 0)

    def null(self, token: Token) -> Lit:
        return Lit("null", "", str(token), token.line or 0, token.column or 0)

    def regex(self, token: Token) -> Regex:
        return Regex(str(token)[1:-1], str(token), token.line or 0, token.column or 0)

    def field(self, token: Token) -> Field:
        text = str(token)
        dot = text.find(".")
        bracket = text.find("[")
        cut = min(x for x in (dot, bracket) if x >= 0)
        path = text[cut + 1 :] if text[cut] == "." else text[cut:]
        return Field(text[:cut], path, token.line or 0, token.column or 0)

    def var(self, token: Token) -> Var:
        return Var(str(token), token.line or 0, token.column or 0)

    def count(self, token: Token) -> Count:
        return Count(str(token), token.line or 0, token.column or 0)

    def call(self, name: Token, *args: Expr | None) -> Call:
        return Call(str(name), [a for a in args if a is not None], name.line or 0, name.column or 0)

    # expressions
    def or_(self, left: Expr, right: Expr) -> BoolOp:
        return _join("or", left, right)

    def and_(self, left: Expr, right: Expr) -> BoolOp:
        return _join("and", left, right)

    def not_(self, child: Expr) -> NotOp:
        return NotOp(child)

    def compare(self, left: Expr, op: Token, right: Expr, nocase: Token | None) -> Compare:
        return Compare(str(op), left, right, nocase is not None, op.line or 0)

    def in_list(self, left: Expr, kind: Token | None, name: Token, nocase: Token | None) -> InList:
        return InList(
            left,
            str(kind).lower() if kind is not None else "",
            str(name)[1:],
            nocase is not None,
            name.line or 0,
            name.column or 0,
        )

    def nocase(self, child: Expr, _token: Token) -> Nocase:
        return Nocase(child)

    def quantified(self, quantifier: Token, child: Expr) -> Quantified:
        return Quantified(str(quantifier).lower(), child)

    def arith(self, left: Expr, op: Token, right: Expr) -> Arith:
        return Arith(str(op), left, right)

    # sections
    def meta_entry(self, key: Token, value: Lit) -> MetaEntry:
        return MetaEntry(str(key), value.value, key.line or 0)

    def option(self, key: Token, value: Lit) -> MetaEntry:
        return MetaEntry(str(key), value.value, key.line or 0)

    def assignment(self, var: Token, value: Expr) -> tuple[str, Expr, int]:
        return (str(var), value, var.line or 0)

    def meta_section(self, *entries: MetaEntry) -> tuple[str, object]:
        return ("meta", list(entries))

    def events_section(self, *lines: Expr) -> tuple[str, object]:
        return ("events", list(lines))

    def match_section(self, *items: Token | None) -> tuple[str, object]:
        tokens = [t for t in items if t is not None]
        variables = [str(t) for t in tokens if t.type == "VAR"]
        window = next((str(t) for t in tokens if t.type == "DURATION"), "")
        return ("match", (variables, window))

    def outcome_section(self, *assignments: tuple[str, Expr, int]) -> tuple[str, object]:
        return ("outcome", list(assignments))

    def condition_section(self, expr: Expr) -> tuple[str, object]:
        return ("condition", expr)

    def options_section(self, *entries: MetaEntry) -> tuple[str, object]:
        return ("options", list(entries))

    def rule(self, name: Token, *sections: tuple[str, object]) -> ParsedRule:
        parsed = ParsedRule(str(name), name.line or 0)
        for kind, content in sections:
            if kind in parsed.sections:
                raise RuleReadError(f"rule {parsed.name!r} has two '{kind}:' sections", parsed.line)
            parsed.sections.append(kind)
            if kind == "meta":
                parsed.meta = content  # type: ignore[assignment]
            elif kind == "events":
                parsed.events = content  # type: ignore[assignment]
            elif kind == "match":
                parsed.match_vars, parsed.match_window = content  # type: ignore[misc]
            elif kind == "outcome":
                parsed.outcome = content  # type: ignore[assignment]
            elif kind == "condition":
                parsed.condition = content  # type: ignore[assignment]
            elif kind == "options":
                parsed.options = content  # type: ignore[assignment]
        return parsed

    def start(self, *rules: ParsedRule) -> list[ParsedRule]:
        return list(rules)


def _join(op: str, left: Expr, right: Expr) -> BoolOp:
    """Left-deep ``a or b or c`` as one flat BoolOp (keeps trees shallow for long rules)."""
    if isinstance(left, BoolOp) and left.op == op:
        left.children.append(right)
        return left
    return BoolOp(op, [left, right])


_TO_IR = _ToIR()


def _parser() -> Lark:
    """The transformer runs inside the LALR parser: no parse tree is built (about twice as fast).
    Built on first use (and its table cached), so runs without YARA-L files never pay for it."""
    return lalr_parser(
        "yaral", GRAMMAR, lexer="contextual", maybe_placeholders=True, transformer=_TO_IR
    )


#: Friendlier names of the terminals lark reports in "expected ..." messages.
_TERMINAL_NAMES = {
    "FIELD": "a field ($e.path)",
    "VAR": "a $variable",
    "STRING": "a string",
    "NUMBER": "a number",
    "REGEX": "a /regex/",
    "CMP": "a comparison (= != < > ...)",
    "RBRACE": "'}'",
    "LBRACE": "'{'",
    "RPAR": "')'",
    "LPAR": "'('",
    "COLON": "':'",
    "NAME": "a name",
    "_RULE": "'rule'",
}


def parse_rules(text: str) -> list[ParsedRule]:
    """Parse a ``.yaral`` file into its rules; syntax errors become RuleReadError with a line."""
    try:
        return _parser().parse(text)  # type: ignore[return-value]
    except UnexpectedCharacters as error:
        snippet = (
            text.splitlines()[error.line - 1].strip()
            if 0 < error.line <= len(text.splitlines())
            else ""
        )
        raise RuleReadError(
            f"YARA-L syntax error at column {error.column}: unexpected {text[error.pos_in_stream]!r} in {snippet[:80]!r}",
            error.line,
        ) from None
    except UnexpectedToken as error:
        expected = sorted(
            {_TERMINAL_NAMES.get(name, name.strip("_").lower()) for name in error.expected}
        )
        found = "end of file" if error.token.type == "$END" else repr(str(error.token))
        raise RuleReadError(
            f"YARA-L syntax error: unexpected {found}; expected {', '.join(expected[:8])}",
            error.line if error.line and error.line > 0 else 0,
        ) from None
    except UnexpectedEOF:
        raise RuleReadError(
            "YARA-L syntax error: unexpected end of file", len(text.splitlines())
        ) from None
    except UnexpectedInput as error:  # pragma: no cover - other lark input errors
        raise RuleReadError(
            f"YARA-L syntax error: {error}", getattr(error, "line", 0) or 0
        ) from None
    except RuleReadError:
        raise
    except Exception as error:
        # lark wraps errors raised inside the transformer
        inner = getattr(error, "orig_exc", None)
        if isinstance(inner, RuleReadError):
            raise inner from None
        raise
