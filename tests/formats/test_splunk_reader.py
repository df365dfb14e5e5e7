"""Splunk security_content reader: SPL forms on hand-written detections with their macros."""

from __future__ import annotations

from pathlib import Path

import pytest

from rulelint.formats import read_rule_file
from rulelint.formats.base import ExclusionFix
from rulelint.formats.splunk.reader import SplunkReader
from tests.helpers import SPLUNK_DETECTION

MACROS = {
    "sysmon": "sourcetype=XmlWinEventLog:Microsoft-Windows-Sysmon/Operational",
    "security_content_summariesonly": "summariesonly=true",
    "process_net": '(Processes.process_name="net.exe" OR Processes.original_file_name="net.exe")',
    "is_nirsoft_software_macro": "lookup update=true is_nirsoft_software filename as process_name "
    "OUTPUT nirsoftFile | search nirsoftFile=true",
}


@pytest.fixture
def content(tmp_path: Path) -> Path:
    macros = tmp_path / "macros"
    macros.mkdir()
    for name, definition in MACROS.items():
        (macros / f"{name}.yml").write_text(
            f"definition: '{definition}'\ndescription: test\nname: {name}\n", encoding="utf-8"
        )
    (tmp_path / "detections").mkdir()
    return tmp_path


def detection(content: Path, search: str, status: str = "production", name: str = "t"):  # type: ignore[no-untyped-def]
    path = content / "detections" / f"{name}.yml"
    text = SPLUNK_DETECTION.format(
        name=name,
        id="00000000-0000-4000-8000-000000000001",
        status=status,
        search=search.replace("'", "''"),
    )
    path.write_text(text, encoding="utf-8")
    result = read_rule_file(str(path))
    assert result is not None and result.format == "splunk-yaml", result
    assert not result.error, result.error
    (rule,) = result.rules
    return rule


