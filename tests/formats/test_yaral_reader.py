"""YARA-L 2.0 reader: every grammar form on hand-written rules, with exact predicates and lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from rulelint.formats import detect_format, read_rule_file
from rulelint.formats.base import ExclusionFix
from rulelint.formats.errors import RuleReadError
from rulelint.formats.yaral.reader import YaralReader, parse_reference_list
from rulelint.model import And, Not, Or, Predicate

READER = YaralReader()


def read_one(text: str, path: str = "/rules/x.yaral"):
    rules = READER.read(path, text)
    assert len(rules) == 1
    return rules[0]


def summary(predicate: Predicate) -> tuple:
    return (
        predicate.field,
        predicate.canonical_field,
        predicate.operator,
        predicate.value,
        predicate.line,
    )


NET_USE = r"""/*
 * A hand-written rule in the style of the community rules.
 */
rule net_use_admin_share {
  meta:
    rule_name = "Net Use Admin Share"
    rule_id = "mr_test-net-use"
    technique = "T1021.002"
    tactic = "TA0008"
    severity = "Medium"
    sigma_uuid = "11111111-2222-3333-4444-555555555555"
    platform = "Windows"

  events:
    $e.metadata.event_type = "PROCESS_LAUNCH"
    $e.target.process.file.full_path = /\\net\.exe$/ nocase
    re.regex($e.target.process.command_line, `\buse\b.*\\(C|ADMIN|IPC)\$`) nocase
    not $e.principal.process.file.full_path = /\\explorer\.exe$/ nocase
    $e.principal.user.userid != "SYSTEM"
    $e.principal.hostname = $host

  match:
    $host over 5m

  outcome:
    $risk_score = max(if($e.principal.user.userid = "admin", 10, 40))
    $count = count_distinct($e.metadata.id)

  condition:
    $e and $risk_score > 5
}
"""


def test_metadata_and_attack() -> None:
    rule = read_one(NET_USE)
    assert rule.id == "mr_test-net-use"
    assert rule.vendor == "yaral"
    assert rule.title == "Net Use Admin Share"
    assert rule.level == "medium"
    assert rule.techniques == ["T1021.002"]
    assert rule.tactics == ["lateral-movement"]
    assert [(t.kind, t.id, t.line) for t in rule.attack_tags] == [
        ("technique", "T1021.002", 8),
        ("tactic", "lateral-movement", 9),
    ]
    assert rule.extra["sigma_uuid"] == "11111111-2222-3333-4444-555555555555"
    assert rule.extra["match"] == {"variables": ["$host"], "window": "5m"}
    assert rule.platforms == ["windows"]
    assert rule.events == ["udm:PROCESS_LAUNCH"]
    assert rule.line == 4
    assert not rule.deprecated


def test_events_lines_are_anded_with_exclusions() -> None:
    rule = read_one(NET_USE)
    expression = rule.expression
    assert isinstance(expression, And) and expression.kind == "and"
    assert [summary(p) for p in rule.indicators()] == [
        ("metadata.event_type", "metadata.event_type", "eq", "PROCESS_LAUNCH", 15),
        # /\\net\.exe$/ on a full path is "ends with \net.exe", i.e. the process name
        ("target.process.file.full_path", "process.name", "eq", "net.exe", 16),
        (
            "target.process.command_line",
            "process.command_line",
            "regex_match",
            r"\buse\b.*\\(C|ADMIN|IPC)\$",
            17,
        ),
    ]
    # in a PROCESS_LAUNCH event principal.process is the parent
    assert [summary(p) for p in rule.exclusions()] == [
        ("principal.process.file.full_path", "process.parent.name", "eq", "explorer.exe", 18),
        ("principal.user.userid", "user.name", "eq", "SYSTEM", 19),
    ]
    system = rule.exclusions()[1]
    assert system.cased and system.how == "!=" and system.raw_value == "SYSTEM"
    name = rule.indicators()[1]
    assert (
        not name.cased
        and name.how == "= nocase"
        and name.raw_value == r"\\net\.exe$"
        and name.group == "$e"
    )
    assert name.column == 40


def test_functions_are_predicates() -> None:
    text = r"""
