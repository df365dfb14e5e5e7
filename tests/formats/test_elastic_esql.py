"""ES|QL grammar forms, on hand-written queries."""

from __future__ import annotations

import pytest

from rulelint.formats.elastic.esql import EsqlError, esql_to_query, split_pipeline
from rulelint.model import exclusions, indicators, iter_predicates, simplify

from .elastic_helpers import context, shape


def read(query: str, first_line: int = 1):
    ctx = context(first_line)
    result = esql_to_query(query, ctx)
    return simplify(result.expression), result, ctx


def test_from_indexes_and_metadata() -> None:
    _, result, _ = read(
        'FROM logs-endpoint.events.process-*, "logs-system.security*" METADATA _id, _index\n| LIMIT 10'
    )
    assert result.indexes == ["logs-endpoint.events.process-*", "logs-system.security*"]
    assert result.commands == ["from", "limit"]


def test_where_comparisons_are_case_sensitive_predicates() -> None:
    query = 'from logs-*\n| where host.os.type == "linux" and process.name != "Bash" and process.pid > 4 and 10 >= x'
    node, _, _ = read(query, first_line=30)
    assert shape(node) == (
        "and",
        "host.os.type eq linux",
        ("not", "process.name eq Bash"),
        "process.pid gt 4",
        "x le 10",
    )
    assert [(p.line, p.cased) for p in iter_predicates(node)] == [
        (31, True),
        (31, True),
        (31, False),
        (31, False),
    ]


def test_like_rlike_in_and_their_negations() -> None:
    query = r"""from logs-*
| where process.executable like "/tmp/*" and process.name like ("py*", "perl")
  and not process.command_line like "*\\\\Temp\\\\*"
  and process.args rlike ".*-e(nc)?.*"
  and user.name not in ("root", "admin") and process.name in ("nc", "ncat")
  and file.path not like "*\\*literal"
"""
    node, _, _ = read(query)
    assert shape(node) == (
        "and",
        "process.executable starts_with /tmp/",
        ("or", "process.name starts_with py", "process.name eq perl"),
        ("not", "process.command_line contains \\Temp\\"),
        "process.args regex_match .*-e(nc)?.*",
        ("not", ("or", "user.name eq root", "user.name eq admin")),
        ("or", "process.name eq nc", "process.name eq ncat"),
        ("not", "file.path ends_with *literal"),
    )
    assert [p.how for p in exclusions(node)] == ["LIKE", "IN", "IN", "LIKE"]


def test_null_tests() -> None:
    node, _, _ = read("from logs-*\n| where user.name is not null and process.parent.name IS NULL")
    assert shape(node) == (
        "and",
        ("not", "user.name is_null None"),
        "process.parent.name is_null None",
    )


def test_to_lower_makes_a_comparison_case_insensitive() -> None:
    query = 'from logs-*\n| where TO_LOWER(process.command_line) like "*invoke-mimikatz*" and to_upper(user.name) == "ADMIN"'
    node, _, _ = read(query)
    assert [(p.field, p.operator, p.value, p.cased) for p in indicators(node)] == [
        ("process.command_line", "contains", "invoke-mimikatz", False),
        ("user.name", "eq", "admin", False),
    ]


def test_functions_that_are_predicates() -> None:
    query = (
        'from logs-*\n| where starts_with(process.name, "py") and ends_with(file.path, "/.bashrc") '
        'and cidr_match(destination.ip, "10.0.0.0/8", "192.168.0.0/16") and length(process.command_line) > 500 '
        'and message : "failed password" and contains(TO_LOWER(tls.client.ja3), "abc") '
        'and mv_contains(github.reasons.code, "force_push")'
    )
    node, _, _ = read(query)
    assert shape(node) == (
        "and",
        "process.name starts_with py",
        "file.name eq .bashrc",
        ("or", "destination.ip cidr_match 10.0.0.0/8", "destination.ip cidr_match 192.168.0.0/16"),
        "length(process.command_line) gt 500",
        "message match failed password",
        "tls.client.ja3 contains abc",
        "github.reasons.code eq force_push",
    )


