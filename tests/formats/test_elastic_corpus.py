"""The Elastic reader over the public detection-rules corpus (skipped without ../shared)."""

from __future__ import annotations

import collections
from pathlib import Path

import pytest

from rulelint.formats import read_rule_file
from rulelint.formats.base import ReadResult
from rulelint.model import And, Rule, exclusions, indicators


@pytest.fixture(scope="module")
def results(corpora: Path) -> dict[str, ReadResult]:
    folder = corpora / "elastic"
    found: dict[str, ReadResult] = {}
    for path in sorted(folder.rglob("*.toml")):
        result = read_rule_file(str(path))
        assert result is not None, f"{path} not recognized as an Elastic rule"
        found[path.relative_to(folder).as_posix()] = result
    return found


def rule(results: dict[str, ReadResult], name: str) -> Rule:
    result = results[name]
    assert result.error is None, result.error
    (found,) = result.rules
    return found


def test_every_rule_file_reads(results: dict[str, ReadResult]) -> None:
    assert len(results) >= 2100
    failures = {name: r.error for name, r in results.items() if r.error}
    assert failures == {}


def test_every_rule_with_a_query_yields_predicates(results: dict[str, ReadResult]) -> None:
    languages: collections.Counter[str] = collections.Counter()
    without: list[str] = []
    for name, result in results.items():
        for found in result.rules:
            if found.language == "":
                assert found.extra["type"] == "machine_learning"
                continue
            languages[found.language] += 1
            if found.expression is None:
                without.append(name)
    assert languages["kuery"] >= 750 and languages["eql"] >= 1000 and languages["esql"] >= 200
    # one ES|QL rule filters only on aggregates (token counts per user): it has no event predicate
    assert without == [
        "rules/integrations/aws_bedrock/aws_bedrock_high_resource_consumption_detection.toml"
    ]


def test_attack_techniques_and_deprecation(results: dict[str, ReadResult]) -> None:
    rules = [r for result in results.values() for r in result.rules]
    with_techniques = sum(1 for r in rules if r.techniques)
    assert with_techniques / len(rules) > 0.9
    deprecated = [r for r in rules if r.deprecated]
    assert len(deprecated) >= 100
    assert all(
        "/_deprecated/" in r.path.replace("\\", "/") or r.status == "deprecated" for r in deprecated
    )


def test_events_are_known_for_most_rules(results: dict[str, ReadResult]) -> None:
    rules = [r for result in results.values() for r in result.rules if r.expression is not None]
    assert sum(1 for r in rules if r.events) / len(rules) > 0.95


def test_kuery_rule_known_predicates(results: dict[str, ReadResult]) -> None:
    found = rule(results, "rules/windows/execution_command_shell_started_by_svchost.toml")
    assert found.techniques == ["T1059", "T1569", "T1569.002"]
    assert found.platforms == ["windows"] and found.events == ["ecs:process_start"]
    keys = {(p.key, p.line) for p in indicators(found.expression)}
    assert (("process.parent.name", "eq", "svchost.exe"), 142) in keys
    excluded = {p.key for p in exclusions(found.expression)}
    assert ("process.args", "eq", "icacls") in excluded
    assert ("process.args", "contains", ".bat") in excluded


def test_eql_sequence_rule(results: dict[str, ReadResult]) -> None:
    found = rule(results, "rules/windows/collection_email_outlook_mailbox_via_com.toml")
    assert isinstance(found.expression, And) and found.expression.kind == "sequence"
    assert ("process.name", "eq", "outlook.exe") in {p.key for p in indicators(found.expression)}
    assert {p.group for p in indicators(found.expression)} == {"sequence[1]", "sequence[2]"}


def test_windows_security_event_code_rule(results: dict[str, ReadResult]) -> None:
    found = rule(results, "rules/windows/credential_access_adidns_wildcard.toml")
    assert found.events == ["security:5137"]
    assert ("winlog.event_data.ObjectDN", "starts_with", "DC=*,") in {
        p.key for p in indicators(found.expression)
    }


def test_esql_rule(results: dict[str, ReadResult]) -> None:
    found = rule(
        results, "rules/integrations/azure/credential_access_entra_id_brute_force_activity.toml"
    )
    assert found.language == "esql" and found.events == ["azure:signinlogs", "ecs:authentication"]
    assert ("event.outcome", "eq", "failure") in {p.key for p in indicators(found.expression)}
    assert ("source.as.organization.name", "eq", "MICROSOFT-CORP-MSN-as-BLOCK") in {
        p.key for p in exclusions(found.expression)
    }


def test_machine_learning_rules(results: dict[str, ReadResult]) -> None:
    ml = [
        r
        for result in results.values()
        for r in result.rules
        if r.extra["type"] == "machine_learning"
    ]
    assert len(ml) >= 100
    assert all(r.expression is None and r.language == "" and r.events == ["elastic:ml"] for r in ml)
    assert sum(1 for r in ml if r.techniques) / len(ml) > 0.8
