"""Lucene (query_string) forms, read with luqum."""

from __future__ import annotations

import pytest

from rulelint.formats.elastic.lucene import LuceneError, lucene_to_node, parse_lucene, word_parts
from rulelint.model import exclusions, simplify
from rulelint.vocab.values import MULTI, SINGLE

from .elastic_helpers import context, flat, shape


def read(query: str, first_line: int = 1):
    ctx = context(first_line)
    return simplify(lucene_to_node(query, ctx)), ctx


def test_terms_phrases_regexes_and_operators() -> None:
    node, _ = read(
        'process.name:(cmd.exe OR "Power Shell.exe") AND process.args:/-e(nc)?/ AND -user.name:SYSTEM',
        first_line=4,
    )
    assert shape(node) == (
        "and",
        ("or", "process.name eq cmd.exe", "process.name eq Power Shell.exe"),
        "process.args regex_match -e(nc)?",
        ("not", "user.name eq SYSTEM"),
    )
    assert [p.value for p in exclusions(node)] == ["SYSTEM"]
    assert {p.line for p in exclusions(node)} == {4}


def test_wildcards_escapes_and_exists() -> None:
    node, _ = read("file.path:C\\:\\\\Temp\\\\* AND file.name:report?.doc AND _exists_:user.name")
    assert shape(node) == (
        "and",
        "file.path starts_with ?:\\Temp\\",
        "file.name wildcard report?.doc",
        "user.name is_not_null None",
    )
    assert word_parts("a\\*b*c?") == ["a*b", MULTI, "c", SINGLE]


def test_ranges_and_comparisons() -> None:
    node, _ = read("destination.port:[1024 TO *] AND bytes:{0 TO 100] AND count:>=5 AND x:<3")
    assert shape(node) == (
        "and",
        "destination.port ge 1024",
        "bytes gt 0",
        "bytes le 100",
        "count ge 5",
        "x lt 3",
    )


def test_implicit_operator_is_or_and_lowercase_operators_are_noted() -> None:
    node, ctx = read(
        "event.type:(start or process_started) AND +process.name:chmod^2 AND user.name:roo~1"
    )
    assert shape(node) == (
        "and",
        ("or", "event.type eq start", "event.type eq process_started"),
        "process.name eq chmod",
        "user.name eq roo",
    )
    assert len(ctx.notes) == 1


def test_field_less_terms_are_keyword_matches() -> None:
    node, _ = read('"mimikatz" OR sekurlsa')
    assert flat(node) == [
        (None, "keyword", "match", "mimikatz", 1),
        (None, "keyword", "match", "sekurlsa", 1),
    ]


@pytest.mark.parametrize("query", ["a:(b OR", "a:[1 TO", 'a:"unterminated'])
def test_syntax_errors(query: str) -> None:
    with pytest.raises(LuceneError, match="Lucene syntax error"):
        parse_lucene(query)
