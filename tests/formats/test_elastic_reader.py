"""The Elastic TOML reader: metadata, ATT&CK, lines, events, platforms, errors, exclusion snippets."""

from __future__ import annotations

from pathlib import Path

import pytest

from rulelint.formats import READERS, read_rule_file
from rulelint.formats.elastic.reader import ElasticReader
from rulelint.formats.errors import RuleReadError
from rulelint.model import And, exclusions, indicators

from .elastic_helpers import shape

READER = ElasticReader()

RULE = '''[metadata]
creation_date = "2024/01/01"
maturity = "production"
updated_date = "2024/06/01"

[rule]
author = ["Example"]
description = """
A multi-line description. query = \'\'\'not the query\'\'\'
[rule]
"""
from = "now-9m"
index = ["logs-endpoint.events.process-*", "winlogbeat-*"]
language = "{language}"
license = "Apache-2.0"
name = "Suspicious Net Use"
risk_score = 47
rule_id = "0b29cab4-dbbd-4a3f-9e8e-1287c7c11ae5"
severity = "medium"
tags = ["Domain: Endpoint", "OS: Windows", "Use Case: Threat Detection", "Data Source: Elastic Defend"]
timestamp_override = "event.ingested"
type = "{type}"

query = \'\'\'
{query}
\'\'\'
{extra}


[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "T1021"
name = "Remote Services"
reference = "https://attack.mitre.org/techniques/T1021/"
[[rule.threat.technique.subtechnique]]
id = "T1021.002"
name = "SMB/Windows Admin Shares"
reference = "https://attack.mitre.org/techniques/T1021/002/"

[rule.threat.tactic]
id = "TA0008"
name = "Lateral Movement"
reference = "https://attack.mitre.org/tactics/TA0008/"
'''

EQL_QUERY = """process where host.os.type == "windows" and event.type == "start" and
  process.name : "net.exe" and process.args : "use" and
  not process.parent.executable : "C:\\\\Program Files\\\\Agent\\\\agent.exe\""""


def rule_text(
    query: str = EQL_QUERY, language: str = "eql", type_: str = "eql", extra: str = ""
) -> str:
    return RULE.format(query=query, language=language, type=type_, extra=extra)


def read(text: str, path: str = "rules/windows/lateral_movement_net_use.toml"):
    rules = READER.read(path, text)
    assert len(rules) == 1
    return rules[0]


