"""The checks on realistic hand-written catalogs and rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from rulelint.catalog.store import Catalog
from rulelint.engine import Checker, reader_for
from rulelint.formats import read_rule_file
from rulelint.settings import Settings
from tests.helpers import SPLUNK_DETECTION, build, sigma_rule, write

PEER = """
selection_img:
    Image|endswith: '\\{binary}'
selection_cli:
    CommandLine|contains: '{flag}'
filter_main_svchost:
    ParentImage|endswith: '\\svchost.exe'
condition: all of selection_* and not 1 of filter_main_*
"""

BROAD = """
selection:
    Image|endswith: '\\powershell.exe'
condition: selection
"""


@pytest.fixture
def catalog(tmp_path: Path) -> Catalog:
    root = tmp_path / "corpus"
    flags = [" use ", " /add", " share", " view", " session", " time", " start", " stop"]
    for index, flag in enumerate(flags):
        write(
            root / f"peer_{index}.yml",
            sigma_rule(
                f"Net {flag.strip()}",
                PEER.format(binary="net.exe", flag=flag),
                rule_id=f"peer-{index}",
            ),
        )
    # powershell.exe used broadly, across many techniques
    for index in range(45):
        detection = BROAD.replace(
            "selection:\n", f"selection:\n    CommandLine|contains: 'marker{index}'\n"
        )
        write(
            root / f"ps_{index}.yml",
            sigma_rule(
                f"PowerShell {index}",
                detection,
                rule_id=f"ps-{index}",
                tags=(f"attack.t10{59 + index % 3}",),
            ),
        )
    return build(tmp_path, root)


def check(catalog: Catalog, path: Path, **settings: object):  # type: ignore[no-untyped-def]
    result = read_rule_file(str(path))
    assert result is not None and not result.error, result
    checker = Checker(catalog, Settings(**settings))  # type: ignore[arg-type]
    return checker.check_rule(result.rules[0], reader_for(result.format))


def test_missing_exclusion_with_support_and_a_fix_that_works(
    tmp_path: Path, catalog: Catalog
) -> None:
    rule = write(
        tmp_path / "new.yml",
        sigma_rule(
            "Net use mount",
            "selection:\n    Image|endswith: '\\net.exe'\n    CommandLine|contains: ' \\\\'\ncondition: selection",
            rule_id="new-1",
        ),
    )
    report = check(catalog, rule)
    missing = [f for f in report.findings if f.check == "missing-exclusion"]
    assert len(missing) == 1
    finding = missing[0]
    assert finding.evidence["support"] == 8 and finding.evidence["peers"] == 8
    assert "8 of 8 rules under T1021" in finding.message
    assert (finding.field, finding.canonical_field, finding.operator) == (
        "ParentImage",
        "process.parent.name",
        "eq",
    )
    assert finding.fix == (
        "filter_main_svchost:\n    ParentImage|endswith: '\\svchost.exe'\ncondition: selection and not 1 of filter_main_*"
    )
    # apply the fix by hand: the rule still parses and the finding is gone
    text = rule.read_text()
    fixed = text.replace(
        "    condition: selection\n", "    " + finding.fix.replace("\n", "\n    ") + "\n"
    )
    rule.write_text(fixed)
    after = check(catalog, rule)
    assert not [f for f in after.findings if f.check == "missing-exclusion"]


def test_an_equivalent_or_broader_exclusion_counts_as_present(
    tmp_path: Path, catalog: Catalog
) -> None:
    detection = (
        "selection:\n    Image|endswith: '\\net.exe'\n    CommandLine|contains: ' x'\n"
        "filter:\n    ParentImage|contains: 'svchost'\ncondition: selection and not filter"
    )
    report = check(
        catalog, write(tmp_path / "r.yml", sigma_rule("Net x", detection, rule_id="new-2"))
    )
    assert not [f for f in report.findings if f.check == "missing-exclusion"]


def test_peer_rule_itself_is_judged_without_its_own_entry(catalog: Catalog, tmp_path: Path) -> None:
    # the same rule as peer-0 (same id): 7 peers remain, not 8
    rule = write(
        tmp_path / "peer.yml",
        sigma_rule(
            "Net use",
            "selection:\n    Image|endswith: '\\net.exe'\ncondition: selection",
            rule_id="peer-0",
        ),
    )
    finding = next(f for f in check(catalog, rule).findings if f.check == "missing-exclusion")
    assert (finding.evidence["support"], finding.evidence["peers"]) == (7, 7)


def test_thresholds_silence_weak_support(tmp_path: Path, catalog: Catalog) -> None:
    rule = write(
        tmp_path / "r.yml",
        sigma_rule(
            "Net", "selection:\n    Image|endswith: '\\net.exe'\ncondition: selection", rule_id="n"
        ),
    )
    assert not [
        f
        for f in check(catalog, rule, exclusion_min_support=9).findings
        if f.check == "missing-exclusion"
    ]
    assert not [
        f
        for f in check(catalog, rule, exclusion_min_peers=9).findings
        if f.check == "missing-exclusion"
    ]


def test_noisy_indicator_names_reach_and_what_peers_combine_it_with(
    tmp_path: Path, catalog: Catalog
) -> None:
    rule = write(
        tmp_path / "ps.yml",
        sigma_rule("Any PowerShell", BROAD, rule_id="new-ps", tags=("attack.t1059",)),
    )
    report = check(catalog, rule)
    noisy = [f for f in report.findings if f.check == "noisy-indicator"]
    assert len(noisy) == 1
    assert noisy[0].evidence["reach"] == 45
    assert noisy[0].line == 11
    assert "Image|endswith: '\\powershell.exe' is used by 45 rules" in noisy[0].message
    assert report.noise_score > 0.9
    # with something specific beside it, the clause is no longer noisy and the score drops
    specific = BROAD.replace(
        "selection:\n", "selection:\n    CommandLine|contains: 'Invoke-Unique'\n"
    )
    calm = check(
        catalog,
        write(
            tmp_path / "ok.yml",
            sigma_rule("PS unique", specific, rule_id="new-ps2", tags=("attack.t1059",)),
        ),
    )
    assert not [f for f in calm.findings if f.check == "noisy-indicator"]
    assert calm.noise_score == 0.0


def test_noisy_clause_inside_alternatives_is_found(tmp_path: Path, catalog: Catalog) -> None:
    detection = (
        "selection_a:\n    Image|endswith: '\\powershell.exe'\n"
        "selection_b:\n    CommandLine|contains: 'very-specific-thing'\ncondition: 1 of selection_*"
    )
    report = check(
        catalog,
        write(
            tmp_path / "alt.yml",
            sigma_rule("Alt", detection, rule_id="alt", tags=("attack.t1059",)),
        ),
    )
    assert [f.value for f in report.findings if f.check == "noisy-indicator"] == [
        "\\powershell.exe"
    ]


@pytest.mark.parametrize(
    ("tags", "codes"),
    [
        (("attack.t1685", "attack.stealth", "attack.defense-impairment"), []),
        (("attack.t1562.001",), ["RL204"]),
        (("attack.t9999",), ["RL202"]),
        (("attack.lateral_movementx",), ["RL201", "RL202"]),
        (("attack.t1064",), ["RL203"]),  # Scripting: revoked/deprecated in ATT&CK
        ((), ["RL201"]),
    ],
)
def test_attack_tag_checks(
    tmp_path: Path, catalog: Catalog, tags: tuple[str, ...], codes: list[str]
) -> None:
    detection = "selection:\n    CommandLine|contains: 'rare-thing'\ncondition: selection"
    rule = write(
        tmp_path / "t.yml",
        sigma_rule("Tags", detection, rule_id="tags", tags=tags or ("detection.threat-hunting",)),
    )
    found = sorted(f.code for f in check(catalog, rule).findings if f.code.startswith("RL2"))
    assert found == codes


def test_broad_exclusion(tmp_path: Path, catalog: Catalog) -> None:
    detection = (
        "selection:\n    CommandLine|contains: 'rare-thing'\n"
        "filter_a:\n    Image|contains: '\\Program Files\\'\n"
        "filter_b:\n    CommandLine|contains: 'x'\n"
        "filter_c:\n    ParentImage|startswith: 'C:\\Windows\\System32\\'\n"
        "condition: selection and not 1 of filter_*"
    )
    report = check(
        catalog,
        write(
            tmp_path / "b.yml",
            sigma_rule("Broad", detection, rule_id="broad", tags=("attack.t1059",)),
        ),
    )
    broad = sorted((f.value, f.line) for f in report.findings if f.check == "broad-exclusion")
    assert broad == [("\\Program Files\\", 13), ("x", 15)]


def test_unknown_field_with_did_you_mean(tmp_path: Path, catalog: Catalog) -> None:
    detection = "selection:\n    Image|endswith: '\\net.exe'\n    Commandline|contains: ' use '\n    ComandLine|contains: 'x'\ncondition: selection"
    report = check(
        catalog, write(tmp_path / "u.yml", sigma_rule("Typo", detection, rule_id="typo"))
    )
    unknown = [f for f in report.findings if f.check == "unknown-field"]
    # 'Commandline' differs from 'CommandLine' only by case: Sigma field names match case-insensitively
    assert [(f.field, f.evidence.get("did_you_mean"), f.severity) for f in unknown] == [
        ("ComandLine", "CommandLine", "warning")
    ]


def test_path_compared_with_a_bare_name(tmp_path: Path, catalog: Catalog) -> None:
    detection = "selection:\n    Image: 'TeamViewer_Desktop.exe'\n    CommandLine|contains: 'rare'\ncondition: selection"
    report = check(
        catalog,
        write(
            tmp_path / "p.yml",
            sigma_rule("Bare", detection, rule_id="bare", tags=("attack.t1219",)),
        ),
    )
    assert [f.line for f in report.findings if f.check == "path-name-mismatch"] == [11]


def test_near_duplicate_names_the_other_rule(tmp_path: Path) -> None:
    detection = (
        "selection:\n    Image|endswith: '\\rclone.exe'\n    CommandLine|contains|all:\n"
        "        - ' copy '\n        - '--config'\n        - ' mega:'\ncondition: selection"
    )
    write(
        tmp_path / "corpus" / "rclone.yml",
        sigma_rule("Rclone to Mega", detection, rule_id="rclone-1", tags=("attack.t1567",)),
    )
    other = build(tmp_path, tmp_path / "corpus")
    same = detection.replace("' copy '", "' copy '")
    report = check(
        other,
        write(
            tmp_path / "d.yml",
            sigma_rule("Rclone again", same, rule_id="rclone-2", tags=("attack.t1567",)),
        ),
    )
    duplicate = [f for f in report.findings if f.check == "near-duplicate"]
    assert len(duplicate) == 1 and duplicate[0].evidence["title"] == "Rclone to Mega"
    assert duplicate[0].evidence["similarity"] == 1.0
    longer = detection.replace("' mega:'", "' mega:'\n        - ' --no-check'")
    report = check(
        other,
        write(
            tmp_path / "e.yml",
            sigma_rule("Rclone more", longer, rule_id="rclone-3", tags=("attack.t1567",)),
        ),
    )
    assert not [
        f for f in report.findings if f.check == "near-duplicate"
    ]  # 4 of 5 shared: 0.8 < 0.9


SEQUENCE_TOML = """\
[metadata]
maturity = "production"

