"""EQL grammar forms, on hand-written queries."""

from __future__ import annotations

import pytest

from rulelint.formats.elastic.eql import EqlError, eql_to_node, parse_eql, unescape_string
from rulelint.model import And, exclusions, indicators, iter_predicates, simplify

from .elastic_helpers import context, flat, shape


def read(query: str, first_line: int = 1, category_field: str = "event.category"):
    ctx = context(first_line)
    return simplify(eql_to_node(query, ctx, category_field)), ctx


def test_event_category_is_a_predicate_and_any_is_none() -> None:
    node, _ = read('process where process.name == "net.exe"', first_line=40)
    assert flat(node) == [
        ("event.category", "event.category", "eq", "process", 40),
        ("process.name", "process.name", "eq", "net.exe", 40),
    ]
    node, _ = read('any where process.name == "net.exe"')
    assert shape(node) == "process.name eq net.exe"
    node, _ = read('info where x == "y"', category_field="event.type")
    assert shape(node) == ("and", "event.type eq info", "x eq y")


def test_colon_is_a_case_insensitive_wildcard_match() -> None:
    node, _ = read(
        r'file where file.path : ("?:\\Windows\\*.EXE", "*\\Temp\\*", "C:\\x.dll") and file.name : "A*"'
    )
    predicates = indicators(node)
    assert [(p.operator, p.value, p.cased) for p in predicates[1:]] == [
        ("wildcard", "?:\\\\windows\\\\*.exe", False),
        ("contains", "\\temp\\", False),
        ("eq", "?:\\x.dll", False),  # any drive: C:\ is ?:\
        ("starts_with", "a", False),
    ]


def test_equality_is_case_sensitive_and_not_equal_is_a_negation() -> None:
    node, _ = read(
        'process where process.name == "Cmd.exe" and user.id != "S-1-5-18" and x == 5 and y == true'
    )
    assert shape(node) == (
        "and",
        "event.category eq process",
        "process.name eq Cmd.exe",
        ("not", "user.id eq S-1-5-18"),
        "x eq 5",
        "y eq true",
    )
    assert [p.cased for p in indicators(node)] == [False, True, False, False]
    assert [p.value for p in exclusions(node)] == ["S-1-5-18"]


def test_null_comparisons() -> None:
    node, _ = read(
        "process where process.parent.name == null and ?process.pe.original_file_name != null"
    )
    assert shape(node) == (
        "and",
        "event.category eq process",
        "process.parent.name is_null None",
        ("not", "process.pe.original_file_name is_null None"),
    )


def test_in_forms() -> None:
    node, _ = read(
        'any where a in ("X", "y") and b in~ ("X") and c not in (1, 2) and not d in ("z")'
    )
    assert shape(node) == (
        "and",
        ("or", "a eq X", "a eq y"),
        "b eq x",
        ("not", ("or", "c eq 1", "c eq 2")),
        ("not", "d eq z"),
    )
    assert [p.how for p in iter_predicates(node)] == ["in", "in", "in~", "in", "in", "in"]


def test_like_and_regex_and_their_insensitive_forms() -> None:
    node, _ = read(
        'any where a like "Ab*" and b like~ ("Ab*", "*Cd") and c regex "[0-9]{3}" and d regex~ ".*X.*"'
    )
    predicates = indicators(node)
    assert [(p.operator, p.value, p.cased, p.how) for p in predicates] == [
        ("starts_with", "Ab", True, "like"),
        ("starts_with", "ab", False, "like~"),
        ("ends_with", "cd", False, "like~"),
        ("regex_match", "[0-9]{3}", True, "regex"),
        ("regex_match", ".*X.*", True, "regex~"),
    ]


def test_string_functions_are_predicates() -> None:
    query = (
        'any where startsWith(process.name, "Py") and endsWith~(file.path, "\\\\Evil.dll") and '
        'stringContains(process.command_line, "-enc", "-e ") and cidrMatch(destination.ip, "10.0.0.0/8", "::1") '
        'and wildcard(process.name, "ms*.exe")'
    )
    node, _ = read(query)
    assert shape(node) == (
        "and",
        "process.name starts_with Py",
        "file.name eq evil.dll",
        ("or", "process.command_line contains -enc", "process.command_line contains -e "),
        ("or", "destination.ip cidr_match 10.0.0.0/8", "destination.ip cidr_match ::1"),
        "process.name wildcard ms*.exe",
    )
    assert [p.how for p in iter_predicates(node)][:2] == ["startsWith", "endsWith~"]


