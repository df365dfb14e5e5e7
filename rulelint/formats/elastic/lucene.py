"""Lucene query syntax (``language = "lucene"``, Elasticsearch ``query_string``) with ``luqum``.

``field:value`` terms, ``AND``/``OR``/``NOT``/``-``/``+``, groups, phrases, ``/regex/``, ranges
(``[a TO b]``, ``>=5``), ``_exists_:field``, ``*``/``?`` wildcards and backslash escapes. Terms
joined without an operator are alternatives (query_string's default operator is OR). Term queries
on keyword fields are case-sensitive, so values keep their case.
"""

from __future__ import annotations

from luqum import tree as lq
from luqum.parser import parser as _luqum_parser

from rulelint.formats.elastic.common import QueryContext
from rulelint.model import Node, Not, all_of, any_of
from rulelint.vocab.values import MULTI, SINGLE, Part, operator_for_parts

#: Nodes a converter goes through: they change scoring, not matching.
_PASS_THROUGH = (lq.Plus, lq.Boost, lq.Fuzzy, lq.Proximity)


class LuceneError(ValueError):
    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line


def parse_lucene(text: str) -> lq.Item:
    try:
        return _luqum_parser.parse(text)
    except Exception as error:  # luqum raises ParseError, and plain exceptions for some input
        detail = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise LuceneError(f"Lucene syntax error: {detail}") from None


def word_parts(text: str) -> list[Part]:
    """A Lucene term as literal text and wildcards, backslash escapes resolved."""
    parts: list[Part] = []
    buffer: list[str] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            buffer.append(text[index + 1])
            index += 2
            continue
        if char in "*?":
            if buffer:
                parts.append("".join(buffer))
                buffer = []
            marker = MULTI if char == "*" else SINGLE
            if not (marker is MULTI and parts and parts[-1] is MULTI):
                parts.append(marker)
        else:
            buffer.append(char)
        index += 1
    if buffer:
        parts.append("".join(buffer))
    return parts


class LuceneConverter:
    def __init__(self, text: str, ctx: QueryContext) -> None:
        self.text = text
        self.ctx = ctx

    def line(self, item: lq.Item) -> int:
        position = getattr(item, "pos", None) or 0
        return self.ctx.first_line + self.text.count("\n", 0, position)

    def convert(self, item: lq.Item, field: str | None = None) -> Node | None:
        if isinstance(item, lq.SearchField):
            if item.name == "_exists_" and isinstance(item.expr, lq.Word):
                return self.ctx.make(
                    item.expr.value, "is_not_null", None, line=self.line(item.expr), how="_exists_"
                )
            return self.convert(item.expr, item.name)
        if isinstance(item, (lq.Group, lq.FieldGroup)):
            return self.convert(item.expr, field)
        if isinstance(item, _PASS_THROUGH):
            return self.convert(item.children[0], field)
        if isinstance(item, (lq.Not, lq.Prohibit)):
            child = self.convert(item.children[0], field)
            return None if child is None else Not(child)
        if isinstance(item, lq.AndOperation):
            return all_of(
                [n for n in (self.convert(c, field) for c in item.children) if n is not None]
            )
        if isinstance(item, (lq.OrOperation, lq.UnknownOperation)):
            children = list(item.children)
            if isinstance(item, lq.UnknownOperation):
                words = [
                    c
                    for c in children
                    if isinstance(c, lq.Word) and c.value.lower() in ("or", "and")
                ]
                if words:
                    self.ctx.note(
                        "Lucene: lower-case 'or'/'and' read as operators (query_string reads them as terms)"
                    )
                    children = [c for c in children if c not in words]
            return any_of([n for n in (self.convert(c, field) for c in children) if n is not None])
        if isinstance(item, lq.Word):
            return self.word(item, field)
        if isinstance(item, lq.Phrase):
            value = item.value[1:-1].replace('\\"', '"')
            how = ":" if field else "keyword"
            # term queries on keyword fields are case-sensitive; field-less text search is not
            return self.ctx.make(
                field,
                "eq",
                value,
                line=self.line(item),
                how=how,
                raw_value=item.value,
                cased=field is not None,
            )
        if isinstance(item, lq.Regex):
            value = item.value[1:-1]
            return self.ctx.make(
                field,
                "regex_match",
                value,
                line=self.line(item),
                how=":",
                raw_value=item.value,
                cased=True,
            )
        if isinstance(item, lq.Range):
            bounds: list[Node] = []
            if item.low.value != "*":
                operator = "ge" if item.include_low else "gt"
                bounds.append(
                    self.ctx.make(
                        field,
                        operator,
                        item.low.value,
                        line=self.line(item),
                        how="[",
                        raw_value=item.low.value,
                    )
                )
            if item.high.value != "*":
                operator = "le" if item.include_high else "lt"
                bounds.append(
                    self.ctx.make(
                        field,
                        operator,
                        item.high.value,
                        line=self.line(item),
                        how="]",
                        raw_value=item.high.value,
                    )
                )
            return all_of(bounds)
        if isinstance(item, (lq.From, lq.To)):
            value = item.a.value
            if isinstance(item, lq.From):
                operator, how = ("ge", ">=") if item.include else ("gt", ">")
            else:
                operator, how = ("le", "<=") if item.include else ("lt", "<")
            return self.ctx.make(
                field, operator, value, line=self.line(item), how=how, raw_value=value
            )
        self.ctx.note(f"Lucene: skipped {type(item).__name__} at line {self.line(item)}")
        return None

    def word(self, item: lq.Word, field: str | None) -> Node | None:
        parts = word_parts(item.value)
        if field is None and parts == [MULTI]:
            return None
        operator, value = operator_for_parts(parts)
        return self.ctx.make(
            field,
            operator,
            value,
            line=self.line(item),
            how=":" if field else "keyword",
            raw_value=item.value,
            cased=field is not None,
        )


def lucene_to_node(text: str, ctx: QueryContext) -> Node | None:
    """The Lucene query as a tree (not yet simplified); raises LuceneError on bad syntax."""
    return LuceneConverter(text, ctx).convert(parse_lucene(text))