def test_embedded_kql_is_read_with_the_kql_grammar() -> None:
    query = 'from .alerts-security.*\n| where kibana.alert.risk_score > 21 and\n    not KQL("""kibana.alert.rule.tags : "Rule Type: Higher-Order Rule" """)'
    node, _, _ = read(query)
    assert shape(node) == (
        "and",
        "kibana.alert.risk_score gt 21",
        ("not", "kibana.alert.rule.tags eq Rule Type: Higher-Order Rule"),
    )
    assert [p.line for p in exclusions(node)] == [3]


def test_eval_aliases_and_coalesce_stand_for_their_fields() -> None:
    query = """from logs-*
| eval Esql.cmd = TO_LOWER(process.command_line), Esql.ip = COALESCE(source.ip, client.ip), Esql.n = LENGTH(url.original)
| eval Esql.flag = CASE(process.name == "x", 1, 0)
| where Esql.cmd like "*curl*" and Esql.ip == "1.2.3.4" and Esql.n > 100 and Esql.flag == 1
"""
    node, _, ctx = read(query)
    assert shape(node) == (
        "and",
        "process.command_line contains curl",
        ("or", "source.ip eq 1.2.3.4", "client.ip eq 1.2.3.4"),
        "length(url.original) gt 100",
    )
    assert ctx.notes == [
        "ES|QL: skipped a condition on an aggregated or computed column at line 4 (not an event predicate)"
    ]


def test_where_after_stats_keeps_by_fields_and_skips_aggregates() -> None:
    query = """from logs-*
| where event.action == "exec"
| stats Esql.count = count(*), Esql.hosts = count_distinct(host.id) by process.name, user.name
| where Esql.count < 5 and Esql.hosts == 1 and process.name != "sshd"
| inline stats n = count(*) by user.name
| where n > 1
"""
    node, _, ctx = read(query)
    assert shape(node) == ("and", "event.action eq exec", ("not", "process.name eq sshd"))
    assert len(ctx.notes) == 2  # the aggregate conditions of lines 4 and 6


def test_inline_stats_keeps_event_fields() -> None:
    query = (
        'from logs-*\n| inline stats c = count(*) by host.id\n| where c > 5 and process.name == "x"'
    )
    node, _, _ = read(query)
    assert shape(node) == "process.name eq x"


def test_dissect_and_grok_columns_are_computed() -> None:
    query = 'from logs-*\n| dissect message "%{user} logged in from %{ip}"\n| grok url.path "%{WORD:verb}"\n| where user == "x" and verb == "y" and ip == "z"'
    node, _, ctx = read(query)
    assert node is None and len(ctx.notes) == 1


def test_pipes_inside_strings_and_comments_do_not_split_commands() -> None:
    query = 'from logs-* // a | comment\n| where a == "x|y" /* | */ and b rlike """a|b"""\n| keep a'
    assert [s.command for s in split_pipeline(query)] == ["from", "where", "keep"]
    node, _, _ = read(query)
    assert shape(node) == ("and", "a eq x|y", "b regex_match a|b")


def test_backtick_names_and_escapes() -> None:
    node, _, _ = read('from logs-*\n| where `source`.`as`.number == 5 and a == "q\\"\\\\"')
    assert [(p.field, p.value) for p in iter_predicates(node)] == [
        ("source.as.number", "5"),
        ("a", 'q"\\'),
    ]


def test_field_to_field_comparison_is_a_field_reference() -> None:
    node, _, _ = read("from logs-*\n| where process.name == process.parent.name")
    assert shape(node) == "process.name eq fieldref:process.parent.name"


@pytest.mark.parametrize(
    ("query", "line"),
    [
        ('from logs-*\n| where a == "x" and', 2),
        ('from logs-*\n| where\n  a === "x"', 3),
        ('from logs-*\n| where a == "x', 2),
        ("from logs-*\n| eval x = \n| where a == 1", 2),
    ],
)
def test_syntax_errors_have_a_line(query: str, line: int) -> None:
    with pytest.raises(EsqlError) as error:
        esql_to_query(query, context())
    assert error.value.line == line
