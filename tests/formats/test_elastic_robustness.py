"""Hostile or broken input: the Elastic reader answers with RuleReadError, never another exception."""

from __future__ import annotations

import contextlib
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rulelint.formats.elastic.reader import ElasticReader
from rulelint.formats.errors import RuleReadError

READER = ElasticReader()

TEMPLATE = """[metadata]
maturity = "production"

[rule]
name = "fuzz"
rule_id = "fuzz-1"
type = "query"
language = "{language}"
query = '''
{query}
'''
"""

#: characters the four query languages treat specially, so random text hits their corners
ALPHABET = st.sampled_from(
    [*"abcxyz019 .*?:()[]{}<>=!~\"'\\|,/-+%`\n", "and ", "or ", "not ", " where ", " in ", "like "]
)


def read_or_error(language: str, query: str) -> None:
    text = TEMPLATE.format(language=language, query=query.replace("'''", ""))
    with contextlib.suppress(RuleReadError):
        READER.read("fuzz.toml", text)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(ALPHABET, max_size=40).map("".join),
    st.sampled_from(["kuery", "eql", "esql", "lucene"]),
)
def test_random_queries_only_raise_rule_read_errors(query: str, language: str) -> None:
    read_or_error(language, query)


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=200))
def test_random_toml_only_raises_rule_read_errors(text: str) -> None:
    with contextlib.suppress(RuleReadError):
        READER.read("fuzz.toml", text)


@pytest.mark.parametrize(
    ("language", "query"),
    [
        ("kuery", "(" * 3000 + "a:b" + ")" * 3000),
        ("eql", "any where " + "(" * 3000 + "a == 1" + ")" * 3000),
        ("esql", "from x\n| where " + "(" * 3000 + "a == 1" + ")" * 3000),
        ("eql", "any where " + "not " * 3000 + "a == 1"),
    ],
    ids=["kuery-parens", "eql-parens", "esql-parens", "eql-nots"],
)
def test_deep_nesting_is_a_read_error_or_a_rule(language: str, query: str) -> None:
    read_or_error(language, query)


@pytest.mark.parametrize(
    ("language", "query"),
    [
        ("eql", 'process where a : ("' + 'x", "' * 20000 + 'y"' + " and b"),
        ("eql", "process where a : (/* " + "x" * 50000 + ")"),
        ("esql", 'from x\n| where a like """' + '"' * 20000),
        ("kuery", "a : " + "\\" * 50000),
    ],
    ids=["eql-unclosed-list", "eql-unclosed-comment", "esql-quotes", "kuery-backslashes"],
)
def test_pathological_tokens_fail_fast(language: str, query: str) -> None:
    started = time.perf_counter()
    read_or_error(language, query)
    assert time.perf_counter() - started < 5
