"""Kusto (KQL) reader: grammar forms on hand-written queries, the three containers, fixes."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from rulelint.formats import detect_format, read_rule_file
from rulelint.formats.base import ExclusionFix
from rulelint.formats.errors import RuleReadError
from rulelint.formats.kusto.reader import KqlFileReader, KqlMarkdownReader, SentinelReader
from rulelint.model import And, Not, Or

KQL = KqlFileReader()


def read(query: str):  # type: ignore[no-untyped-def]
    rules = KQL.read("/rules/q.kql", textwrap.dedent(query).lstrip())
    assert len(rules) == 1
    return rules[0]


def keys(predicates) -> list[tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    return [(p.canonical_field, p.operator, p.value) for p in predicates]


def test_operators_tables_and_lines() -> None:
    rule = read(
        """
        DeviceProcessEvents
        | where FileName =~ "net.exe" and ProcessCommandLine has " use "
        | where ProcessCommandLine contains_cs "ADMIN$" or ProcessCommandLine startswith "net"
        | where FolderPath endswith @"\\System32\\net.exe"
        | where ProcessCommandLine matches regex @"\\\\[a-z]+\\c\\$"
        | where isnotempty(AccountName) and RemotePort between (1 .. 1024)
        """
    )
    assert rule.events == ["mde:DeviceProcessEvents"] and rule.platforms == ["windows"]
    indicators = rule.indicators()
    assert keys(indicators)[:4] == [
        ("process.name", "eq", "net.exe"),
        ("process.command_line", "contains", " use "),
        ("process.command_line", "contains", "ADMIN$"),
        ("process.command_line", "starts_with", "net"),
    ]
    assert [p.line for p in indicators[:4]] == [2, 2, 3, 3]
    assert indicators[2].cased and not indicators[0].cased
    assert ("process.executable", "ends_with", "\\system32\\net.exe") in keys(indicators)
    assert ("process.command_line", "regex_match", "\\\\[a-z]+\\c\\$") in keys(indicators)
    assert ("user.name", "is_not_null", None) in keys(indicators)
    assert ("destination.port", "ge", "1") in keys(indicators)


def test_negated_filters_are_exclusions() -> None:
    rule = read(
        """
        DeviceProcessEvents
        | where FileName in~ ("net.exe", "net1.exe")
        | where InitiatingProcessFileName !in~ ("svchost.exe", "services.exe")
        | where not(ProcessCommandLine has "/delete") and AccountName != "SYSTEM"
        | where ProcessCommandLine !contains "localhost"
        """
    )
    assert keys(rule.indicators()) == [
        ("process.name", "eq", "net.exe"),
        ("process.name", "eq", "net1.exe"),
    ]
    assert keys(rule.exclusions()) == [
        ("process.parent.name", "eq", "svchost.exe"),
        ("process.parent.name", "eq", "services.exe"),
        ("process.command_line", "contains", "/delete"),
        ("user.name", "eq", "SYSTEM"),
        ("process.command_line", "contains", "localhost"),
    ]
    assert all(isinstance(c, Not) for c in rule.expression.children[1:])  # type: ignore[union-attr]


def test_let_lists_scalars_and_has_any() -> None:
    rule = read(
        """
        let tools = dynamic(["psexec.exe", "paexec.exe"]);
        let port = 445;
        let flags = datatable(f: string) ["-accepteula", "-s"];
        DeviceNetworkEvents
        | where InitiatingProcessFileName in~ (tools) and RemotePort == port
        | where InitiatingProcessCommandLine has_any (flags)
        """
    )
    assert rule.events == ["mde:DeviceNetworkEvents"]
    assert keys(rule.indicators()) == [
        ("process.name", "eq", "psexec.exe"),
        ("process.name", "eq", "paexec.exe"),
        ("destination.port", "eq", "445"),
        ("process.command_line", "contains", "-accepteula"),
        ("process.command_line", "contains", "-s"),
    ]


def test_summarize_and_extend_columns_are_not_event_fields() -> None:
    rule = read(
        """
        SecurityEvent
        | where EventID == 4625 and LogonType == 3
        | extend Target = strcat(TargetDomainName, "/", TargetUserName)
        | where Target != "CONTOSO/guest"
        | summarize Failures = count() by IpAddress, TargetUserName
        | where Failures > 10 and TargetUserName !startswith "svc_"
        """
    )
    assert rule.events == ["security:4625"]
    assert keys(rule.indicators()) == [
        ("event.code", "eq", "4625"),
        ("winlog.logon.type", "eq", "3"),
    ]
    # the by-column still holds event values; the aggregate and the computed column do not
    assert keys(rule.exclusions()) == [("user.name", "starts_with", "svc_")]


def test_a_column_copied_by_extend_or_rename_is_its_source_column() -> None:
    rule = read(
        """
        CloudAppEvents
        | extend Operation = tostring(RawEventData.Operation)
        | extend Params = parse_json(tostring(RawEventData.Parameters))
        | extend CmdLower = tolower(AccountDisplayName)
        | project-rename Actor = AccountObjectId
        | where Operation == "Add-MailboxPermission" and CmdLower has "admin"
        | where tostring(Params[2].Value) =~ "FullAccess" and isnotempty(Actor)
        | extend Operation = strcat(Application, Operation)
        | where Operation has "Exchange"
        """
    )
    found = [(p.field, p.operator, p.value, p.cased) for p in rule.predicates()]
    assert found == [
        ("RawEventData.Operation", "eq", "Add-MailboxPermission", True),
        ("AccountDisplayName", "contains", "admin", False),
        ("RawEventData.Parameters.Value", "eq", "fullaccess", False),
        ("AccountObjectId", "is_not_null", None, False),
    ]  # the last Operation is computed again: no predicate


def test_arg_max_star_keeps_event_rows() -> None:
    rule = read(
        """
        IdentityInfo
        | where TimeGenerated > ago(21d)
        | summarize arg_max(TimeGenerated, *) by AccountUPN
        | where BlastRadius == "High" and isnotempty(AssignedRoles)
        | summarize Roles = make_set(AssignedRoles) by Department
        | where Roles has "Global Administrator" and Department == "IT"
        """
    )
    found = [(p.field, p.operator, p.value) for p in rule.predicates()]
    assert found == [
        ("BlastRadius", "eq", "High"),
        ("AssignedRoles", "is_not_null", None),
        ("Department", "eq", "IT"),
    ]


def test_union_and_join_sides() -> None:
    rule = read(
        """
        union
            (DeviceProcessEvents | where FileName =~ "certutil.exe"),
            (DeviceProcessEvents | where FileName =~ "bitsadmin.exe")
        | join kind=inner (DeviceNetworkEvents | where RemotePort == 443) on DeviceId
        """
    )
    assert set(rule.events) == {"mde:DeviceProcessEvents", "mde:DeviceNetworkEvents"}
    assert keys(rule.indicators()) == [
        ("process.name", "eq", "certutil.exe"),
        ("process.name", "eq", "bitsadmin.exe"),
        ("destination.port", "eq", "443"),
    ]


def test_asim_functions_and_sentinel_tables() -> None:
    rule = read('imProcessCreate | where TargetProcessName endswith "\\\\rundll32.exe"\n')
    assert rule.events == ["asim:ProcessEvent"]
    assert keys(rule.indicators()) == [("process.name", "eq", "rundll32.exe")]
    rule = read(
        'AWSCloudTrail | where EventName == "ConsoleLogin" and UserIdentityType == "Root"\n'
    )
    assert rule.events == ["aws:cloudtrail"]
    assert keys(rule.indicators()) == [
        ("event.action", "eq", "ConsoleLogin"),
        ("aws.cloudtrail.user_identity.type", "eq", "Root"),
    ]


def test_action_types_name_the_event() -> None:
    rule = read('DeviceEvents | where ActionType == "PowerShellCommand"\n')
    assert rule.events == ["mde:PowerShellCommand"]


def test_syntax_error_has_the_file_line(tmp_path: Path) -> None:
    with pytest.raises(RuleReadError) as caught:
        KQL.read("/rules/q.kql", "// a comment\nDeviceProcessEvents\n| where FileName == \n")
    assert caught.value.line == 3 and "KQL" in str(caught.value)


SENTINEL = """\
id: 5a0c1d2e-0000-4000-8000-000000000001
name: Remote service creation via sc.exe
description: |
  sc.exe creating a service on a remote host.