rule functions {
  meta:
    technique = "T1105"
  events:
    $e.metadata.event_type = "NETWORK_HTTP"
    strings.contains(strings.to_lower($e.target.url), "/raw/")
    strings.starts_with($e.network.http.user_agent, "curl/")
    strings.ends_with($e.target.hostname, ".ngrok.io")
    net.ip_in_range_cidr($e.target.ip, "10.0.0.0/8") = false
    not net.ip_in_range_cidr($e.principal.ip, "192.168.0.0/16")
    strings.contains($e.target.url, "Download") nocase
    $e.target.port > 1024
    $e.network.http.response_code = 200
  condition:
    $e
}
"""
    rule = read_one(text)
    assert [(*summary(p), p.how, p.cased) for p in rule.indicators()] == [
        ("metadata.event_type", "metadata.event_type", "eq", "NETWORK_HTTP", 6, "=", True),
        ("target.url", "url.original", "contains", "/raw/", 7, "strings.contains", False),
        (
            "network.http.user_agent",
            "user_agent.original",
            "starts_with",
            "curl/",
            8,
            "strings.starts_with",
            True,
        ),
        ("target.hostname", "url.domain", "ends_with", ".ngrok.io", 9, "strings.ends_with", True),
        (
            "target.url",
            "url.original",
            "contains",
            "download",
            12,
            "strings.contains nocase",
            False,
        ),
        ("target.port", "destination.port", "gt", "1024", 13, ">", False),
        ("network.http.response_code", "http.response.status_code", "eq", "200", 14, "=", False),
    ]
    assert [summary(p) for p in rule.exclusions()] == [
        ("target.ip", "destination.ip", "cidr_match", "10.0.0.0/8", 10),
        ("principal.ip", "source.ip", "cidr_match", "192.168.0.0/16", 11),
    ]
    assert rule.events == ["udm:NETWORK_HTTP"]


def test_or_groups_not_and_NOT() -> None:
    text = r"""
rule groups {
  events:
    $p.metadata.event_type = "PROCESS_LAUNCH"
    (
        $p.target.process.command_line = "whoami /all" or
        $p.target.process.command_line = "WHOAMI /PRIV" nocase OR
        re.regex($p.target.process.command_line, `^whoami\s`)
    )
    NOT (
        $p.principal.process.file.full_path = "C:\\Windows\\System32\\svchost.exe" and
        $p.target.process.command_line = ""
    )
    $p.target.process.file.full_path != ""
  condition:
    $p
}
"""
    rule = read_one(text)
    expression = rule.expression
    assert isinstance(expression, And)
    group = expression.children[1]
    assert isinstance(group, Or)
    assert [summary(p) for p in group.children] == [  # type: ignore[arg-type]
        ("target.process.command_line", "process.command_line", "eq", "whoami /all", 6),
        ("target.process.command_line", "process.command_line", "eq", "whoami /priv", 7),
        ("target.process.command_line", "process.command_line", "regex_match", r"^whoami\s", 8),
    ]
    negated = expression.children[2]
    assert isinstance(negated, Not) and isinstance(negated.child, And)
    assert [summary(p) for p in rule.exclusions()] == [
        # a double-quoted YARA-L string resolves \\ to \
        (
            "principal.process.file.full_path",
            "process.parent.executable",
            "eq",
            "?:\\Windows\\System32\\svchost.exe",
            11,
        ),
        ("target.process.command_line", "process.command_line", "is_null", None, 12),
    ]
    assert summary(rule.indicators()[-1]) == (
        "target.process.file.full_path",
        "process.executable",
        "is_not_null",
        None,
        14,
    )


@pytest.mark.parametrize(
    ("regex", "operator", "value"),
    [
        (r"/\\cmd\.exe$/ nocase", "eq", "cmd.exe"),  # name through the path/name equivalence
        (r"/^C:\\Windows\\/ nocase", "starts_with", "?:\\windows\\"),
        (r"/mimikatz/ nocase", "contains", "mimikatz"),
        (r"/.*sekurlsa.*/ nocase", "contains", "sekurlsa"),
        (r"/^rundll32\.exe$/ nocase", "eq", "rundll32.exe"),
        (
            r"/invoke.*mimikatz/ nocase",
            "regex_match",
            "invoke.*mimikatz",
        ),  # kept as written, like Sigma |re
        (r"/mimi[k]atz/ nocase", "regex_match", "mimi[k]atz"),
        (r"/foo.exe$/ nocase", "regex_match", "foo.exe$"),  # an unescaped dot is not a literal
    ],
)
def test_regex_literals_become_operators_only_when_exact(
    regex: str, operator: str, value: str
) -> None:
    text = f"""
