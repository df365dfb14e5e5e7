"""The Sigma reader on hand-written rules: every modifier, every condition form, lines, errors."""

from __future__ import annotations

import textwrap

import pytest

from rulelint.formats.errors import RuleReadError
from rulelint.formats.sigma.reader import SigmaReader
from rulelint.model import And, Not, Or, Predicate, Rule, iter_predicates


def read(text: str, *, fast: bool = True) -> Rule:
    rules = SigmaReader(fast=fast).read("rule.yml", textwrap.dedent(text).lstrip())
    assert len(rules) == 1
    return rules[0]


def keys(predicates: list[Predicate]) -> list[tuple[str, str, str]]:
    return [p.key for p in predicates]


RULE = """
title: Admin share mount
id: 3abd6094-7027-475f-9630-8ab9be7b9725
status: test
tags:
    - attack.lateral-movement
    - attack.t1021.002
logsource:
    category: process_creation
    product: windows
detection:
    selection_img:
        - Image|endswith:
              - '\\\\net.exe'
              - '\\\\net1.exe'
        - OriginalFileName: 'net.exe'
    selection_cli:
        CommandLine|contains|all:
            - ' use '
            - ' \\\\\\\\*\\\\*$'
    filter_main_system:
        User|contains:
            - 'AUTHORI'
            - 'AUTORI'
    condition: all of selection_* and not 1 of filter_main_*
level: medium
"""


@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "pysigma"])
def test_reference_rule(fast: bool) -> None:
    rule = read(RULE, fast=fast)
    assert rule.id == "3abd6094-7027-475f-9630-8ab9be7b9725"
    assert rule.techniques == ["T1021.002"]
    assert rule.tactics == ["lateral-movement"]
    assert rule.events == ["sysmon:1", "security:4688"]
    assert rule.platforms == ["windows"]
    assert keys(rule.indicators()) == [
        ("process.name", "eq", "net.exe"),
        ("process.name", "eq", "net1.exe"),
        ("process.pe.original_file_name", "eq", "net.exe"),
        ("process.command_line", "contains", " use "),
        ("process.command_line", "wildcard", "* \\\\\\\\*\\\\*$*"),
    ]
    assert [p.line for p in rule.indicators()] == [13, 14, 15, 18, 19]
    assert keys(rule.exclusions()) == [
        ("user.name", "contains", "authori"),
        ("user.name", "contains", "autori"),
    ]
    assert rule.exclusions()[0].group == "filter_main_system"
    assert rule.extra["condition_line"] == 24
    # shape: And(Or(names), And(contains, contains), Not(Or(users)))
    tree = rule.expression
    assert isinstance(tree, And) and isinstance(tree.children[-1], Not)
    assert isinstance(tree.children[0], Or)


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("CommandLine", "whoami", [("process.command_line", "eq", "whoami")]),
        ("CommandLine|contains", "mimikatz", [("process.command_line", "contains", "mimikatz")]),
        ("CommandLine|startswith", "cmd /c", [("process.command_line", "starts_with", "cmd /c")]),
        ("CommandLine|endswith", ".ps1", [("process.command_line", "ends_with", ".ps1")]),
        ("CommandLine|re", "net.*use", [("process.command_line", "regex_match", "net.*use")]),
        ("CommandLine|re|i", "NET.*USE", [("process.command_line", "regex_match", "NET.*USE")]),
        ("CommandLine|re|m|s", "a.b", [("process.command_line", "regex_match", "a.b")]),
        ("DestinationIp|cidr", "10.0.0.0/8", [("destination.ip", "cidr_match", "10.0.0.0/8")]),
        ("DestinationPort|gt", 1024, [("destination.port", "gt", "1024")]),
        ("DestinationPort|gte", 1024, [("destination.port", "ge", "1024")]),
        ("DestinationPort|lt", 1024, [("destination.port", "lt", "1024")]),
        ("DestinationPort|lte", 1024, [("destination.port", "le", "1024")]),
        ("ParentImage|exists", True, [("process.parent.executable", "is_not_null", "")]),
        ("ParentImage|exists", False, [("process.parent.executable", "is_null", "")]),
        ("ParentImage", None, [("process.parent.executable", "is_null", "")]),
        ("EventID", 4688, [("event.code", "eq", "4688")]),
        ("Signed", False, [("Signed", "eq", "false")]),
        ("CommandLine|cased", "AbC", [("process.command_line", "eq", "AbC")]),
        ("CommandLine|contains|cased", "AbC", [("process.command_line", "contains", "AbC")]),
        (
            "CommandLine|windash|contains",
            " -enc ",
            [("process.command_line", "contains", " -enc ")],
        ),
        (
            "CommandLine|base64offset|contains",
            "IEX",
            [
                ("process.command_line", "contains", "suvy"),
                ("process.command_line", "contains", "lfw"),
                ("process.command_line", "contains", "jrv"),
            ],
        ),
        ("CommandLine|base64|contains", "IEX", [("process.command_line", "contains", "suvy")]),
        (
            "CommandLine|wide|base64offset|contains",
            "ab",
            [
                ("process.command_line", "contains", "yqbia"),
                ("process.command_line", "contains", "eayg"),
                ("process.command_line", "contains", "hagia"),
            ],
        ),
        (
            "CommandLine|utf16le|base64|contains",
            "ab",
            [("process.command_line", "contains", "yqbiaa==")],
        ),
        (
            "CommandLine|utf16be|base64|contains",
            "ab",
            [("process.command_line", "contains", "ageayg==")],
        ),
        # pySigma (the reference) writes a UTF-8 byte order mark before the UTF-16LE text
        (
            "CommandLine|utf16|base64|contains",
            "ab",
            [("process.command_line", "contains", "77u/yqbiaa==")],
        ),
        ("IpAddress|expand", "%dc_ips%", [("source.ip", "in_list", "dc_ips")]),
        ("TargetFilename|fieldref", "Image", [("file.path", "eq", "fieldref:Image")]),
        ("Image|neq", "C:\\x.exe", [("process.executable", "eq", "?:\\x.exe")]),
    ],
)
def test_every_modifier(key: str, value: object, expected: list[tuple[str, str, str]]) -> None:
    scalar = (
        "null"
        if value is None
        else (str(value).lower() if isinstance(value, bool) else repr(value))
    )
    text = f"""
    title: t
    logsource:
        category: process_creation
        product: windows
    detection:
        selection:
            {key}: {scalar}
        condition: selection
    """
    for fast in (True, False):
        rule = read(text, fast=fast)
        predicates = rule.predicates()
        assert keys(predicates) == expected, (fast, predicates)
        assert all(p.line == 7 for p in predicates)
        if key.endswith("|neq"):
            assert isinstance(rule.expression, Not) and rule.exclusions()