severity: Medium
requiredDataConnectors:
  - connectorId: SecurityEvents
    dataTypes:
      - SecurityEvent
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
tactics:
  - LateralMovement
relevantTechniques:
  - T1021.002
  - T1569
query: |
  SecurityEvent
  | where EventID == 4688
  | where NewProcessName endswith "\\\\sc.exe" and CommandLine has "create"
  | where ParentProcessName !endswith "\\\\services.exe"
version: 1.0.0
kind: Scheduled
"""


def test_sentinel_yaml(tmp_path: Path) -> None:
    path = tmp_path / "rule.yaml"
    path.write_text(SENTINEL, encoding="utf-8")
    result = read_rule_file(str(path))
    assert result is not None and result.format == "sentinel-yaml" and not result.error
    (rule,) = result.rules
    assert rule.title == "Remote service creation via sc.exe" and rule.level == "medium"
    assert rule.techniques == ["T1021.002", "T1569"] and rule.tactics == ["LateralMovement"]
    assert [t.line for t in rule.attack_tags] == [17, 18]
    assert rule.events == ["security:4688"]
    assert [(p.canonical_field, p.value, p.line) for p in rule.indicators()] == [
        ("event.code", "4688", 21),
        ("process.name", "sc.exe", 22),
        ("process.command_line", "create", 22),
    ]
    assert [(p.canonical_field, p.value, p.line) for p in rule.exclusions()] == [
        ("process.parent.name", "services.exe", 23)
    ]


def test_sentinel_stub_without_query_is_a_clear_error() -> None:
    with pytest.raises(RuleReadError, match="no query"):
        SentinelReader().read("x.yaml", "id: x\nname: moved\nquery: ''\nkind: Scheduled\n")


MARKDOWN = """\
# Rare ISO mounted, then executed