def line_of(text: str, needle: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_metadata_attack_and_platforms() -> None:
    text = rule_text()
    rule = read(text)
    assert rule.id == "0b29cab4-dbbd-4a3f-9e8e-1287c7c11ae5"
    assert rule.vendor == "elastic" and rule.title == "Suspicious Net Use"
    assert (rule.language, rule.status, rule.level) == ("eql", "production", "medium")
    assert rule.techniques == ["T1021", "T1021.002"]
    assert rule.tactics == ["lateral-movement"]
    assert [(t.raw, t.kind, t.id, t.line) for t in rule.attack_tags] == [
        ("TA0008", "tactic", "lateral-movement", line_of(text, 'id = "TA0008"')),
        ("T1021", "technique", "T1021", line_of(text, 'id = "T1021"')),
        ("T1021.002", "technique", "T1021.002", line_of(text, 'id = "T1021.002"')),
    ]
    assert rule.platforms == ["windows"]
    assert rule.events == ["ecs:process_start"]
    assert rule.line == line_of(text, "[rule]")
    assert rule.deprecated is False
    assert rule.extra["index"] == ["logs-endpoint.events.process-*", "winlogbeat-*"]
    assert rule.extra["risk_score"] == 47 and rule.extra["type"] == "eql"


def test_predicate_lines_are_file_lines_of_the_query() -> None:
    text = rule_text()
    rule = read(text)
    first = line_of(text, "process where host.os.type")
    assert [(p.canonical_field, p.line) for p in indicators(rule.expression)] == [
        ("event.category", first),
        ("host.os.type", first),
        ("event.type", first),
        ("process.name", first + 1),
        ("process.args", first + 1),
    ]
    (excluded,) = exclusions(rule.expression)
    assert (excluded.key, excluded.line) == (
        ("process.parent.executable", "eq", "?:\\program files\\agent\\agent.exe"),
        first + 2,
    )
    assert excluded.column == line_of_text_column(text, first + 2, '"C:')


def line_of_text_column(text: str, line: int, needle: str) -> int:
    return text.splitlines()[line - 1].index(needle) + 1


def test_net_exe_is_the_same_indicator_as_sigma_image_endswith() -> None:
    from rulelint.formats.sigma.reader import SigmaReader

    sigma = SigmaReader().read(
        "net.yml",
        "title: t\nlogsource:\n  category: process_creation\n  product: windows\n"
        "detection:\n  selection:\n    Image|endswith: '\\net.exe'\n  condition: selection\n",
    )[0]
    elastic_queries = [
        'process where process.name : "NET.exe"',
        'process where process.executable : "*\\\\net.exe"',
        'process where endsWith~(process.executable, "\\\\net.exe")',
    ]
    wanted = {p.key for p in indicators(sigma.expression)}
    assert wanted == {("process.name", "eq", "net.exe")}
    for query in elastic_queries:
        rule = read(rule_text(query))
        assert wanted <= {p.key for p in indicators(rule.expression)}, query
    kql = read(rule_text("process.executable : *\\\\net.exe", language="kuery", type_="query"))
    assert wanted <= {p.key for p in indicators(kql.expression)}


def test_kuery_threshold_and_new_terms_rules_contribute_their_query() -> None:
    extra = '[rule.threshold]\nfield = ["host.id"]\nvalue = 10\n'
    rule = read(
        rule_text(
            "event.category:authentication and event.outcome:failure", "kuery", "threshold", extra
        )
    )
    assert shape(rule.expression) == (
        "and",
        "event.category eq authentication",
        "event.outcome eq failure",
    )
    assert rule.extra["threshold"] == {"field": ["host.id"], "value": 10}
    assert rule.events == ["ecs:authentication"]


def test_extra_holds_json_data_even_for_toml_dates() -> None:
    import json

    extra = '[rule.new_terms]\nfield = "new_terms_fields"\nvalue = ["host.id"]\nsince = 2024-01-01T00:00:00Z\n'
    rule = read(rule_text("event.category:process", "kuery", "new_terms", extra))
    assert rule.extra["new_terms"] == {
        "field": "new_terms_fields",
        "value": ["host.id"],
        "since": "2024-01-01T00:00:00+00:00",
    }
    json.dumps(rule.extra)


def test_machine_learning_rule_has_no_expression() -> None:
    text = """[metadata]
maturity = "production"

[rule]
anomaly_threshold = 75
machine_learning_job_id = ["v3_windows_anomalous_process"]
name = "Unusual Process"
rule_id = "ml-1"
severity = "low"
risk_score = 21
tags = ["OS: Windows"]
type = "machine_learning"
"""
    rule = read(text)
    assert rule.expression is None and rule.language == ""
    assert rule.notes == ["machine_learning rule: no query, catalogued without predicates"]
    assert rule.extra["machine_learning_job_id"] == ["v3_windows_anomalous_process"]
    assert rule.events == ["elastic:ml"] and rule.platforms == ["windows"]


def test_deprecated_and_building_block_rules() -> None:
    deprecated = read(rule_text().replace('maturity = "production"', 'maturity = "deprecated"'))
    assert deprecated.deprecated is True
    by_path = read(rule_text(), path="rules/_deprecated/old_rule.toml")
    assert by_path.deprecated is True
    block = read(rule_text(extra='building_block_type = "default"'))
    assert block.extra["building_block_type"] == "default" and block.expression is not None


def test_filters_add_predicates_and_negated_ones_are_exclusions() -> None:
    extra = ""
    text = rule_text(
        "event.category:process and process.name:powershell.exe", "kuery", "query", extra
    )
    text += """
[[rule.filters]]
[rule.filters.meta]
negate = true
[rule.filters.query.wildcard."file.path"]
case_insensitive = true
value = "?:\\\\\\\\Program Files\\\\\\\\*"

[[rule.filters]]
[rule.filters.meta]
negate = false
[rule.filters.query.match_phrase]
"event.module" = "endpoint"
"""
    rule = read(text)
    assert shape(rule.expression) == (
        "and",
        "event.category eq process",
        "process.name eq powershell.exe",
        ("not", "file.path starts_with ?:\\program files\\"),
        "event.module eq endpoint",
    )
    assert exclusions(rule.expression)[0].line == line_of(text, "[[rule.filters]]")


def test_lucene_query() -> None:
    query = "event.category:process AND process.name:(chmod OR chown) AND process.args:/2[0-9]{3}/ AND NOT user.name:root AND x:[1 TO 5]"
    rule = read(rule_text(query, "lucene", "query"))
    assert shape(rule.expression) == (
        "and",
        "event.category eq process",
        ("or", "process.name eq chmod", "process.name eq chown"),
        "process.args regex_match 2[0-9]{3}",
        ("not", "user.name eq root"),
        "x ge 1",
        "x le 5",
    )


def test_esql_query_and_its_from_indexes() -> None:
    query = 'FROM logs-aws.cloudtrail-* METADATA _id\n| WHERE event.provider == "iam.amazonaws.com" AND event.action == "CreateAccessKey"\n| STATS c = COUNT(*) BY user.name\n| WHERE c > 3'
    text = (
        rule_text(query, "esql", "esql")
        .replace('index = ["logs-endpoint.events.process-*", "winlogbeat-*"]\n', "")
        .replace('"OS: Windows", ', "")
    )
    rule = read(text)
    assert shape(rule.expression) == (
        "and",
        "event.provider eq iam.amazonaws.com",
        "event.action eq CreateAccessKey",
    )
    assert rule.extra["index"] == ["logs-aws.cloudtrail-*"]
    assert rule.events == ["aws:cloudtrail"]


@pytest.mark.parametrize(
    ("query", "language", "events", "platforms"),
    [
        (
            'any where event.code == "4624" and winlog.logon.type == "Network"',
            "eql",
            ["security:4624"],
            ["windows"],
        ),
        (
            'any where winlog.channel == "Microsoft-Windows-Sysmon/Operational" and event.code in ("1", "10")',
            "eql",
            ["sysmon:1", "sysmon:10"],
            ["windows"],
        ),
        (
            "event.dataset:okta.system and event.action:user.session.start",
            "kuery",
            ["okta:system"],
            ["windows", "okta"],
        ),
        ('registry where registry.path : "*\\\\Run\\\\*"', "eql", ["ecs:registry"], ["windows"]),
        ('library where dll.name : "x.dll"', "eql", ["ecs:library"], ["windows"]),
        ("network where destination.port == 445", "eql", ["ecs:network"], ["windows"]),
        ('file where event.type == "deletion"', "eql", ["ecs:file_deletion"], ["windows"]),
        (
            'process where event.type == "end" and host.os.type == "linux"',
            "eql",
            ["ecs:process_end"],
            ["windows", "linux"],
        ),
        (
            "powershell.file.script_block_text : (*Invoke-Mimikatz*)",
            "kuery",
            ["powershell:4104"],
            ["windows"],
        ),
    ],
)
def test_events_and_platforms(
    query: str, language: str, events: list[str], platforms: list[str]
) -> None:
    rule = read(rule_text(query, language, "query" if language == "kuery" else language))
    assert rule.events == events
    assert rule.platforms == platforms


def test_index_patterns_give_events_when_the_query_names_none() -> None:
    text = rule_text('process.name : "x"', "kuery", "query").replace(
        '["logs-endpoint.events.process-*", "winlogbeat-*"]', '["logs-endpoint.events.file-*"]'
    )
    assert read(text).events == ["ecs:file"]


def test_sequence_rule() -> None:
    query = 'sequence by host.id with maxspan=1m\n  [process where process.name : "a"]\n  [network where destination.port == 445]'
    rule = read(rule_text(query))
    assert isinstance(rule.expression, And) and rule.expression.kind == "sequence"
    assert rule.events == ["ecs:network", "ecs:process"]


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("[rule]\nname = 'a'\nname = 'b'\n", "duplicate key 'name'", 3),
        ("[rule]\nname = 'a'\n[rule]\ntype = 'query'\n", "duplicate table [rule]", 3),
        ("[[rule.threat]]\nid = 1\n[rule.threat]\n", "duplicate table [rule.threat]", 3),
        ("[rule]\nquery = '''\nx : y\n", "invalid TOML", 0),
        ("[metadata]\nmaturity = 'production'\n", "no [rule] table", 0),
    ],
)
def test_toml_errors(text: str, message: str, line: int) -> None:
    with pytest.raises(RuleReadError) as error:
        READER.read("bad.toml", text)
    assert message in error.value.message
    assert error.value.line == line