rule r {{
  events:
    $e.metadata.event_type = "PROCESS_LAUNCH"
    $e.target.process.file.full_path = {regex}
  condition:
    $e
}}
"""
    predicate = read_one(text).indicators()[1]
    assert (predicate.operator, predicate.value) == (operator, value)


def test_regex_case_sensitivity_follows_nocase() -> None:
    text = r"""
rule r {
  events:
    re.regex($e.target.process.command_line, `Invoke-Expression`)
    re.regex($e.target.process.command_line, `(?i)iex`)
    $e.target.process.command_line = /DownloadString/
  condition:
    $e
}
"""
    predicates = read_one(text).indicators()
    assert [(p.operator, p.value, p.cased) for p in predicates] == [
        ("contains", "Invoke-Expression", True),
        ("contains", "iex", False),
        ("contains", "DownloadString", True),
    ]


def test_regex_alternation_stays_one_regex_as_written() -> None:
    """A regex beyond an anchored literal keeps its text, so it matches the same Sigma |re value."""
    text = r"""
rule r {
  events:
    $e.metadata.event_type = "PROCESS_LAUNCH"
    re.regex($e.target.process.file.full_path, `\\(cmd|powershell)\.exe$`) nocase
  condition:
    $e
}
"""
    predicate = read_one(text).indicators()[1]
    assert (predicate.canonical_field, predicate.operator, predicate.value, predicate.cased) == (
        "process.executable",
        "regex_match",
        r"\\(cmd|powershell)\.exe$",
        False,
    )


def test_reference_lists_are_resolved_from_the_corpus(tmp_path: Path) -> None:
    lists = tmp_path / "rules" / "reference_lists"
    lists.mkdir(parents=True)
    (lists / "tools").write_text(
        "/* header */\n// comment\nmimikatz.exe\n\nrubeus.exe\n", encoding="utf-8"
    )
    (lists / "tool_patterns").write_text("\\\\procdump(64)?\\.exe$\nsharp\n", encoding="utf-8")
    (lists / "internal_nets").write_text("10.0.0.0/8\n", encoding="utf-8")
    rule_dir = tmp_path / "rules" / "windows"
    rule_dir.mkdir()
    path = rule_dir / "tools.yaral"
    path.write_text(
        r"""