## Defender XDR
| Technique ID | Title |
| --- | --- |
| T1553.005 | Mark-of-the-Web Bypass |

```KQL
DeviceFileEvents
| where FileName endswith ".iso"
```

## Sentinel
```kql
DeviceProcessEvents
| where FolderPath startswith "E:\\\\" and InitiatingProcessFileName =~ "explorer.exe"
```

```powershell
Get-Item x
```
"""


def test_markdown_blocks_are_rules_with_the_pages_techniques(tmp_path: Path) -> None:
    path = tmp_path / "page.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    result = read_rule_file(str(path))
    assert result is not None and result.format == "kql-markdown" and not result.error
    first, second = result.rules
    assert first.techniques == second.techniques == ["T1553.005"]
    assert first.events == ["mde:DeviceFileEvents"] and second.events == ["mde:DeviceProcessEvents"]
    assert [(p.canonical_field, p.operator, p.value, p.line) for p in first.indicators()] == [
        ("file.name", "ends_with", ".iso", 10)
    ]
    assert second.indicators()[0].line == 16
    assert first.id.endswith("#1") and second.id.endswith("#2")


def test_sniffing_claims_only_kql(tmp_path: Path) -> None:
    assert detect_format("x.md", "# readme\n\n```bash\nls\n```\n") is None
    assert detect_format("notes.txt", "just some notes\n") is None
    assert detect_format(
        "q.txt", "DeviceProcessEvents\n| where FileName == 'x'\n"
    ) is KQL.__class__() or (
        detect_format("q.txt", "DeviceProcessEvents\n| where FileName == 'x'\n").format == "kql"  # type: ignore[union-attr]
    )
    sigma = "title: t\nlogsource: {product: windows}\ndetection:\n  s: {a: b}\n  condition: s\n"
    assert detect_format("r.yml", sigma).format == "sigma"  # type: ignore[union-attr]
    assert detect_format("r.yaml", SENTINEL).format == "sentinel-yaml"  # type: ignore[union-attr]


def test_exclusion_snippet_is_kql_that_reads_back() -> None:
    rule = read('DeviceProcessEvents\n| where FileName =~ "net.exe"\n')
    fixes = [
        ExclusionFix(
            "InitiatingProcessFileName", "process.parent.name", "eq", "svchost.exe", "svchost.exe"
        ),
        ExclusionFix(
            "FolderPath", "process.executable", "starts_with", "c:\\windows\\", "C:\\Windows\\"
        ),
    ]
    snippet = KQL.exclusion_snippet(rule, fixes)
    assert snippet == (
        '| where InitiatingProcessFileName !~ "svchost.exe"\n| where FolderPath !startswith @"C:\\Windows\\"'
    )
    fixed = read('DeviceProcessEvents\n| where FileName =~ "net.exe"\n' + snippet + "\n")
    assert keys(fixed.exclusions()) == [
        ("process.parent.name", "eq", "svchost.exe"),
        ("process.executable", "starts_with", "?:\\windows\\"),
    ]


def test_asim_parser_parameters_are_filters() -> None:
    rule = read(
        """
        let discord = dynamic(["cdn.discordapp.com", "media.discordapp.net"]);
        _Im_WebSession(starttime=ago(1h), url_has_any=discord, eventresult='Success')
        | where HttpUserAgent has "curl"
        """
    )
    assert rule.events == ["asim:WebSession"]
    found = [(p.field, p.operator, p.value) for p in rule.predicates()]
    assert found == [
        ("Url", "contains", "cdn.discordapp.com"),
        ("Url", "contains", "media.discordapp.net"),
        ("EventResult", "eq", "success"),
        ("HttpUserAgent", "contains", "curl"),
    ]
    dns = read("_Im_Dns(responsecodename='NXDOMAIN')\n| summarize count() by SrcIpAddr\n")
    assert keys(dns.predicates()) == [("dns.response_code", "eq", "nxdomain")]


def test_sub_query_filters_of_in_lists_are_the_rules() -> None:
    rule = read(
        """
        let devices = DeviceNetworkEvents
            | where ActionType == "InboundConnectionAccepted"
            | where LocalPort in ("139", "445")
            | distinct DeviceId;
        DeviceInfo
        | where OSPlatform startswith "Windows"
        | where DeviceId !in (devices) and DeviceName !in (devices)
        | where DeviceId in ((AlertEvidence | where Title has "ransom" | distinct DeviceId))
        """
    )
    found = [(p.field, p.operator, p.value) for p in rule.predicates()]
    assert found == [
        ("OSPlatform", "starts_with", "windows"),
        ("ActionType", "eq", "InboundConnectionAccepted"),
        ("LocalPort", "eq", "139"),
        ("LocalPort", "eq", "445"),
        ("Title", "contains", "ransom"),
    ]  # the sub-query read twice counts once; its filters are not negated by !in
    assert rule.events == ["mde:DeviceInfo", "mde:DeviceNetworkEvents", "mde:AlertInfo"]
    assert rule.exclusions() == []
    # a feed's own filters are no filter of the rule's events: the column is in the feed's list
    feed = read(
        """
        let feed = externaldata(Domain: string)[@"https://example.org/domains.txt"] with (format="txt");
        let known = feed | where Domain endswith ".ru" | distinct Domain;
        DeviceNetworkEvents
        | where RemoteUrl has_any (known)
        """
    )
    assert keys([feed.expression]) == [
        ("destination.domain", "in_list", "externaldata:domains.txt")
    ]


def test_a_union_leg_reading_no_table_adds_no_events() -> None:
    rule = read(
        """
        union isfuzzy=true
          (datatable(TimeGenerated:datetime)[]),
          (imDns | where DnsQuery has_any ("xmrpool.eu", "minexmr.com"))
        """
    )
    assert [p.value for p in rule.predicates()] == ["xmrpool.eu", "minexmr.com"]
    unfiltered = read("union (DeviceEvents | where ActionType == 'x'), DeviceProcessEvents\n")
    assert unfiltered.expression is None  # the second leg matches its whole table


def test_a_function_call_binds_its_parameters() -> None:
    rule = read(
        """
        let Scan = (DeviceIdInput: string, Kind: string = "Full") {
            DeviceTvmInfoGathering
            | where DeviceId == DeviceIdInput and AdditionalFields has Kind
        };
        Scan("70da955b16e5")
        """
    )
    assert [(p.field, p.value) for p in rule.predicates()] == [
        ("DeviceId", "70da955b16e5"),
        ("AdditionalFields", "full"),
    ]
    unbound = read(
        """
        let Scan = (DeviceIdInput: string, Strict: bool) {
            DeviceTvmInfoGathering
            | where DeviceId == DeviceIdInput and Strict and isnotempty(DeviceIdInput)
            | where OSPlatform == "Windows10"
        };
        Scan
        """
    )
    # parameters without a value are no columns
    assert [(p.field, p.value) for p in unbound.predicates()] == [("OSPlatform", "Windows10")]


def test_a_boolean_column_and_a_one_item_dynamic_array() -> None:
    rule = read(
        """
        DeviceInfo
        | where IsInternetFacing and not(IsExcluded) and true
        | where DeviceCategory in (dynamic(["Endpoint"]))
        """
    )
    found = [(p.field, p.operator, p.value) for p in rule.predicates()]
    assert found == [
        ("IsInternetFacing", "eq", "true"),
        ("IsExcluded", "eq", "true"),
        ("DeviceCategory", "eq", "Endpoint"),
    ]
    assert [(p.field, p.value) for p in rule.exclusions()] == [("IsExcluded", "true")]


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        (
            "SigninLogs\n| where TimeGenerated > ago(7d)\n| summarize count() by AppDisplayName\n",
            "its filters test the time window",
        ),
        ("SigninLogs\n| summarize count() by UserAgent\n", "statistics only"),
        (
            "SigninLogs\n| summarize Apps = dcount(AppId) by UserPrincipalName\n"
            "| where Apps > 10\n",
            "its filters test computed columns",
        ),
        (
            "let seen = toscalar(SigninLogs | summarize make_set(IPAddress));\n"
            "SigninLogs\n| where IPAddress !in (seen)\n",
            "its filters test values from data",
        ),
        ("union withsource=T *\n| summarize count() by T\n", "reads every table"),
    ],
)
def test_a_query_without_predicates_says_why(query: str, reason: str) -> None:
    rule = read(query)
    assert rule.expression is None
    assert any(n.startswith(f"no filter on event columns: {reason}") for n in rule.notes), (
        rule.notes
    )


def test_ipv4_is_private_is_a_cidr_test() -> None:
    rule = read(
        """
        _Im_NetworkSession
        | where ipv4_is_private(SrcIpAddr) == False and not(ipv4_is_private(DstIpAddr))
        | where ipv4_is_private(DvcIpAddr) == true
        """
    )
    assert [(p.field, p.operator, p.value) for p in rule.exclusions()] == [
        ("SrcIpAddr", "cidr_match", "10.0.0.0/8"),
        ("SrcIpAddr", "cidr_match", "172.16.0.0/12"),
        ("SrcIpAddr", "cidr_match", "192.168.0.0/16"),
        ("DstIpAddr", "cidr_match", "10.0.0.0/8"),
        ("DstIpAddr", "cidr_match", "172.16.0.0/12"),
        ("DstIpAddr", "cidr_match", "192.168.0.0/16"),
    ]
    assert [p.value for p in rule.indicators()] == ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"]


def test_a_union_stage_is_an_alternative_to_the_pipeline_before_it() -> None:
    rule = read(
        """
        DeviceProcessEvents
        | where FileName =~ "rclone.exe"
        | union (DeviceNetworkEvents | where RemoteUrl endswith "mega.nz")
        | where isnotempty(DeviceName)
        """
    )
    assert rule.events == ["mde:DeviceProcessEvents", "mde:DeviceNetworkEvents"]
    expression = rule.expression
    assert isinstance(expression, And) and isinstance(expression.children[0], Or)
    assert [p.value for p in rule.predicates()] == ["rclone.exe", "mega.nz", None]
    unfiltered = read(
        "DeviceProcessEvents\n| union (DeviceNetworkEvents | where RemotePort == 4444)\n"
    )
    assert unfiltered.expression is None  # the first side matches its whole table


def test_a_union_leg_is_read_with_its_own_columns() -> None:
    rule = read(
        """
        let a = IdentityQueryEvents | where ActionType == "DNS query" | summarize by QueryTarget;
        let b = DeviceNetworkEvents | where RemoteUrl !has "/" | summarize by RemoteUrl;
        a | union b
        """
    )
    assert [(p.field, p.value) for p in rule.predicates()] == [
        ("ActionType", "DNS query"),
        ("RemoteUrl", "/"),
    ]  # b's filter is on b's events, not on a's aggregated columns


def test_columns_a_parse_defines_are_computed() -> None:
    rule = read(
        """
        CommonSecurityLog
        | parse Message with * '(' DNSName ')' *
        | where DNSName in~ ("avsvmcloud.com") or DestinationHostName has "avsvmcloud.com"
        | where DeviceVendor == "Fortinet"
        """
    )
    # DNSName is cut out of Message: the Or has an alternative that is no event column
    assert [(p.field, p.value) for p in rule.predicates()] == [("DeviceVendor", "Fortinet")]


def test_an_opaque_stage_ends_at_a_blank_line_before_the_next_query() -> None:
    text = textwrap.dedent(
        """
        CloudAppEvents
        | where Application == "Microsoft Exchange Online"
        | evaluate pivot(ActionType, count(), AccountId)

        CloudAppEvents
        | where AccountId in~ ("admin1@contoso.com", "admin2@contoso.com")
        | evaluate pivot(ActionType, count(), AccountId)
        """
    ).lstrip()
    rules = KQL.read("/rules/q.kql", text)
    assert [(r.line, [p.value for p in r.predicates()]) for r in rules] == [
        (1, ["Microsoft Exchange Online"]),
        (5, ["admin1@contoso.com", "admin2@contoso.com"]),
    ]


def test_a_schema_may_end_with_a_comma() -> None:
    rule = read(
        """
        let groups = externaldata(name: string, locations: dynamic, meta: string,)
            [h@"https://api.ransomware.live/groups"] with (format="multijson");
        DeviceNetworkEvents
        | where RemoteUrl endswith ".onion.ly"
        """
    )
    assert [p.value for p in rule.predicates()] == [".onion.ly"]


def test_markdown_unlabeled_and_unclosed_fences() -> None:
    page = textwrap.dedent(
        """
        # Shadow copy deletion
        ```
        ls -la | grep vss
        ```
        ## Defender XDR
        ```
        DeviceProcessEvents
        | where ProcessCommandLine has "vssadmin" and ProcessCommandLine has "delete"
        ```
        ## Sentinel
        ```KQL
        SecurityEvent
        | where EventID == 4688 and CommandLine has "vssadmin"
        """
    ).lstrip()
    reader = KqlMarkdownReader()
    assert reader.sniff("/hunt/shadow.md", page.split("## Sentinel")[0])  # unlabeled fences only
    assert not reader.sniff("/docs/readme.md", "# Tools\n```\nls | grep vss\n```\n")
    rules = reader.read("/hunt/shadow.md", page)
    assert [(r.line, r.events) for r in rules] == [
        (7, ["mde:DeviceProcessEvents"]),
        (12, ["security:4688"]),
    ]  # the shell fence is no query; the last fence, left open, runs to the end of the page


def test_a_txt_query_with_a_zero_width_space_or_comments_before_its_first_pipe() -> None:
    pasted = '// alerts on deleted backups\n\u200b AlertInfo \n| where Title == "File backups were deleted"\n'
    commented = (
        "DeviceProcessEvents\n// Pro-tip: filter on the file name\n"
        '| where FileName in~ ("net.exe", "net1.exe")\n'
    )
    union = '\u200b// implant events\nunion DeviceProcessEvents, DeviceFileEvents\n| where SHA1 == "e01c"\n'
    for text, value in (
        (pasted, "File backups were deleted"),
        (commented, "net.exe"),
        (union, "e01c"),
    ):
        assert KQL.sniff("/hunting/q.txt", text)
        (rule,) = KQL.read("/hunting/q.txt", text)
        assert rule.predicates()[0].value == value
    assert not KQL.sniff(
        "/hunting/readme.txt", "This folder holds dashboards | where to find them\n"
    )


def test_markdown_fences_with_crlf_and_a_wrong_language_label() -> None:
    page = (
        "# T1021\r\n```C#\r\nDeviceNetworkEvents\r\n| where RemotePort == 135\r\n```\r\n\r\n"
        "## Considerations\r\nNone.\r\n"
    )
    reader = KqlMarkdownReader()
    assert reader.sniff("/hunts/T1021.md", page)
    (rule,) = reader.read("/hunts/T1021.md", page)
    assert [(p.canonical_field, p.value) for p in rule.predicates()] == [
        ("destination.port", "135")
    ]
    assert not rule.notes  # the closing fence ends the query: the prose after it is no KQL


