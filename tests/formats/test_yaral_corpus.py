"""The YARA-L reader over chronicle/detection-rules (../shared/corpora/chronicle; skipped without)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from rulelint.formats import read_rule_file
from rulelint.model import Rule
from rulelint.walk import iter_rule_files


def _read_folder(folder: Path) -> tuple[list[Rule], list[tuple[str, str]], float]:
    started = time.perf_counter()
    rules: list[Rule] = []
    failures: list[tuple[str, str]] = []
    for path in iter_rule_files([str(folder)]):
        result = read_rule_file(path)
        assert result is not None, f"{path} not recognized"
        assert result.format == "yaral", path
        if result.error:
            failures.append((path, result.error))
        rules.extend(result.rules)
    return rules, failures, time.perf_counter() - started


@pytest.fixture(scope="module")
def community(corpora: Path) -> tuple[list[Rule], list[tuple[str, str]], float]:
    return _read_folder(corpora / "chronicle" / "rules" / "community")


@pytest.fixture(scope="module")
def deprecated(corpora: Path) -> tuple[list[Rule], list[tuple[str, str]], float]:
    return _read_folder(corpora / "chronicle" / "rules" / "_deprecated")


def by_title(rules: list[Rule], rule_name: str) -> Rule:
    return next(r for r in rules if r.extra.get("rule_name") == rule_name)


def test_every_community_rule_reads_with_predicates(community) -> None:
    rules, failures, elapsed = community
    assert failures == []
    assert len(rules) == 348
    assert [r.path for r in rules if r.expression is None] == []
    assert elapsed < 30  # about 1.5 s on a developer machine; generous for loaded CI runners


def test_deprecated_rules_read_too(deprecated) -> None:
    rules, failures, _ = deprecated
    assert failures == []
    assert len(rules) == 538
    assert all(r.deprecated for r in rules)
    assert sum(r.expression is not None for r in rules) == 538


def test_sigma_translations_keep_their_uuid(community) -> None:
    rules, _, _ = community
    assert sum(1 for r in rules if r.extra.get("sigma_uuid")) == 54


def test_every_community_rule_names_its_events_and_most_their_technique(community) -> None:
    rules, _, _ = community
    # one rule filters HTTP fields without naming metadata.event_type or a source
    assert [Path(r.path).name for r in rules if not r.events] == [
        "ttp_sharepoint_cve_2025_49706_exploitation.yaral"
    ]
    # 83 community rules name no ATT&CK technique at all (no technique/mitre_* meta, no outcome)
    with_technique = sum(1 for r in rules if r.techniques)
    assert with_technique >= 260


def test_known_rule_base64_powershell(community) -> None:
    rule = by_title(community[0], "base64_encoded_powershell_command_detected")
    assert rule.techniques == ["T1059.001"]
    assert rule.extra["sigma_uuid"] == "e32d4572-9826-4738-b651-95fa63747e8a"
    assert rule.events == ["udm:PROCESS_LAUNCH"]
    assert [
        (p.field, p.canonical_field, p.operator, p.value, p.line) for p in rule.indicators()
    ] == [
        ("metadata.event_type", "metadata.event_type", "eq", "PROCESS_LAUNCH", 38),
        (
            "target.process.command_line",
            "process.command_line",
            "contains",
            "::frombase64string(",
            39,
        ),
    ]


def test_known_rule_admin_share_regex_is_kept_as_written(community) -> None:
    rule = by_title(community[0], "mitre_attack_T1021_002_windows_admin_share_basic")
    assert rule.techniques == ["T1021.002"]
    regex = rule.indicators()[1]
    assert (regex.canonical_field, regex.operator, regex.value) == (
        "process.command_line",
        "regex_match",
        r"net.*use.*(C|ADMIN|IPC)\$",
    )


def test_known_rule_reference_lists_are_resolved(community) -> None:
    rule = by_title(community[0], "hacktool_generic_process_access")
    assert rule.events == ["udm:PROCESS_OPEN"]
    values = {(p.canonical_field, p.operator, p.value) for p in rule.indicators()}
    assert ("process.executable", "contains", "secretsdump") in values  # from %hacktool_contains
    assert ("process.executable", "regex_match", "mimikatz.exe") in values  # from %hacktool_regex
    assert len(values) > 80


def test_known_cloud_rule(community) -> None:
    rule = by_title(community[0], "aws_account_leaving_or_removed_from_organization")
    assert rule.events == ["aws:cloudtrail"]
    assert {(p.canonical_field, p.value) for p in rule.indicators()} >= {
        ("event.action", "LeaveOrganization"),
        ("event.action", "RemoveAccountFromOrganization"),
    }


def test_process_launch_parent_fields(community) -> None:
    """principal.process in PROCESS_LAUNCH rules is the parent, never the process itself."""
    rules, _, _ = community
    parents = [
        p
        for r in rules
        if r.extra.get("scopes", {}).get(p_group := "$process", [])
        and "event_type:PROCESS_LAUNCH" in r.extra["scopes"][p_group]
        for p in r.predicates()
        if p.group == p_group and p.field and p.field.startswith("principal.process.")
    ]
    assert parents
    assert all(p.canonical_field.startswith("process.parent.") for p in parents)


def test_translations_of_sigma_rules_meet_their_source(corpora: Path) -> None:
    """bench/cross_vendor.py: the YARA-L translations that name their Sigma source share most of
    their canonical indicators with it; that is what cross-vendor statistics rest on."""
    import importlib.util
    import statistics

    spec = importlib.util.spec_from_file_location(
        "cross_vendor", Path(__file__).resolve().parents[2] / "bench" / "cross_vendor.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rows = module.agreement(corpora)
    assert len(rows) == 54 and all(source is not None for _, source, _ in rows)
    shares = [share for _, _, share in rows if share is not None]
    assert statistics.mean(shares) >= 0.8
    by_name = {Path(rule.path).name: share for rule, _, share in rows}
    # OriginalFileName is src.process.file.full_path in Chronicle's Windows parsers
    assert by_name["finger_exe_execution.yaral"] == 1.0
    # additional.fields["CallTrace"] carries Sysmon's CallTrace under its own name
    assert by_name["potential_credential_dumping_activity_via_lsass.yaral"] >= 0.5