def test_keywords_and_lists_of_maps() -> None:
    rule = read(
        """
        title: t
        logsource: {product: linux, service: syslog}
        detection:
            keywords:
                - 'sudo su'
                - '*passwd*'
            selection:
                - comm: bash
                - exe|endswith: /nc
            condition: keywords or selection
        """
    )
    assert keys(rule.indicators()) == [
        ("keyword", "match", "sudo su"),
        ("keyword", "match", "passwd"),
        ("comm", "eq", "bash"),
        ("exe", "ends_with", "/nc"),
    ]
    assert rule.events == ["linux:syslog"]


@pytest.mark.parametrize(
    ("condition", "shape"),
    [
        ("sel1 and sel2", "and(a,b)"),
        ("sel1 or sel2", "or(a,b)"),
        ("1 of sel*", "or(a,b)"),
        ("any of sel*", "or(a,b)"),
        ("all of sel*", "and(a,b)"),
        ("1 of them", "or(a,b,c)"),
        ("all of them", "and(a,b,c)"),
        ("sel1 and not (sel2 or filter)", "and(a,not(or(b,c)))"),
        ("(sel1 or sel2) and not filter", "and(or(a,b),not(c))"),
        ("not sel1", "not(a)"),
        ("sel1 AND NOT filter", "and(a,not(c))"),
        ("sel1 or sel2 and filter", "or(a,and(b,c))"),
    ],
)
def test_condition_forms(condition: str, shape: str) -> None:
    rule = read(
        f"""
        title: t
        logsource: {{category: process_creation, product: windows}}
        detection:
            sel1: {{Image|endswith: '\\a.exe'}}
            sel2: {{Image|endswith: '\\b.exe'}}
            filter: {{Image|endswith: '\\c.exe'}}
            condition: {condition}
        """
    )
    assert _shape(rule.expression) == shape