def test_mv_apply_filters_test_the_expanded_column() -> None:
    rule = read(
        """
        OfficeActivity
        | where Operation =~ "New-InboxRule"
        | mv-apply p = todynamic(Parameters) on (
            where p.Name == "DeleteMessage"
            | extend Deletes = tostring(p.Value)
            | summarize Values = make_set(Deletes)
            )
        | where Values has "True" and UserId endswith "@contoso.com"
        """
    )
    found = [(p.field, p.operator, p.value) for p in rule.predicates()]
    assert found == [
        ("Operation", "eq", "new-inboxrule"),
        ("Parameters.Name", "eq", "DeleteMessage"),
        ("UserId", "ends_with", "@contoso.com"),
    ]  # the sub-query's aggregate is computed; the row's own columns still hold event values


def test_conditions_on_the_querys_own_constants_are_evaluated() -> None:
    query = """
        let MaliciousFileSHA1 = "{sha1}";
        let MaliciousFileName = "Invoice.EXE";
        DeviceFileEvents
        | where (not(isempty(MaliciousFileSHA1)) and SHA1 == MaliciousFileSHA1)
            or (isempty(MaliciousFileSHA1) and tolower(FileName) == tolower(MaliciousFileName))
        """
    by_hash = read(query.replace("{sha1}", "e14f7ed43ab3ae9d31680eb74b043339eb6f87e7"))
    assert keys(by_hash.predicates()) == [
        ("file.hash.sha1", "eq", "e14f7ed43ab3ae9d31680eb74b043339eb6f87e7")
    ]
    by_name = read(query.replace("{sha1}", ""))
    assert [(p.field, p.operator, p.value) for p in by_name.predicates()] == [
        ("FileName", "eq", "invoice.exe")
    ]