[rule]
rule_id = "seq-{index}"
name = "Incoming lateral movement {index}"
type = "eql"
language = "eql"
index = ["logs-endpoint.events.*"]
query = '''
sequence by host.id with maxspan=1s
  [network where event.type == "start" and source.port >= 4915{index} and not source.ip == "127.0.0.1"]
  [process where event.type == "start" and process.parent.name == "wmiprvse.exe"]
'''

[[rule.threat]]
framework = "MITRE ATT&CK"
[[rule.threat.technique]]
id = "T1021"
name = "Remote Services"
reference = "https://attack.mitre.org/techniques/T1021/"
[rule.threat.tactic]
id = "TA0008"
name = "Lateral Movement"
reference = "https://attack.mitre.org/tactics/TA0008/"
"""


def test_exclusions_of_other_events_in_multi_event_peers_are_not_suggested(
    tmp_path: Path,
) -> None:
    """An EQL sequence reads network and process events: its ``source.ip`` exclusion belongs to
    the network clause and is no fix for a process-creation rule (Sigma has no such field)."""
    root = tmp_path / "corpus"
    for index in range(6):
        write(root / f"seq{index}.toml", SEQUENCE_TOML.format(index=index))
        detection = (
            f"selection:\n    Image|endswith: '\\\\tool{index}.exe'\n"
            "filter_main_svchost:\n    ParentImage|endswith: '\\\\svchost.exe'\n"
            "condition: selection and not 1 of filter_main_*"
        )
        write(
            root / f"peer{index}.yml", sigma_rule(f"Peer {index}", detection, rule_id=f"p{index}")
        )
    catalog = build(tmp_path, root)
    assert "source.ip" not in catalog.fields_of_category("process_creation")
    assert "source.ip" in catalog.fields_of_category("network_connection") or not (
        catalog.fields_of_category("network_connection")
    )
    rule = write(
        tmp_path / "new.yml",
        sigma_rule(
            "New",
            "selection:\n    Image|endswith: '\\\\x.exe'\ncondition: selection",
            rule_id="n",
            tags=("attack.t1021",),
        ),
    )
    found = [f for f in check(catalog, rule).findings if f.code == "RL102"]
    assert [(f.canonical_field, f.value) for f in found] == [
        ("process.parent.name", "\\svchost.exe")
    ]


def test_fix_values_are_written_as_the_vendor_or_plainly() -> None:
    """Another vendor's spelling (KQL escapes and a trailing wildcard) never lands in a fix."""
    from collections import Counter

    from rulelint.catalog.store import PeerExclusion
    from rulelint.checks.missing_exclusion import peer_display

    key = ("file.path", "starts_with", "?:\\programdata\\defender\\")
    peer = PeerExclusion(key, 3, Counter(), Counter(), Counter(), Counter(), Counter())
    peer.displays.update(
        {"?:\\\\ProgramData\\\\Defender\\\\*": 2, "C:\\ProgramData\\Defender\\": 1}
    )
    peer.vendor_displays.update(
        {
            ("elastic", "?:\\\\ProgramData\\\\Defender\\\\*"): 2,
            ("sigma", "C:\\ProgramData\\Defender\\"): 1,
        }
    )
    assert peer_display(peer, "sigma") == "C:\\ProgramData\\Defender\\"
    assert peer_display(peer, "elastic") == "?:\\\\ProgramData\\\\Defender\\\\*"
    assert peer_display(peer, "kusto") == "C:\\ProgramData\\Defender\\"
    peer.displays = Counter({"?:\\\\ProgramData\\\\Defender\\\\*": 2})
    assert peer_display(peer, "kusto") == key[2]


