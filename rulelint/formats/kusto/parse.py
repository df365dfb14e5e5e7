"""Parsing KQL text into :mod:`rulelint.formats.kusto.ast` statements."""

from __future__ import annotations

from dataclasses import dataclass

from lark.exceptions import (
    LarkError,
    UnexpectedCharacters,
    UnexpectedEOF,
    UnexpectedToken,
    VisitError,
)

from rulelint.formats.grammar import lalr_parser
from rulelint.formats.kusto.ast import OPAQUE_DEFINED, Statement, ToAst
from rulelint.formats.kusto.grammar import GRAMMAR
from rulelint.formats.kusto.scan import blank_opaque

#: Queries longer than this are refused (the longest public one is about 40 KB).
MAX_QUERY_CHARS = 200_000


class KqlSyntaxError(ValueError):
    """A query the grammar does not accept; ``line``/``column`` are relative to the query text."""

    def __init__(self, message: str, line: int = 0, column: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column


_TO_AST = ToAst()


def _parser():  # type: ignore[no-untyped-def]
    return lalr_parser("kql", GRAMMAR, maybe_placeholders=True, transformer=_TO_AST)


@dataclass(slots=True)
class Parsed:
    statements: list[Statement]
    #: offset of an opaque operator -> the columns it is seen to define
    defined: dict[int, list[str]]


def parse_kql(text: str) -> Parsed:
    """The statements of a query (``let`` bindings, tabular expressions), or KqlSyntaxError."""
    if len(text) > MAX_QUERY_CHARS:
        raise KqlSyntaxError(
            f"query is {len(text):,} characters, over the {MAX_QUERY_CHARS:,} limit"
        )
    scanned = blank_opaque(text)
    # the opaque stages built during the parse take the columns the pre-scan saw them define
    # (``parse ... with Name``): later filters on those test computed values, not event columns
    context = OPAQUE_DEFINED.set((scanned.defined, scanned.fields))
    try:
        statements = _parser().parse(scanned.text)
    except UnexpectedCharacters as error:
        char = scanned.text[error.pos_in_stream] if error.pos_in_stream < len(scanned.text) else ""
        raise KqlSyntaxError(f"unexpected character {char!r}", error.line, error.column) from None
    except UnexpectedToken as error:
        token = error.token
        if token.type == "$END":
            raise KqlSyntaxError("query ends too early", error.line, error.column) from None
        shown = str(token).strip().splitlines()[0][:40] if str(token).strip() else token.type
        raise KqlSyntaxError(f"unexpected {shown!r}", error.line, error.column) from None
    except UnexpectedEOF as error:
        raise KqlSyntaxError("query ends too early", getattr(error, "line", 0), 0) from None
    except VisitError as error:
        raise KqlSyntaxError(f"cannot read query: {error.orig_exc}") from None
    except LarkError as error:
        raise KqlSyntaxError(str(error).strip().splitlines()[0]) from None
    finally:
        OPAQUE_DEFINED.reset(context)
    return Parsed(statements, scanned.defined)