def test_parse_captures_that_read_a_named_field() -> None:
    rule = read(
        """
        Event
        | where Source == "Microsoft-Windows-Sysmon" and EventID == 13
        | parse EventData with * 'TargetObject">' TargetObject "<" * 'Details">' Details "<" *
        | where TargetObject has "UseLogonCredential" and Details == "DWORD (0x00000001)"
        | parse RenderedDescription with * "KeyUsage=" keyUsage:string "," *
        | parse Message with * "(" DNSName ")" *
        | extend Props = strcat(AdditionalData, Message)
        | parse Props with * "Rule" Rule '}' *
        | where keyUsage == "Verify" and DNSName == "evil.com" and Rule has "x"
        """
    )
    found = [(p.field, p.operator, p.value) for p in rule.predicates()]
    assert found[2:] == [
        ("TargetObject", "contains", "uselogoncredential"),
        ("Details", "eq", "DWORD (0x00000001)"),
        ("RenderedDescription.KeyUsage", "eq", "Verify"),
    ]  # an EventData element is the event's field; "(" labels nothing; Props is computed


def test_lists_from_data_are_in_list_tests() -> None:
    rule = read(
        """
        let feed = externaldata(Sha256: string)
            [@"https://example.org/iocs/emotet_hashes.csv?raw=true"] with (format="csv");
        let hashes = feed | where isnotempty(Sha256) | distinct Sha256;
        let admins = _GetWatchlist("AdminAccounts") | project SearchKey;
        DeviceProcessEvents
        | where SHA256 in (hashes) or InitiatingProcessSHA256 in~ (hashes)
        | where AccountName !in (admins)
        | where DeviceName has_any (HighValueHosts())
        """
    )
    assert [(p.field, p.operator, p.value) for p in rule.indicators()] == [
        ("SHA256", "in_list", "externaldata:emotet_hashes.csv"),
        ("InitiatingProcessSHA256", "in_list", "externaldata:emotet_hashes.csv"),
        ("DeviceName", "in_list", "function:HighValueHosts"),
    ]
    assert keys(rule.exclusions()) == [("user.name", "in_list", "watchlist:AdminAccounts")]
    assert all(p.cased for p in rule.predicates())  # a list's name is kept as written
    assert rule.events == ["mde:DeviceProcessEvents"]  # the feed's own filter is not the rule's
    # a column the query computes is no event column: no in_list on it
    computed = read(
        """
        let feed = externaldata(Domain: string)[@"https://example.org/domains.txt"];
        DeviceNetworkEvents
        | extend Domain = tostring(split(RemoteUrl, "/")[2])
        | where Domain in (feed)
        """
    )
    assert computed.expression is None


