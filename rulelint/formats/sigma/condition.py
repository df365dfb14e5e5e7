"""The Sigma condition language, as an LALR grammar.

pySigma 1.x parses conditions with pyparsing's ``infix_notation``: about 2 ms for each distinct
condition string, and it treats ``and``/``or``/``not`` as plain literals (``selection and
notepad_x`` reads as ``not epad_x``), which pySigma 2.x fixed by making them keywords. This grammar
accepts the same language with keyword semantics, in microseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import LarkError, VisitError

GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr (_OR and_expr)*        -> or_
?and_expr: not_expr (_AND not_expr)*      -> and_
?not_expr: _NOT not_expr                  -> not_
         | atom
?atom: NAME _OF NAME                      -> selector
     | NAME                               -> identifier
     | "(" or_expr ")"
_OR.2: /or\b/i
_AND.2: /and\b/i
_NOT.2: /not\b/i
_OF.2: /of\b/i
NAME: /[A-Za-z0-9_\-*]+/
%import common.WS
%ignore WS
"""


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


@v_args(inline=True)
class _ToTree(Transformer):
    def identifier(self, name: Token) -> Identifier:
        if "*" in name:
            raise ConditionError(f"'{name}' has a wildcard but no '1 of'/'all of' before it")
        return Identifier(str(name))

    def selector(self, quantifier: Token, pattern: Token) -> Selector:
        word = str(quantifier).lower()
        if word not in ("1", "any", "all"):
            raise ConditionError(
                f"'{quantifier} of' is not a quantifier (use '1 of', 'any of' or 'all of')"
            )
        return Selector("all" if word == "all" else "any", str(pattern))

    def or_(self, *args: object) -> object:
        return args[0] if len(args) == 1 else Operation("or", args)

    def and_(self, *args: object) -> object:
        return args[0] if len(args) == 1 else Operation("and", args)

    def not_(self, arg: object) -> Operation:
        return Operation("not", (arg,))


_PARSER = Lark(GRAMMAR, parser="lalr", maybe_placeholders=False)


@lru_cache(maxsize=4096)
def parse_condition(text: str) -> object:
    """The condition as Identifier/Selector/Operation; raises ConditionError on bad syntax."""
    try:
        return _ToTree().transform(_PARSER.parse(text))
    except VisitError as error:
        if isinstance(error.orig_exc, ConditionError):
            raise error.orig_exc from None
        raise ConditionError(str(error.orig_exc)) from None
    except LarkError as error:
        detail = str(error).strip().splitlines()[0]
        raise ConditionError(detail) from None