def test_length_comparison_keeps_the_field_inside_length() -> None:
    node, _ = read("process where length(process.command_line) >= 200 and 5 < process.args_count")
    predicates = indicators(node)
    assert [(p.field, p.canonical_field, p.operator, p.value) for p in predicates[1:]] == [
        ("length(process.command_line)", "length(process.command_line)", "ge", "200"),
        ("process.args_count", "process.args_count", "gt", "5"),
    ]


def test_unconvertible_conditions_are_skipped_with_a_note_not_an_error() -> None:
    query = 'process where substring(process.name, 0, 3) == "cmd" and process.pid + 1 > 5 and concat("a", "b") and x == y'
    node, ctx = read(query, first_line=7)
    assert shape(node) == ("and", "event.category eq process", "x eq fieldref:y")
    assert ctx.notes == [  # the two computed comparisons on line 7 share one note
        "EQL: skipped comparison of a computed value at line 7 (not a field predicate)",
        "EQL: skipped 'concat(...)' (not a predicate) at line 7 (not a field predicate)",
    ]


def test_optional_and_backtick_fields() -> None:
    node, _ = read(
        'any where ?process.parent.name : "x" and source.`as`.organization.name == "y" and `my-field` == 1'
    )
    assert [p.field for p in indicators(node)] == [
        "process.parent.name",
        "source.as.organization.name",
        "my-field",
    ]


def test_sequence_clauses_are_joined_as_a_sequence_with_their_categories() -> None:
    query = """sequence by host.id, process.entity_id with maxspan=1m
  [process where event.type == "start" and process.name : "rundll32.exe" and
     not process.args : "shell32.dll"] by process.entity_id
  [network where destination.port == 443] with runs=2
until [process where event.type == "end"]
| head 1"""
    node, ctx = read(query, first_line=100)
    assert isinstance(node, And) and node.kind == "sequence"
    assert shape(node) == (
        "sequence",
        "event.category eq process",
        "event.type eq start",
        "process.name eq rundll32.exe",
        ("not", "process.args eq shell32.dll"),
        "event.category eq network",
        "destination.port eq 443",
    )
    assert [p.group for p in iter_predicates(node)] == ["sequence[1]"] * 4 + ["sequence[2]"] * 2
    assert [p.line for p in iter_predicates(node)] == [101, 101, 101, 102, 103, 103]
    assert [p.value for p in exclusions(node)] == ["shell32.dll"]
    assert any("until" in note for note in ctx.notes) and any("head" in note for note in ctx.notes)


def test_sequence_missing_event_clause_is_noted() -> None:
    node, ctx = read('sequence by host.id [any where a == "1"] ![any where b == "2"]')
    assert shape(node) == "a eq 1"
    assert any("missing-event" in note for note in ctx.notes)


def test_sample_is_a_join() -> None:
    node, _ = read(
        'sample by host.id [process where process.name == "a"] [process where process.name == "b"]'
    )
    assert isinstance(node, And) and node.kind == "join"


def test_comments_raw_strings_and_escapes() -> None:
    query = 'process where /* block\n comment */ process.command_line : """C:\\raw\\*""" // line comment\n  and a == "q\\"x\\\\y\\n"'
    node, _ = read(query)
    assert [(p.value, p.line) for p in indicators(node)[1:]] == [("?:\\raw\\", 2), ('q"x\\y\n', 3)]


def test_unescape_string_unicode() -> None:
    assert (
        unescape_string(
            parse_eql('any where a == "\\u{41}b"').children[0].children[1].children[2].children[0]
        )
        == "Ab"
    )


def test_literal_list_lines_and_comments_inside_lists() -> None:
    query = 'process where process.name : (\n  /* shells */ "sh",\n  // interpreters\n  "python*", "perl")'
    node, _ = read(query, first_line=10)
    assert [(p.value, p.line, p.column) for p in indicators(node)[1:]] == [
        ("sh", 11, 16),
        ("python", 13, 3),
        ("perl", 13, 14),
    ]


@pytest.mark.parametrize(
    ("query", "line"),
    [
        ('process where process.name == "a" and', 1),
        ('process where\n  process.name === "a"', 2),
        ('process where a == "unterminated', 1),
        ("sequence [process where true]\n [file where x ==]", 2),
    ],
)
def test_syntax_errors_have_a_line(query: str, line: int) -> None:
    with pytest.raises(EqlError) as error:
        parse_eql(query)
    assert error.value.line == line
