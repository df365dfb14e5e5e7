"""The Kusto readers over ../shared/corpora/kusto (skipped without it)."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from rulelint.formats import read_rule_file
from rulelint.walk import iter_rule_files


@pytest.fixture(scope="module")
def kusto(corpora: Path) -> dict[str, collections.Counter[str]]:
    counts: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for path in iter_rule_files([str(corpora / "kusto")]):
        result = read_rule_file(path)
        if result is None:
            continue
        counts[result.format]["files"] += 1
        if result.error:
            counts[result.format]["failed"] += 1
        for rule in result.rules:
            counts[result.format]["rules"] += 1
            counts[result.format]["with predicates"] += rule.expression is not None
    return counts


def test_every_container_reads(kusto) -> None:  # type: ignore[no-untyped-def]
    # measured: Sentinel 253/259 queries, .kql/.txt 743/857, Markdown 1117/1223 blocks; the rest
    # have no filter on event columns (statistics, time window only, "new value" sub-queries,
    # filters on computed columns, tutorial print/datatable queries: each rule's note says which;
    # bench/parse_coverage.py lists them)
    shares = {"sentinel-yaml": 0.97, "kql": 0.86, "kql-markdown": 0.91}
    for container, floor in shares.items():
        counts = kusto[container]
        assert counts["rules"] > 200, container
        assert counts["with predicates"] / counts["rules"] >= floor, (container, counts)


def test_the_same_indicator_as_sigma_and_elastic(corpora: Path, tmp_path: Path) -> None:
    kql = tmp_path / "net.kql"
    kql.write_text('DeviceProcessEvents\n| where FileName =~ "net.exe"\n', encoding="utf-8")
    kusto_key = read_rule_file(str(kql)).rules[0].indicators()[0].key  # type: ignore[union-attr]
    sigma = read_rule_file(
        str(
            corpora
            / "sigma/rules/windows/process_creation/proc_creation_win_net_use_mount_admin_share.yml"
        )
    )
    assert sigma is not None
    sigma_keys = {p.key for r in sigma.rules for p in r.indicators()}
    assert kusto_key == ("process.name", "eq", "net.exe") and kusto_key in sigma_keys


def test_a_real_sentinel_rule(corpora: Path) -> None:
    path = (
        corpora / "kusto/azure-sentinel/Detections/SecurityEvent/AADHealthMonAgentRegKeyAccess.yaml"
    )
    result = read_rule_file(str(path))
    assert result is not None and result.format == "sentinel-yaml" and not result.error
    (rule,) = result.rules
    assert rule.techniques == ["T1005"] and rule.events == ["security:4656", "security:4663"]
    found = {(p.canonical_field, p.operator, p.value, p.line) for p in rule.indicators()}
    assert ("event.code", "eq", "4663", 83) in found
    assert ("winlog.event_data.ObjectType", "eq", "Key", 84) in found


def test_asim_parameters_and_sub_queries_in_real_rules(corpora: Path) -> None:
    kusto = corpora / "kusto"
    miners = read_rule_file(str(kusto / "azure-sentinel/Detections/ASimDNS/imDNS_Miners.yaml"))
    assert miners is not None and not miners.error
    (rule,) = miners.rules
    assert rule.events == ["asim:Dns"]  # the empty datatable leg of the union adds no event
    assert ("dns.question.name", "contains", "monerohash.com") in {p.key for p in rule.indicators()}
    errors = read_rule_file(
        str(
            kusto
            / "azure-sentinel/Detections/ASimWebSession/ExcessiveNetworkFailuresFromSource.yaml"
        )
    )
    assert errors is not None
    assert [p.key for p in errors.rules[0].indicators()] == [("EventResultDetails", "eq", "403")]
    rdp = read_rule_file(
        str(kusto / "reprise99/Defender for Endpoint/Firewall Queries/Devices-NoRDP.kql")
    )
    assert rdp is not None and len(rdp.rules) == 2
    assert {p.key for p in rdp.rules[0].indicators()} == {
        ("event.action", "eq", "InboundConnectionAccepted"),
        ("source.port", "eq", "3389"),
    }


def test_every_query_without_predicates_says_why(corpora: Path) -> None:
    for path in iter_rule_files([str(corpora / "kusto")]):
        result = read_rule_file(path)
        if result is None or result.error:
            continue
        for rule in result.rules:
            if rule.expression is None:
                assert any(n.startswith("no filter on event columns: ") for n in rule.notes), (
                    path,
                    rule.line,
                    rule.notes,
                )