rule tools {
  events:
    $e.metadata.event_type = "PROCESS_LAUNCH"
    $e.target.process.file.names in %tools nocase
    $e.target.process.file.full_path in regex %tool_patterns nocase
    not $e.principal.ip in cidr %internal_nets
    $e.target.user.userid in %missing_list
  condition:
    $e
}
""",
        encoding="utf-8",
    )
    result = read_rule_file(str(path))
    assert result is not None and result.error is None
    rule = result.rules[0]
    indicators = [
        (p.canonical_field, p.operator, p.value, p.line, p.how) for p in rule.indicators()
    ]
    assert indicators[1:] == [
        ("process.name", "eq", "mimikatz.exe", 5, "in %tools nocase"),
        ("process.name", "eq", "rubeus.exe", 5, "in %tools nocase"),
        (
            "process.executable",
            "regex_match",
            "\\\\procdump(64)?\\.exe$",
            6,
            "in regex %tool_patterns nocase",
        ),
        ("process.executable", "contains", "sharp", 6, "in regex %tool_patterns nocase"),
        ("user.target.name", "eq", "%missing_list", 8, "in %missing_list"),
    ]
    assert [(p.canonical_field, p.operator, p.value) for p in rule.exclusions()] == [
        ("source.ip", "cidr_match", "10.0.0.0/8"),
    ]
    assert any("%missing_list not found" in note for note in rule.notes)


def test_parse_reference_list() -> None:
    assert parse_reference_list("/*\n * licence\n */\n// about\na\n b \n\na\n") == ["a", "b"]


def test_joins_placeholders_and_graph_context_are_not_predicates() -> None:
    text = r"""
rule joined {
  meta:
    technique = "T1078"
  events:
    $login.metadata.event_type = "USER_LOGIN"
    $login.metadata.product_name = "Okta"
    $login.security_result.action = "ALLOW"
    $login.principal.user.userid = $user
    $login.metadata.event_timestamp.seconds < $change.metadata.event_timestamp.seconds
    $change.metadata.event_type = "USER_CHANGE_PASSWORD"
    $change.target.user.userid = $login.principal.user.userid
    $change.target.user.userid = $user
    $ctx.graph.metadata.entity_type = "USER"
    $ctx.graph.entity.user.userid = $user
    $hostname = strings.coalesce($login.principal.hostname, $login.principal.ip)
  match:
    $user over 1h
  condition:
    $login and $change and #change > 2
}
"""
    rule = read_one(text)
    expression = rule.expression
    assert isinstance(expression, And) and expression.kind == "join"
    assert [(p.group, p.field, p.canonical_field, p.value) for p in rule.indicators()] == [
        ("$login", "metadata.event_type", "metadata.event_type", "USER_LOGIN"),
        ("$login", "metadata.product_name", "observer.product", "Okta"),
        ("$login", "security_result.action", "event.outcome", "ALLOW"),
        ("$change", "metadata.event_type", "metadata.event_type", "USER_CHANGE_PASSWORD"),
    ]
    assert rule.events == ["okta:system", "udm:USER_CHANGE_PASSWORD"]
    assert "entity-graph context $ctx: not event predicates" in rule.notes


def test_product_event_types_name_windows_events() -> None:
    text = r"""
rule soc_prime_style {
 meta:
    mitre = "execution, t1059.001, T1204"
  events:
(re.regex($selection.target.process.file.full_path, `.*\\powershell\.exe`) and re.regex($selection.principal.process.file.full_path, `.*\\winword\.exe`) and ($selection.metadata.product_event_type = "4688" or $selection.metadata.product_event_type = "1"))
  condition:
    $selection
}
"""
    rule = read_one(text, "/corpus/rules/_deprecated/x/soc_prime.yaral")
    assert rule.deprecated
    assert rule.events == ["security:4688", "sysmon:1"]
    assert rule.techniques == ["T1059.001", "T1204"]
    assert rule.tactics == ["execution"]
    # the scope PROCESS_LAUNCH comes from the Windows event ids: principal.process is the parent
    assert [(p.canonical_field, p.operator, p.value) for p in rule.indicators()] == [
        ("process.executable", "contains", "\\powershell.exe"),
        ("process.parent.executable", "contains", "\\winword.exe"),
        ("event.code", "eq", "4688"),
        ("event.code", "eq", "1"),
    ]


def test_cloud_sources_scope_product_event_type() -> None:
    text = r"""