def test_an_in_list_exclusion_is_reported_without_a_fix(tmp_path: Path) -> None:
    """Peers exclude ``ParentImage`` in a lookup; the list's members are unknown, so no fix."""
    root = tmp_path / "content"
    write(
        root / "macros" / "sysmon.yml",
        "definition: sourcetype=XmlWinEventLog:Microsoft-Windows-Sysmon/Operational\nname: sysmon\n",
    )
    for index in range(6):
        search = (
            f"`sysmon` EventCode=1 Image=*\\\\net.exe CommandLine=*flag{index}* "
            "| lookup allowed_parents parent AS ParentImage OUTPUT parent AS allowed "
            "| where isnull(allowed) | stats count by Computer"
        )
        write(
            root / "detections" / f"peer{index}.yml",
            SPLUNK_DETECTION.format(
                name=f"peer{index}",
                id=f"00000000-0000-4000-8000-00000000000{index}",
                status="production",
                search=search,
            ),
        )
    catalog = build(tmp_path, root)
    rule = write(
        tmp_path / "new" / "detections" / "new.yml",
        SPLUNK_DETECTION.format(
            name="new",
            id="00000000-0000-4000-8000-000000000099",
            status="production",
            search="`sysmon` EventCode=1 Image=*\\\\net.exe CommandLine=*other* | stats count by Computer",
        ),
    )
    write(tmp_path / "new" / "macros" / "sysmon.yml", (root / "macros" / "sysmon.yml").read_text())
    missing = [f for f in check(catalog, rule).findings if f.check == "missing-exclusion"]
    assert [(f.operator, f.value) for f in missing] == [("in_list", "allowed_parents")]
    assert missing[0].fix is None and missing[0].exclusion is None