def _shape(node: object) -> str:
    if isinstance(node, Predicate):
        return str(node.value)[0]
    if isinstance(node, Not):
        return f"not({_shape(node.child)})"
    assert isinstance(node, (And, Or))
    name = "and" if isinstance(node, And) else "or"
    return f"{name}({','.join(_shape(c) for c in node.children)})"


def test_security_log_rules_name_their_event_ids() -> None:
    rule = read(
        """
        title: t
        logsource: {product: windows, service: security}
        detection:
            selection:
                EventID: [4624, 4625]
                LogonType: 10
            filter: {SubjectUserName|endswith: '$'}
            condition: selection and not filter
        """
    )
    assert rule.events == ["security:4624", "security:4625"]
    assert keys(rule.exclusions()) == [("winlog.event_data.SubjectUserName", "ends_with", "$")]


def test_v19_tags_and_other_tags() -> None:
    rule = read(
        """
        title: t
        tags: [attack.stealth, attack.defense-impairment, attack.t1685, attack.g0016, cve.2021-44228, attack.t9999]
        logsource: {product: windows, category: process_creation}
        detection: {sel: {Image: x}, condition: sel}
        """
    )
    assert rule.techniques == ["T1685", "T9999"]
    assert rule.tactics == ["defense-impairment", "stealth"]


@pytest.mark.parametrize(
    ("detection", "message", "line"),
    [
        ("sel: {Image: x}\n  condition: sel and filter", "condition names detection 'filter'", 5),
        ("sel: {Image: x}\n  condition: 1 of nothing_*", "matches no detection", 5),
        ("sel: {Image: x}\n  condition: sel and", "invalid condition", 5),
        ("sel: {Image|nosuchmodifier: x}\n  condition: sel", "Unknown modifier", 0),
        ("sel:\n  condition: sel", "detection 'sel' is empty", 4),
        ("sel: {Image: x}", "has no 'condition'", 3),
        ("sel: {Image|re: '(unclosed'}\n  condition: sel", "invalid", 0),
    ],
)
def test_errors_name_the_problem_and_line(detection: str, message: str, line: int) -> None:
    text = "title: t\nlogsource: {product: windows}\ndetection:\n  " + detection + "\n"
    with pytest.raises(RuleReadError) as error:
        SigmaReader().read("rule.yml", text)
    assert message.lower() in str(error.value).lower()
    if line:
        assert error.value.line == line


def test_correlation_rules_are_catalogued_without_predicates() -> None:
    rules = SigmaReader().read(
        "c.yml",
        "title: many failures\nid: abc\ncorrelation:\n  type: event_count\n  rules: [x]\n  timespan: 5m\n"
        "  group-by: [User]\n  condition: {gte: 10}\ntags: [attack.t1110]\n",
    )
    assert rules[0].expression is None and rules[0].techniques == ["T1110"]


def test_sniff_tells_sigma_from_other_yaml() -> None:
    reader = SigmaReader()
    assert reader.sniff("r.yml", "title: x\nlogsource:\n  product: windows\ndetection:\n  a: b\n")
    assert not reader.sniff("r.yml", "name: ci\non: push\njobs: {}\n")
    assert not reader.sniff("r.yml", "name: x\nsearch: '| tstats count'\n")


def test_an_expand_placeholder_is_a_list_not_a_literal() -> None:
    text = (
        "title: t\nid: 00000000-0000-4000-8000-000000000001\nlogsource:\n    product: windows\n"
        "    service: security\ndetection:\n    selection:\n        EventID: 4768\n"
        "    filter:\n        IpAddress|expand: '%dc_ip_addresses%'\n"
        "        TargetUserName|expand: 'svc_%suffix%'\n"
        "    condition: selection and not filter\n"
    )
    (rule,) = SigmaReader().read("t.yml", text)
    found = {p.field: (p.operator, p.value, p.raw_value) for p in iter_predicates(rule.expression)}
    assert found["IpAddress"] == ("in_list", "dc_ip_addresses", "%dc_ip_addresses%")
    assert found["TargetUserName"][0] != "in_list"  # a placeholder inside a literal stays a value