def test_an_asim_parameter_bound_to_lists_from_data() -> None:
    rule = read(
        """
        let known = materialize(externaldata(UserAgent: string, Category: string)
            [@"https://example.org/Feeds/UnusualUserAgents.csv"] with (format="csv"));
        let knownAgents = toscalar(known | where Category == "Powershell" | summarize make_list(UserAgent));
        let customAgents = toscalar(_GetWatchlist("UnusualUserAgents") | summarize make_list(SearchKey));
        imWebSession(httpuseragent_has_any=array_concat(knownAgents, customAgents), eventresult="Success")
        | project SrcIpAddr, Url, HttpUserAgent
        """
    )
    found = [(p.field, p.operator, p.value) for p in rule.predicates()]
    assert found == [
        ("HttpUserAgent", "in_list", "externaldata:UnusualUserAgents.csv"),
        ("HttpUserAgent", "in_list", "watchlist:UnusualUserAgents"),
        ("EventResult", "eq", "success"),
    ]
    assert isinstance(rule.expression, And) and isinstance(rule.expression.children[0], Or)


def test_joins_on_a_key_from_a_threat_intel_table() -> None:
    rule = read(
        """
        let indicators = ThreatIntelligenceIndicator
            | where Active == true and isnotempty(NetworkIP)
            | summarize arg_max(TimeGenerated, *) by IndicatorId;
        SigninLogs
        | where ResultType == 0
        | join kind=innerunique indicators on $left.IPAddress == $right.NetworkIP
        | join kind=leftanti (_GetWatchlist("TrustedIPs") | project IPAddress = SearchKey) on IPAddress
        | join kind=leftouter (externaldata(Ip: string)[@"https://example.org/geo.csv"]) on $left.IPAddress == $right.Ip
        """
    )
    assert [(p.field, p.operator, p.value) for p in rule.indicators()] == [
        ("ResultType", "eq", "0"),
        ("IPAddress", "in_list", "table:ThreatIntelligenceIndicator"),
    ]
    assert [(p.field, p.operator, p.value) for p in rule.exclusions()] == [
        ("IPAddress", "in_list", "watchlist:TrustedIPs")
    ]  # a leftouter join only enriches; the indicators' own filters are no event filter
    assert rule.events == ["azure:signinlogs"]
    # the list on the left side: the right side's key column is in it
    left = read(
        """
        ThreatIntelligenceIndicator
        | where isnotempty(DomainName)
        | join kind=inner (DeviceNetworkEvents | where ActionType == "ConnectionSuccess")
            on $left.DomainName == $right.RemoteUrl
        | join kind=inner (DeviceInfo | distinct DeviceId, PublicIP) on DeviceId
        """
    )
    found = [(p.field, p.operator, p.value) for p in left.predicates()]
    assert found == [
        ("ActionType", "eq", "ConnectionSuccess"),
        ("RemoteUrl", "in_list", "table:ThreatIntelligenceIndicator"),
    ]  # the indicators' own filter selects the list; the second join meets joined rows
    assert left.events == ["mde:DeviceNetworkEvents", "mde:DeviceInfo"]