def test_a_sigma_placeholder_exclusion_is_written_back_with_expand(tmp_path: Path) -> None:
    """Sigma's ``|expand: '%name%'`` is a list the deployment fills in: peers that carry it make an
    ``in_list`` exclusion, which Sigma (and only Sigma) can write back as written."""
    root = tmp_path / "sigma"
    for index in range(6):
        detection = (
            f"selection:\n    Image|endswith: '\\net.exe'\n    CommandLine|contains: ' flag{index}'\n"
            "filter_main_admins:\n    User|expand: '%admin_accounts%'\n"
            "condition: selection and not 1 of filter_main_*"
        )
        write(
            root / f"peer{index}.yml",
            sigma_rule(
                f"peer {index}", detection, rule_id=f"00000000-0000-4000-8000-00000000001{index}"
            ),
        )
    catalog = build(tmp_path, root)
    rule = write(
        tmp_path / "new.yml",
        sigma_rule(
            "new",
            "selection:\n    Image|endswith: '\\net.exe'\n    CommandLine|contains: ' other'\n"
            "condition: selection",
            rule_id="00000000-0000-4000-8000-000000000099",
        ),
    )
    missing = [f for f in check(catalog, rule).findings if f.check == "missing-exclusion"]
    assert [(f.operator, f.value) for f in missing] == [("in_list", "%admin_accounts%")]
    assert missing[0].fix is not None and "User|expand: '%admin_accounts%'" in missing[0].fix