rule root_login {
  meta:
    mitre_attack_url = "https://attack.mitre.org/techniques/T1078/004/"
  events:
    $ct.metadata.vendor_name = "AMAZON"
    $ct.metadata.product_name = "AWS CloudTrail"
    $ct.metadata.product_event_type = "ConsoleLogin"
    $ct.principal.user.userid = /root/ nocase
  outcome:
    $mitre_attack_tactic = "Privilege Escalation"
    $mitre_attack_technique_id = "T1078"
  condition:
    $ct
}
"""
    rule = read_one(text)
    assert rule.events == ["aws:cloudtrail"]
    assert rule.techniques == ["T1078", "T1078.004"]
    assert rule.tactics == ["privilege-escalation"]
    assert [(p.canonical_field, p.value) for p in rule.indicators()][2] == (
        "event.action",
        "ConsoleLogin",
    )


def test_several_rules_and_options_in_one_file() -> None:
    text = """
rule a {
  events:
    $e.target.file.full_path = "C:\\\\x.dll"
  condition:
    $e
  options:
    allow_zero_values = true
}
rule b
{
  meta:
    technique = "T1003"
  events:
    $e.target.file.sha256 = "abc"
  condition:
    !$e
}
"""
    rules = READER.read("/r/two.yaral", text)
    assert [r.id for r in rules] == ["a", "b"]
    assert [(p.canonical_field, p.value) for p in rules[0].indicators()] == [
        ("file.path", "?:\\x.dll")
    ]
    assert rules[1].line == 10


@pytest.mark.parametrize(
    ("text", "message", "line"),
    [
        ("rule r {\n  events:\n    $e.x = \n  condition:\n    $e\n}\n", "syntax error", 4),
        ('rule r {\n  events:\n    $e.x = "a"\n', "unexpected end of file", 0),
        ('rule r {\n  meta:\n    a = "b"\n  condition:\n    $e\n}\n', "no 'events:' section", 1),
        ('rule r {\n  events:\n    $e.x = "a"\n}\n', "no 'condition:' section", 1),
        (
            'rule r {\n  events:\n    $e.x = "a"\n  events:\n    $e.y = "b"\n  condition:\n    $e\n}\n',
            "two 'events:'",
            1,
        ),
        ('rule r {\n  events:\n    $e.x = "a" ^ 3\n  condition:\n    $e\n}\n', "syntax error", 3),
        (
            "rule r {\n  events:\n    re.regex($e.x)\n  condition:\n    $e\n}\n",
            "takes 2 arguments",
            3,
        ),
        ("", "syntax error", 0),
    ],
)
def test_errors_have_a_clear_message_and_line(text: str, message: str, line: int) -> None:
    with pytest.raises(RuleReadError) as caught:
        READER.read("/r/bad.yaral", text)
    assert message in caught.value.message
    if line:
        assert caught.value.line == line


def test_bad_file_is_an_error_result_not_an_exception(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaral"
    path.write_text(
        "rule broken {\n  events:\n    $e.x = = 1\n  condition:\n    $e\n}\n", encoding="utf-8"
    )
    result = read_rule_file(str(path))
    assert result is not None and result.format == "yaral"
    assert result.error and "syntax error" in result.error and result.error_line == 3


def test_sniff_and_detection() -> None:
    assert READER.sniff("x.yaral", "rule abc {\n meta:\n events:\n")
    assert not READER.sniff("x.yaral", "title: sigma\n")
    assert isinstance(detect_format("x.yaral", NET_USE), YaralReader)


def test_parentheses_do_not_nest_the_tree_but_deep_nesting_is_refused_cleanly() -> None:
    wrapped = (
        "rule r {\n  events:\n    "
        + "(" * 3000
        + '$e.x = "a"'
        + ")" * 3000
        + "\n  condition:\n    $e\n}\n"
    )
    assert read_one(wrapped).indicators()[0].value == "a"
    nested = "(" + '$e.a = "1" and (' * 2000 + '$e.x = "a"' + ")" * 2001
    text = "rule r {\n  events:\n    " + nested + "\n  condition:\n    $e\n}\n"
    with pytest.raises(RuleReadError, match="nested too deeply"):
        READER.read("/r/deep.yaral", text)


# -- exclusion snippets ---------------------------------------------------------------------------


def fix(field: str, canonical: str, operator: str, value: str | None) -> ExclusionFix:
    return ExclusionFix(field, canonical, operator, value and value.lower(), value)


def test_exclusion_snippet_lines() -> None:
    rule = read_one(NET_USE)
    snippet = READER.exclusion_snippet(
        rule,
        [
            fix("target.process.file.full_path", "process.name", "eq", "NET1.exe"),
            fix("principal.process.file.full_path", "process.parent.name", "eq", "mmc.exe"),
            fix(
                "target.process.command_line",
                "process.command_line",
                "contains",
                "\\\\server\\share",
            ),
            fix("process.command_line", "process.command_line", "starts_with", "net use z:"),
            fix("principal.user.userid", "user.name", "eq", "svc_backup"),
            fix("target.ip", "destination.ip", "cidr_match", "10.0.0.0/8"),
            fix("target.process.command_line", "process.command_line", "is_not_null", None),
        ],
    )
    assert snippet == "\n".join(
        [
            r"not re.regex($e.target.process.file.full_path, `\\NET1\.exe$`) nocase",
            r"not re.regex($e.principal.process.file.full_path, `\\mmc\.exe$`) nocase",
            r"not re.regex($e.target.process.command_line, `\\\\server\\share`) nocase",
            r"not re.regex($e.target.process.command_line, `^net use z:`) nocase",
            '$e.principal.user.userid != "svc_backup" nocase',
            'not net.ip_in_range_cidr($e.target.ip, "10.0.0.0/8")',
            '$e.target.process.command_line = ""',
        ]
    )
    assert READER.exclusion_snippet(rule, []) is None


def test_exclusion_snippet_lines_parse_back(tmp_path: Path) -> None:
    """The lines a fix suggests are valid YARA-L and read back as the same exclusions."""
    rule = read_one(NET_USE)
    fixes = [
        fix("target.process.file.full_path", "process.name", "eq", "net1.exe"),
        fix("principal.user.userid", "user.name", "eq", "svc_backup"),
    ]
    snippet = READER.exclusion_snippet(rule, fixes)
    assert snippet is not None
    patched = NET_USE.replace(
        "    $e.principal.hostname = $host\n",
        "    $e.principal.hostname = $host\n" + snippet + "\n",
    )
    again = read_one(patched)
    assert [(p.canonical_field, p.operator, p.value) for p in again.exclusions()][-2:] == [
        ("process.name", "eq", "net1.exe"),
        ("user.name", "eq", "svc_backup"),
    ]


def test_windows_event_data_fields_as_chronicle_parsers_store_them() -> None:
    """OriginalFileName, GrantedAccess and unmapped event data (additional.fields["CallTrace"])
    land where Chronicle's Windows parsers put them; they must meet Sigma's names."""
    text = r"""
rule lsass_access {
  events:
    $e.metadata.event_type = "PROCESS_OPEN"
    $e.target.resource.name = "0x1010"
    strings.contains($e.additional.fields["CallTrace"], "dbghelp.dll")
    $e.additional.fields["NoSuchSigmaName"] = "x"
  condition:
    $e
}
rule launch {
  events:
    $p.metadata.event_type = "PROCESS_LAUNCH"
    $p.src.process.file.full_path = "certreq.exe" nocase
  condition:
    $p
}
"""
    access, launch = READER.read("/rules/x.yaral", text)
    assert [summary(p)[:4] for p in access.indicators()][1:] == [
        ("target.resource.name", "winlog.event_data.GrantedAccess", "eq", "0x1010"),
        (
            'additional.fields["CallTrace"]',
            "winlog.event_data.CallTrace",
            "contains",
            "dbghelp.dll",
        ),
        # a name Sigma's table does not know stays itself, as an unmapped Sigma field does
        ('additional.fields["NoSuchSigmaName"]', "NoSuchSigmaName", "eq", "x"),
    ]
    assert [summary(p)[1:4] for p in launch.indicators()][1:] == [
        ("process.pe.original_file_name", "eq", "certreq.exe")
    ]