def keys(predicates) -> list[tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    return [(p.canonical_field, p.operator, p.value) for p in predicates]


def test_tstats_with_a_macro_and_not_exclusions(content: Path) -> None:
    rule = detection(
        content,
        "| tstats `security_content_summariesonly` count from datamodel=Endpoint.Processes "
        'where `process_net` Processes.process="* use *" NOT Processes.parent_process_name="svchost.exe" '
        "by Processes.dest | `drop_dm_object_name(Processes)` | `t_filter`",
    )
    assert rule.techniques == ["T1021.002"] and rule.events == ["cim:Endpoint.Processes"]
    assert keys(rule.indicators()) == [
        ("process.name", "eq", "net.exe"),
        ("process.pe.original_file_name", "eq", "net.exe"),
        ("process.command_line", "contains", " use "),
    ]
    assert keys(rule.exclusions()) == [("process.parent.name", "eq", "svchost.exe")]
    assert {p.line for p in rule.predicates()} == {9}


def test_raw_search_on_a_source_macro_with_in_and_where(content: Path) -> None:
    rule = detection(
        content,
        '`sysmon` EventCode=1 Image IN ("*\\\\psexec.exe", "*\\\\paexec.exe") '
        '| where like(CommandLine, "%-accepteula%") AND NOT match(ParentImage, "(?i)services") '
        "| stats count by Computer | where count > 5 | `t_filter`",
    )
    assert rule.events == ["sysmon:1"]
    found = keys(rule.indicators())
    assert ("event.code", "eq", "1") in found
    assert ("process.name", "eq", "psexec.exe") in found
    assert ("process.command_line", "contains", "-accepteula") in found
    assert all(f != "count" for f, _, _ in found)  # the aggregate is no event field
    assert keys(rule.exclusions()) == [("process.parent.executable", "regex_match", "(?i)services")]


def test_deprecated_detections_are_marked(content: Path) -> None:
    rule = detection(
        content, '`sysmon` EventCode=1 Image="*\\\\x.exe" | `t_filter`', status="deprecated"
    )
    assert rule.deprecated


def test_exclusion_snippet_is_spl_that_reads_back(content: Path) -> None:
    search = (
        "| tstats count from datamodel=Endpoint.Processes where Processes.process_name=net.exe "
        "by Processes.dest Processes.parent_process_name | `drop_dm_object_name(Processes)`"
    )
    rule = detection(content, search + " | `t_filter`")
    fix = ExclusionFix(
        "Processes.parent_process_name", "process.parent.name", "eq", "svchost.exe", "svchost.exe"
    )
    snippet = SplunkReader().exclusion_snippet(rule, [fix])
    assert snippet == '| search NOT parent_process_name="svchost.exe"'
    fixed = detection(content, search + " " + snippet + " | `t_filter`", name="fixed")
    assert keys(fixed.exclusions()) == [("process.parent.name", "eq", "svchost.exe")]


def test_a_data_field_that_folds_to_a_selector_name_is_a_predicate(content: Path) -> None:
    """Okta's ``eventType`` is a field; Splunk's ``eventtype=`` picks events."""
    rule = detection(content, "eventtype=okta_log eventType=user.session.start | `t_filter`")
    assert keys(rule.indicators()) == [("event.action", "eq", "user.session.start")]


def test_escaped_quotes_and_glued_parentheses_in_unquoted_values(content: Path) -> None:
    """Splunk reads ``*\\"privileged\\":true*`` and ``*GetCurrent()*`` as single terms."""
    rule = detection(
        content,
        'sourcetype=kube:objects:events verb=create spec=*\\"privileged\\":true* '
        "| stats count by verb | `t_filter`",
    )
    assert keys(rule.indicators())[-1] == ("spec", "contains", '"privileged":true')
    rule = detection(
        content,
        "| tstats count from datamodel=Endpoint.Processes where Processes.process_name=powershell.exe "
        "(Processes.process=*GetCurrent()* OR Processes.process=*WindowsIdentity*) "
        "by Processes.dest | `t_filter`",
    )
    assert ("process.command_line", "contains", "getcurrent()") in keys(rule.indicators())


def test_time_bounds_in_search_are_not_predicates(content: Path) -> None:
    rule = detection(
        content,
        "sourcetype=aws:cloudtrail eventName=RunInstances | stats count by _time userName "
        '| search count>5 AND _time >= relative_time(now(), "-10m@m") | `t_filter`',
    )
    assert [f for f, _, _ in keys(rule.predicates())] == ["event.action"]


def test_where_with_leading_dot_numbers_and_dot_concatenation(content: Path) -> None:
    rule = detection(
        content,
        "| tstats count from datamodel=Endpoint.Processes where Processes.process_name=x.exe "
        "by Processes.process_name Processes.original_file_name | `drop_dm_object_name(Processes)` "
        '| where NOT match(process_name, "(?i)".original_file_name) AND .25 > count | `t_filter`',
    )
    assert keys(rule.predicates()) == [("process.name", "eq", "x.exe")]


def test_join_subsearch_filters_are_the_other_side_of_the_rule(content: Path) -> None:
    """The subsearch's own filters count and its data model adds its event; the join key does not."""
    rule = detection(
        content,
        "| tstats count FROM datamodel=Endpoint.Processes where Processes.process_name=eventvwr.exe "
        "BY Processes.process_guid Processes.dest | `drop_dm_object_name(Processes)` "
        "| join process_guid [ | tstats count FROM datamodel=Endpoint.Registry "
        'WHERE (Registry.registry_path="*mscfile\\\\shell\\\\open\\\\command\\\\*") '
        "BY Registry.registry_path Registry.process_guid | `drop_dm_object_name(Registry)`] "
        "| where isnotnull(registry_path) | `t_filter`",
    )
    assert rule.events == ["cim:Endpoint.Processes", "cim:Endpoint.Registry"]
    assert keys(rule.predicates()) == [
        ("process.name", "eq", "eventvwr.exe"),
        ("registry.path", "contains", "mscfile\\shell\\open\\command\\"),
    ]
    assert getattr(rule.expression, "kind", "") == "join"
    assert not any("subsearch" in note for note in rule.notes)


def test_append_subsearch_without_a_leading_pipe(content: Path) -> None:
    rule = detection(
        content,
        "`sysmon` EventCode=1 Image=*\\\\a.exe | append [ search `sysmon` EventCode=3 "
        "DestinationPort=4444 | stats count by Image ] | stats count by Image | `t_filter`",
    )
    assert rule.events == ["sysmon:1", "sysmon:3"]
    assert ("destination.port", "eq", "4444") in keys(rule.predicates())


def test_a_lookup_used_as_a_filter_is_an_in_list_test_on_its_input_field(content: Path) -> None:
    """``lookup NAME f AS x OUTPUT y | where isnotnull(y)``: x is in list NAME (also via a macro)."""
    rule = detection(
        content,
        "| tstats count from datamodel=Endpoint.Processes by Processes.dest Processes.process_name "
        '| `drop_dm_object_name("Processes")` | `is_nirsoft_software_macro` | `t_filter`',
    )
    assert keys(rule.predicates()) == [("process.name", "in_list", "is_nirsoft_software")]
    (predicate,) = rule.predicates()
    assert (predicate.field, predicate.how, predicate.raw_value) == (
        "Processes.process_name",
        "in lookup",
        "is_nirsoft_software",
    )
    rule = detection(
        content,
        "| tstats count from datamodel=Endpoint.Processes by Processes.process Processes.dest "
        "| `drop_dm_object_name(Processes)` "
        "| lookup windows_protocol_handlers handler AS process OUTPUT handler ishandler "
        '| where ishandler="TRUE" | `t_filter`',
    )
    assert keys(rule.predicates()) == [
        ("process.command_line", "in_list", "windows_protocol_handlers")
    ]
    # isnull() of the output: the value is not in the list (an exclusion)
    rule = detection(
        content,
        "`sysmon` EventCode=1 | lookup allowed_tools tool AS Image OUTPUT tool AS known "
        "| where isnull(known) | `t_filter`",
    )
    assert keys(rule.exclusions()) == [("process.executable", "in_list", "allowed_tools")]


def test_a_lookup_on_a_derived_value_is_no_predicate(content: Path) -> None:
    rule = detection(
        content,
        "| tstats count from datamodel=Email by All_Email.src_user | `drop_dm_object_name(All_Email)` "
        '| eval domain=mvindex(split(src_user, "@"), 1) | lookup brand domain OUTPUT abuse '
        "| search abuse=true | `t_filter`",
    )
    assert rule.expression is None


def test_inputlookup_subsearch_in_a_search_is_an_in_list_test(content: Path) -> None:
    rule = detection(
        content,
        "| tstats count from datamodel=Endpoint.Processes where [| inputlookup linux_tools.csv "
        "| rename process as Processes.process | table Processes.process] by Processes.dest "
        "| `t_filter`",
    )
    assert keys(rule.predicates()) == [("process.command_line", "in_list", "linux_tools.csv")]


def test_rex_group_required_by_a_later_filter_or_stats_by_is_a_regex_on_its_field(
    content: Path,
) -> None:
    rule = detection(
        content,
        'sourcetype=bro:ssl:json | rex field=server_name "(?<snicat>(LIST|LS)-[A-Za-z0-9]{16}\\.)" '
        "| stats count by src_ip server_name snicat | `t_filter`",
    )
    assert keys(rule.predicates()) == [
        ("server_name", "regex_match", "(?<snicat>(LIST|LS)-[A-Za-z0-9]{16}\\.)")
    ]
    # no requirement when nothing needs the group, or after fillnull, or from an eval'd field
    for search in (
        'sourcetype=x | rex field=server_name "(?<g>a+)" | stats count by src_ip | `t_filter`',
        'sourcetype=x | rex field=server_name "(?<g>a+)" | fillnull | stats count by g | `t_filter`',
        'sourcetype=x | eval n=len(a) | rex field=n "(?<g>a+)" | search g=* | `t_filter`',
    ):
        assert detection(content, search).expression is None, search
    rule = detection(
        content,
        "| tstats count from datamodel=Endpoint.Filesystem by Filesystem.file_name "
        '| `drop_dm_object_name(Filesystem)` | rex field=file_name "(?<ext>\\.[^\\.]+)$" '
        "| search ext=.stubbin OR ext=.satoshi | `t_filter`",
    )
    assert keys(rule.predicates()) == [("file.name", "regex_match", "(?<ext>\\.[^\\.]+)$")]


def test_exclusion_fix_names_the_field_as_the_search_does_at_its_end(content: Path) -> None:
    """Raw Sysmon: the raw field (a name exclusion on the path field it carries); tstats: the
    name at the end of the pipeline, prefixed or not; a field no longer carried: no line."""
    name_fix = ExclusionFix(
        "Processes.process_name", "process.name", "eq", "aurora-agent.exe", "aurora-agent.exe"
    )
    raw = detection(
        content,
        "`sysmon` EventCode=10 TargetImage=*\\\\lsass.exe "
        "| stats count by dest SourceImage TargetImage | `t_filter`",
    )
    snippet = SplunkReader().exclusion_snippet(raw, [name_fix])
    assert snippet == '| search NOT SourceImage="*\\\\aurora-agent.exe"'
    parent = ExclusionFix(
        "Processes.parent_process_name", "process.parent.name", "eq", "svchost.exe", "svchost.exe"
    )
    prefixed = detection(
        content,
        "| tstats count from datamodel=Endpoint.Processes where Processes.process_name=net.exe "
        "by Processes.dest Processes.parent_process_name | `t_filter`",
    )
    assert (
        SplunkReader().exclusion_snippet(prefixed, [parent])
        == '| search NOT Processes.parent_process_name="svchost.exe"'
    )
    renamed = detection(
        content,
        "| tstats count from datamodel=Endpoint.Processes where Processes.process_name=net.exe "
        "by Processes.dest Processes.parent_process_name | `drop_dm_object_name(Processes)` "
        "| rename parent_process_name as parent | `t_filter`",
    )
    assert (
        SplunkReader().exclusion_snippet(renamed, [parent]) == '| search NOT parent="svchost.exe"'
    )
    # aggregated away: written for the tstats where clause, as the data model names it
    user = ExclusionFix("user", "user.name", "eq", "SYSTEM", "SYSTEM")
    assert SplunkReader().exclusion_snippet(renamed, [name_fix, user]) == (
        'NOT Processes.process_name="aurora-agent.exe" NOT Processes.user="SYSTEM" '
        '```at the end of the tstats where clause, before "by" (line 9)```'
    )
    fixed = detection(
        content,
        "| tstats count from datamodel=Endpoint.Processes where Processes.process_name=net.exe "
        + SplunkReader().exclusion_snippet(renamed, [user])  # type: ignore[operator]
        + " by Processes.dest Processes.parent_process_name | `t_filter`",
        name="fixed",
    )
    assert keys(fixed.exclusions()) == [("user.name", "eq", "system")]
    # a raw search that never names the field: no spelling to write it with
    assert SplunkReader().exclusion_snippet(raw, [user]) is None


def test_exclusion_fix_value_drops_a_peer_displays_spl_escapes_and_wildcards(
    content: Path,
) -> None:
    rule = detection(
        content,
        "`sysmon` EventCode=7 ImageLoaded=*\\\\evil.dll | stats count by dest ImageLoaded | `t_filter`",
    )
    fix = ExclusionFix(
        "ImageLoaded",
        "dll.path",
        "starts_with",
        "?:\\windows\\system32\\",
        "C:\\\\Windows\\\\System32\\\\*",
    )
    assert (
        SplunkReader().exclusion_snippet(rule, [fix])
        == '| search NOT ImageLoaded="C:\\\\Windows\\\\System32\\\\*"'
    )


def test_an_eval_if_flag_tested_later_is_its_condition(content: Path) -> None:
    """``eval x=if(cond, 1, 0) | where x=1`` is cond; ``x=0`` its negation; only exact conditions."""
    rule = detection(
        content,
        "| tstats count from datamodel=Certificates.All_Certificates "
        "by All_Certificates.SSL.ssl_issuer_email_domain | `drop_dm_object_name(All_Certificates.SSL)` "
        '| eval punycode=if(like(ssl_issuer_email_domain, "%xn--%"), 1, 0) | where punycode=1 '
        "| `t_filter`",
    )
    assert [(p.field, p.operator, p.value) for p in rule.indicators()] == [
        ("All_Certificates.SSL.ssl_issuer_email_domain", "contains", "xn--")
    ]
    rule = detection(
        content,
        "| tstats count from datamodel=Endpoint.Processes by Processes.process_name "
        '| `drop_dm_object_name(Processes)` | eval endExe=if(substr(process_name, -4) == ".exe", 1, 0) '
        '| eval signed=if(match(process_name, "^svc"), "yes", "no") | search endExe=1 signed="no" '
        "| `t_filter`",
    )
    assert keys(rule.indicators()) == [("process.name", "ends_with", ".exe")]
    assert keys(rule.exclusions()) == [("process.name", "regex_match", "^svc")]
    # a condition on a derived value is not read
    rule = detection(
        content,
        "`sysmon` EventCode=1 | stats count by Image | eval many=if(count > 5, 1, 0) "
        "| where many=1 | `t_filter`",
    )
    assert keys(rule.predicates()) == [("event.code", "eq", "1")]


def test_an_inner_join_key_from_a_rex_group_requires_the_regex(content: Path) -> None:
    rule = detection(
        content,
        '| from datamodel Web.Web | rex field=_raw max_match=0 "jndi:(?<proto>\\\\w+)://(?<host>[\\\\w.]+)" '
        "| join host type=inner [| tstats count from datamodel=Network_Traffic.All_Traffic "
        "by All_Traffic.dest | rename All_Traffic.dest AS host] | `t_filter`",
    )
    assert keys(rule.predicates()) == [
        ("_raw", "regex_match", "jndi:(?<proto>\\w+)://(?<host>[\\w.]+)")
    ]
    left = detection(
        content,
        '| from datamodel Web.Web | rex field=_raw "jndi:(?<host>[\\\\w.]+)" '
        "| join type=left host [| tstats count from datamodel=Network_Traffic.All_Traffic "
        "by All_Traffic.dest | rename All_Traffic.dest AS host] | `t_filter`",
    )
    assert left.expression is None


def test_where_not_on_a_lookup_output_still_needs_the_lookup_match(content: Path) -> None:
    """In eval a null fails ``NOT y="x"`` too; in search ``NOT y=x`` keeps events without y."""
    where = detection(
        content,
        "`sysmon` EventCode=1 | lookup tools name AS Image OUTPUT kind "
        '| where NOT kind="benign" | `t_filter`',
    )
    assert keys(where.indicators())[-1] == ("process.executable", "in_list", "tools")
    search = detection(
        content,
        "`sysmon` EventCode=1 | lookup tools name AS Image OUTPUT kind "
        '| search NOT kind="benign" | `t_filter`',
    )
    assert keys(search.exclusions()) == [("process.executable", "in_list", "tools")]


def test_a_search_without_predicates_says_why(content: Path) -> None:
    cases = {
        "| tstats count from datamodel=Network_Resolution by DNS.query "
        "| `drop_dm_object_name(DNS)` | apply dga_model | where dga_score > 0.5": "machine-learning",
        "| tstats dc(Processes.dest) as hosts from datamodel=Endpoint.Processes "
        "by Processes.process_name | search hosts < 10": "values the search computes",
        "sourcetype=WinEventLog:DriverInventory | stats count by host Path": "by source only",
    }
    for search, why in cases.items():
        rule = detection(content, search + " | `t_filter`")
        assert rule.expression is None and why in rule.notes[-1], (search, rule.notes)


def test_fix_fields_come_from_the_main_pipeline_not_a_subsearch(content: Path) -> None:
    """A join's subsearch runs inside the main pipeline; where a fix line goes is decided by the
    main pipeline's names at its end."""
    rule = detection(
        content,
        "| tstats count from datamodel=Endpoint.Processes where Processes.process_name=net.exe "
        "by Processes.parent_process_name Processes.process_guid "
        "| join Processes.process_guid [| tstats count from datamodel=Endpoint.Registry "
        'where Registry.registry_path="*\\\\Run\\\\*" by Registry.process_guid Registry.registry_value_name '
        "| rename Registry.process_guid AS Processes.process_guid]",
    )
    fields = rule.extra["fix_fields"]
    assert fields.get("process.parent.name") == "Processes.parent_process_name"
    assert "registry.path" not in fields