def test_constant_expressions_of_let_bound_literals() -> None:
    rule = read(
        """
        let calls = dynamic(["graph.microsoft.com/v1.0/me/drive/root:/Documents/data.txt:/content"]);
        let patterns = dynamic([@"drive\\/root\\:\\/Uploaded\\/.*", @"drive\\/root\\:\\/Downloaded\\/.*"]);
        let tool = "PsExec";
        CommonSecurityLog
        | where RequestURL has_any (calls) or RequestURL matches regex tostring(patterns[0])
            or RequestURL matches regex patterns[1]
        | where FileName =~ strcat(tolower(tool), ".exe") or FileName in~ (strcat(tool, "64.exe"))
        """
    )
    found = [(p.field, p.operator, p.value) for p in rule.predicates()]
    assert found == [
        (
            "RequestURL",
            "contains",
            "graph.microsoft.com/v1.0/me/drive/root:/documents/data.txt:/content",
        ),
        ("RequestURL", "regex_match", "drive\\/root\\:\\/Uploaded\\/.*"),
        ("RequestURL", "regex_match", "drive\\/root\\:\\/Downloaded\\/.*"),
        ("FileName", "eq", "psexec.exe"),
        ("FileName", "eq", "psexec64.exe"),
    ]


def test_a_fix_names_the_field_as_the_rules_table_does() -> None:
    """Most Kusto rules name the user ``AccountName`` (SecurityEvent); an AzureActivity rule that
    does not test the user itself is told ``Caller``, its own table's column."""
    text = (
        "id: 6b8a0f3e-0000-4000-8000-000000000001\nname: Role assignment\n"
        "relevantTechniques:\n  - T1098\nquery: |\n  AzureActivity\n"
        '  | where OperationNameValue =~ "Microsoft.Authorization/roleAssignments/write"\n'
    )
    reader = SentinelReader()
    (rule,) = reader.read("rule.yaml", text)
    fix = ExclusionFix("AccountName", "user.name", "eq", "aksservice", "aksService")
    assert reader.exclusion_snippet(rule, [fix]) == '| where Caller !~ "aksService"'
    own = ExclusionFix("OperationNameValue", "event.action", "eq", "x", "X")
    assert reader.exclusion_snippet(rule, [own]) == '| where OperationNameValue !~ "X"'