def test_query_errors_point_at_the_file_line() -> None:
    text = rule_text('process where process.name : "a" and\n  process.args ==')
    with pytest.raises(RuleReadError) as error:
        read(text)
    assert "EQL syntax error" in error.value.message
    assert error.value.line == line_of(text, "process.args ==")  # where the query ends too early


def test_unknown_language_and_missing_query() -> None:
    with pytest.raises(RuleReadError, match="unknown query language 'sql'"):
        read(rule_text(language="sql"))
    text = rule_text().replace("query = '''", "notquery = '''")
    with pytest.raises(RuleReadError, match="has no query"):
        read(text)


def test_sniff_and_registry(tmp_path: Path) -> None:
    assert READER.sniff("x.toml", rule_text())
    assert not READER.sniff(
        "pyproject.toml", '[project]\nname = "x"\n[tool.ruff]\nline-length = 100\n'
    )
    assert any(isinstance(entry.reader, ElasticReader) for entry in READERS)
    path = tmp_path / "rule.toml"
    path.write_text(rule_text(), encoding="utf-8")
    result = read_rule_file(str(path))
    assert result is not None and result.error is None and result.format == "elastic-toml"
    bad = tmp_path / "bad.toml"
    bad.write_text("[rule]\nname = 1\nname = 2\n", encoding="utf-8")
    result = read_rule_file(str(bad))
    assert result is not None and result.error is not None and "duplicate" in result.error
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "x"\n', encoding="utf-8")
    assert read_rule_file(str(pyproject)) is None