SENTINEL_RULE = """\
id: 5a0c1d2e-0000-4000-8000-0000000000{index:02d}
name: {name}
description: |
  net.exe run with a flag.
severity: Medium
queryFrequency: 1h
queryPeriod: 1h
triggerOperator: gt
triggerThreshold: 0
tactics:
  - LateralMovement
relevantTechniques:
  - T1021.002
query: |
  DeviceProcessEvents
  | where FileName =~ "net.exe" and ProcessCommandLine has "{flag}"
{exclusion}version: 1.0.0
kind: Scheduled
"""


def sentinel_missing_exclusions(tmp_path: Path, exclusion: str):  # type: ignore[no-untyped-def]
    """RL102 findings for a Sentinel rule whose six peers all carry ``exclusion``."""
    root = tmp_path / "content"
    for index in range(6):
        text = SENTINEL_RULE.format(
            index=index, name=f"peer {index}", flag=f"flag{index}", exclusion=exclusion
        )
        write(root / f"peer{index}.yaml", text)
    catalog = build(tmp_path, root)
    rule = write(
        tmp_path / "new" / "new.yaml",
        SENTINEL_RULE.format(index=99, name="new", flag="other", exclusion=""),
    )
    return [f for f in check(catalog, rule).findings if f.check == "missing-exclusion"]


def test_a_kusto_watchlist_exclusion_is_reported_without_a_fix(tmp_path: Path) -> None:
    """Sentinel peers exclude parents listed in a watchlist: its members are unknown, so no fix."""
    missing = sentinel_missing_exclusions(
        tmp_path,
        '  | where InitiatingProcessFileName !in~ ((_GetWatchlist("AllowedParents")'
        " | project SearchKey))\n",
    )
    assert [(f.operator, f.value) for f in missing] == [("in_list", "watchlist:AllowedParents")]
    assert missing[0].fix is None and missing[0].exclusion is None
    assert "in list" in missing[0].message and "watchlist:AllowedParents" in missing[0].message


def test_a_kusto_fix_writes_the_value_without_its_quotes(tmp_path: Path) -> None:
    missing = sentinel_missing_exclusions(
        tmp_path, '  | where InitiatingProcessFileName != "svchost.exe"\n'
    )
    assert [f.fix for f in missing] == ['| where InitiatingProcessFileName !~ "svchost.exe"']


def test_a_kusto_fix_names_the_column_as_the_rule_does(corpora: Path) -> None:
    """An ASIM rule is told to exclude on its own column (DstIpAddr), not on the one most Kusto
    peers use (RemoteIP, Defender), and an IPv6 range is tested with ipv6_is_in_range."""
    from rulelint.catalog.store import open_catalog

    path = (
        corpora
        / "kusto/azure-sentinel/Detections/ASimNetworkSession/PossibleBeaconingActivity.yaml"
    )
    fixes = [
        f.fix
        for f in check(open_catalog(), path).findings
        if f.check == "missing-exclusion" and f.canonical_field == "destination.ip"
    ]
    assert fixes and all(fix and "DstIpAddr" in fix for fix in fixes)
    assert all("ipv6_is_in_range" in fix for fix in fixes if fix and '"::' in fix)


PAIR_KQL = """\
// Detect net use to admin shares
// MITRE: T1021.002
DeviceProcessEvents
| where {time} > ago(1d)
| where FileName =~ "net.exe" and ProcessCommandLine has "use" and ProcessCommandLine has "ADMIN$"
    and ProcessCommandLine has "/user:"
"""


def test_queries_of_one_file_are_not_each_others_near_duplicates(tmp_path: Path) -> None:
    """A page's Defender XDR and Sentinel variants are alike on purpose; a copy elsewhere is not."""
    folder = tmp_path / "queries"
    pair = write(
        folder / "pair.kql",
        PAIR_KQL.format(time="Timestamp") + "\n" + PAIR_KQL.format(time="TimeGenerated"),
    )
    write(folder / "copy.kql", PAIR_KQL.format(time="Timestamp"))
    catalog = build(tmp_path, folder)
    result = read_rule_file(str(pair))
    assert result is not None and len(result.rules) == 2
    checker = Checker(catalog, Settings())
    for rule in result.rules:
        duplicates = [
            f
            for f in checker.check_rule(rule, reader_for(result.format)).findings
            if f.check == "near-duplicate"
        ]
        assert [f.evidence["rule"] for f in duplicates] == ["copy.kql"]  # relative to its source
