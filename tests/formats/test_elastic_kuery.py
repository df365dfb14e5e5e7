"""KQL (Kibana Query Language) grammar forms, on hand-written queries."""

from __future__ import annotations

import pytest

from rulelint.formats.elastic.kuery import (
    KueryError,
    kuery_to_node,
    parse_kuery,
    unquote,
    unquoted_parts,
)
from rulelint.model import exclusions, indicators, simplify
from rulelint.vocab.values import MULTI

from .elastic_helpers import context, flat, shape


def read(query: str, first_line: int = 1):
    ctx = context(first_line)
    return simplify(kuery_to_node(query, ctx)), ctx


def test_field_value_unquoted_keeps_case_and_position() -> None:
    node, _ = read("process.name : CMD.EXE", first_line=20)
    assert flat(node) == [("process.name", "process.name", "eq", "CMD.EXE", 20)]
    assert node.how == ":" and node.cased is True and node.column == 16  # type: ignore[union-attr]


def test_quoted_value_is_an_exact_phrase_with_escapes() -> None:
    node, _ = read(r'process.command_line : "\"cmd.exe\" /c C:\\temp\\*.bat"')
    assert flat(node) == [
        ("process.command_line", "process.command_line", "eq", '"cmd.exe" /c C:\\temp\\*.bat', 1)
    ]
    assert (
        unquote(r'"C:\Windows\System32"') == "C:\\Windows\\System32"
    )  # unknown escapes stay literal
    assert unquote(r'"a\tb\u0041"') == "a\tbA"


@pytest.mark.parametrize(
    ("value", "operator", "expected"),
    [
        ("*\\\\mimikatz*", "contains", "\\mimikatz"),
        ("powershell*", "starts_with", "powershell"),
        ("*.ps1", "ends_with", ".ps1"),
        ("C\\:\\\\Users\\\\*\\\\AppData\\\\*", "wildcard", "?:\\\\Users\\\\*\\\\AppData\\\\*"),
        ("*", "is_not_null", None),
        ("a\\*b", "eq", "a*b"),
    ],
)
def test_unquoted_wildcards_become_operators(
    value: str, operator: str, expected: str | None
) -> None:
    node, _ = read(f"file.path : {value}")
    assert (node.operator, node.value) == (operator, expected)  # type: ignore[union-attr]


def test_path_field_ending_in_a_name_is_the_name_indicator() -> None:
    node, _ = read("process.executable : *\\\\net.exe")
    assert node.key == ("process.name", "eq", "net.exe")  # type: ignore[union-attr]


def test_value_list_is_an_or_of_single_values_each_on_its_line() -> None:
    node, _ = read(
        'process.name : (\n  "cmd.exe" or\n  powershell.exe or\n  pwsh*\n)', first_line=5
    )
    assert shape(node) == (
        "or",
        "process.name eq cmd.exe",
        "process.name eq powershell.exe",
        "process.name starts_with pwsh",
    )
    assert [p.line for p in indicators(node)] == [6, 7, 8]


def test_value_list_with_and_not_is_an_exclusion() -> None:
    node, _ = read('process.command_line : (* and not "cmd.exe /c ver")')
    assert shape(node) == (
        "and",
        "process.command_line is_not_null None",
        ("not", "process.command_line eq cmd.exe /c ver"),
    )
    assert [p.value for p in exclusions(node)] == ["cmd.exe /c ver"]


def test_top_level_and_not_clauses_are_exclusions() -> None:
    query = "event.category:process and process.name:rundll32.exe and\nnot process.args:(shell32.dll or zipfldr.dll) and not user.id:S-1-5-18"
    node, _ = read(query, first_line=3)
    assert [p.value for p in indicators(node)] == ["process", "rundll32.exe"]
    assert [(p.value, p.line) for p in exclusions(node)] == [
        ("shell32.dll", 4),
        ("zipfldr.dll", 4),
        ("S-1-5-18", 4),
    ]


def test_keywords_are_case_insensitive_and_need_whitespace() -> None:
    node, _ = read("a:1 OR b:2 AND NOT c:3")
    assert shape(node) == ("or", "a eq 1", ("and", "b eq 2", ("not", "c eq 3")))
    node, _ = read("process.name:notepad.exe or process.name:orca.exe")  # 'not'/'or' inside words
    assert shape(node) == ("or", "process.name eq notepad.exe", "process.name eq orca.exe")


def test_unquoted_values_may_contain_spaces_and_escaped_specials() -> None:
    node, _ = read(r"user.name : John Smith and url.path : \/api\(v1\)\:x and x : \or")
    assert [p.value for p in indicators(node)] == ["John Smith", "/api(v1):x", "or"]
    assert unquoted_parts(r"a\*b*") == ["a*b", MULTI]


def test_ranges() -> None:
    node, _ = read(
        "destination.port >= 5800 and destination.port<5810 and network.bytes > 1000 and x <= 2"
    )
    assert shape(node) == (
        "and",
        "destination.port ge 5800",
        "destination.port lt 5810",
        "network.bytes gt 1000",
        "x le 2",
    )


def test_nested_field_query_prefixes_inner_fields() -> None:
    query = 'gcp.audit.binding_deltas:{ action: "ADD" and role: ("roles/owner" or "roles/editor") }'
    node, _ = read(query)
    assert shape(node) == (
        "and",
        "gcp.audit.binding_deltas.action eq ADD",
        (
            "or",
            "gcp.audit.binding_deltas.role eq roles/owner",
            "gcp.audit.binding_deltas.role eq roles/editor",
        ),
    )


def test_field_less_terms_are_keyword_matches() -> None:
    node, _ = read('"Invoke-Mimikatz" or sekurlsa*')
    assert flat(node) == [
        (None, "keyword", "match", "invoke-mimikatz", 1),
        (None, "keyword", "match", "sekurlsa", 1),
    ]
    node, _ = read("*")  # matches everything: no predicate
    assert node is None


def test_quoted_and_case_of_ecs_fields_maps_windows_event_data_like_sigma() -> None:
    node, _ = read(
        'winlog.event_data.TargetImage : "*\\\\lsass.exe" and winlog.event_data.SubjectUserName : x'
    )
    assert [p.canonical_field for p in indicators(node)] == [
        "target.process.executable",
        "winlog.event_data.SubjectUserName",
    ]


@pytest.mark.parametrize(
    ("query", "line"),
    [
        ("process.name : (a or b", 1),
        ("process.name :\n  and x", 2),
        ('process.name : "unterminated', 1),
        ("a : b c : d", 1),
    ],
)
def test_syntax_errors_have_a_line(query: str, line: int) -> None:
    with pytest.raises(KueryError) as error:
        parse_kuery(query)
    assert error.value.line == line
    assert "KQL syntax error" in str(error.value)


def test_whitespace_escapes_in_a_quoted_path_are_read_as_kibana_does_and_noted() -> None:
    node, ctx = read('file.directory : "C:\\Agent\\tmp"', first_line=9)
    assert node.value == "?:\\Agent\tmp"  # any drive  # type: ignore[union-attr]
    assert ctx.notes == [
        "KQL: the quoted value at line 9 has \\t, \\r or \\n, which Kibana reads as a tab"
        " or a line break (a backslash is written \\\\)"
    ]
    _, ctx = read('file.directory : "C:\\\\Agent\\\\tmp"')
    assert ctx.notes == []
