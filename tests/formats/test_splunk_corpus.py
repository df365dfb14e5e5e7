"""The Splunk reader over ../shared/corpora/splunk/detections (skipped without it)."""

from __future__ import annotations

from pathlib import Path

from rulelint.formats import read_rule_file
from rulelint.walk import iter_rule_files


def test_detections_yield_predicates(corpora: Path) -> None:
    files = rules = with_predicates = failed = 0
    for path in iter_rule_files([str(corpora / "splunk" / "detections")]):
        result = read_rule_file(path)
        assert result is not None and result.format == "splunk-yaml", path
        files += 1
        failed += bool(result.error)
        rules += len(result.rules)
        with_predicates += sum(r.expression is not None for r in result.rules)
    # measured: 1,711 files, every search read, 1,675 of 1,711 rules with predicates (97.9 %);
    # the 36 others filter on aggregates, metrics, ML output, len() or only pick a source
    assert files == 1711 and failed == 0
    assert with_predicates >= 1675


def test_the_same_indicator_as_sigma(corpora: Path) -> None:
    splunk = read_rule_file(
        str(corpora / "splunk/detections/endpoint/allow_network_discovery_in_firewall.yml")
    )
    assert splunk is not None
    (rule,) = splunk.rules
    assert ("process.name", "eq", "netsh.exe") in {p.key for p in rule.indicators()}
    assert rule.events == ["cim:Endpoint.Processes"] and rule.techniques[-1] == "T1562.007"
    sigma = read_rule_file(
        str(
            corpora
            / "sigma/rules/windows/process_creation/proc_creation_win_netsh_fw_allow_program_in_allowed_list.yml"
        )
    )
    if sigma is not None and sigma.rules:
        assert ("process.name", "eq", "netsh.exe") in {p.key for p in sigma.rules[0].indicators()}
