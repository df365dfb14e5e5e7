"""Exclusion snippets in each Elastic query language, checked by reading them back."""

from __future__ import annotations

import pytest

from rulelint.formats.base import ExclusionFix
from rulelint.formats.elastic.common import QueryContext
from rulelint.formats.elastic.eql import eql_to_node
from rulelint.formats.elastic.esql import esql_to_query
from rulelint.formats.elastic.kuery import kuery_to_node
from rulelint.formats.elastic.lucene import lucene_to_node
from rulelint.formats.elastic.reader import ElasticReader
from rulelint.formats.elastic.snippets import exclusion_snippet
from rulelint.model import Node, Rule, exclusions, indicators, simplify

PATH = ExclusionFix(
    "process.parent.executable",
    "process.parent.executable",
    "eq",
    "c:\\program files\\agent\\agent.exe",
    "C:\\Program Files\\Agent\\agent.exe",
)
ARGS = ExclusionFix(
    "process.command_line", "process.command_line", "contains", "--headless", "--headless"
)
NULL = ExclusionFix("user.name", "user.name", "is_null", None, None)
NAME = ExclusionFix("process.name", "process.name", "ends_with", "(x86).exe", "(x86).EXE")

EXPECTED = {
    "kuery": [
        'and not process.parent.executable : "C:\\\\Program Files\\\\Agent\\\\agent.exe"',
        "and not process.command_line : *--headless*",
        "and user.name : *",
        "and not process.name : *\\(x86\\).EXE",
    ],
    "eql": [
        'and not process.parent.executable : "C:\\\\Program Files\\\\Agent\\\\agent.exe"',
        'and not process.command_line : "*--headless*"',
        "and user.name != null",
        'and not process.name : "*(x86).EXE"',
    ],
    "esql": [
        '| WHERE NOT (TO_LOWER(process.parent.executable) == """c:\\program files\\agent\\agent.exe""")',
        '| WHERE NOT (TO_LOWER(process.command_line) LIKE "*--headless*")',
        "| WHERE user.name IS NOT NULL",
        '| WHERE NOT (TO_LOWER(process.name) LIKE "*(x86).exe")',
    ],
    "lucene": [
        "AND NOT process.parent.executable:C\\:\\\\Program\\ Files\\\\Agent\\\\agent.exe",
        "AND NOT process.command_line:*\\-\\-headless*",
        "AND _exists_:user.name",
        "AND NOT process.name:*\\(x86\\).EXE",
    ],
}

BASE = {
    "kuery": "process.name : cmd.exe\n",
    "eql": 'process where process.name : "cmd.exe"\n',
    "esql": 'FROM logs-*\n| WHERE process.name == "cmd.exe"\n',
    "lucene": "process.name:cmd.exe\n",
}


def parse(language: str, query: str) -> Node | None:
    ctx = QueryContext()
    if language == "kuery":
        return simplify(kuery_to_node(query, ctx))
    if language == "eql":
        return simplify(eql_to_node(query, ctx))
    if language == "esql":
        return simplify(esql_to_query(query, ctx).expression)
    return simplify(lucene_to_node(query, ctx))


def folded(keys: list[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    return [(field, operator, value.casefold()) for field, operator, value in keys]


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_snippet_text(language: str) -> None:
    snippet = exclusion_snippet(language, [PATH, ARGS, NULL, NAME])
    assert snippet is not None
    assert snippet.splitlines() == EXPECTED[language]


@pytest.mark.parametrize("language", sorted(EXPECTED))
def test_snippets_read_back_as_the_exclusions_they_write(language: str) -> None:
    snippet = exclusion_snippet(language, [PATH, ARGS, NAME])
    assert snippet is not None
    node = parse(language, BASE[language] + snippet)
    assert folded([p.key for p in exclusions(node)]) == [
        ("process.parent.executable", "eq", "?:\\program files\\agent\\agent.exe"),
        ("process.command_line", "contains", "--headless"),
        ("process.name", "ends_with", "(x86).exe"),
    ]


@pytest.mark.parametrize("language", ["eql", "esql"])
def test_null_exclusion_reads_back_as_an_exclusion(language: str) -> None:
    node = parse(language, BASE[language] + exclusion_snippet(language, [NULL]))  # type: ignore[operator]
    assert [p.key for p in exclusions(node)] == [("user.name", "is_null", "")]


@pytest.mark.parametrize("language", ["kuery", "lucene"])
def test_null_exclusion_reads_back_as_a_required_field(language: str) -> None:
    node = parse(language, BASE[language] + exclusion_snippet(language, [NULL]))  # type: ignore[operator]
    assert ("user.name", "is_not_null", "") in [p.key for p in indicators(node)]


def test_what_a_language_cannot_express_is_left_out() -> None:
    regex = ExclusionFix(
        "process.command_line", "process.command_line", "regex_match", "a.*b", "a.*b"
    )
    single = ExclusionFix("file.name", "file.name", "wildcard", "report?.doc", "report?.doc")
    assert exclusion_snippet("kuery", [regex, single]) is None
    assert (
        exclusion_snippet("kuery", [regex, ARGS]) == "and not process.command_line : *--headless*"
    )
    assert exclusion_snippet("eql", [regex, single]) == (
        'and not process.command_line regex "a.*b"\nand not file.name : "report?.doc"'
    )
    assert exclusion_snippet("", [ARGS]) is None  # a machine-learning rule has no query


def test_reader_uses_the_rule_language() -> None:
    rule = Rule(id="x", vendor="elastic", path="x.toml", title="x", expression=None, language="eql")
    assert (
        ElasticReader().exclusion_snippet(rule, [ARGS])
        == 'and not process.command_line : "*--headless*"'
    )
