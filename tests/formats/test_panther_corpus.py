"""The Panther reader over panther-labs/panther-analysis.

Two sources: ``../shared/corpora/panther`` (the YAML side only: metadata, correlation rules, SQL;
skipped without ../shared) and a full checkout with the Python bodies, found through the
environment variable RULELINT_PANTHER_ANALYSIS (default: ``../panther-analysis`` beside the
repository; skipped when absent). The checkout's Python is only ever read with ``ast``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from rulelint.formats import read_rule_file
from rulelint.model import Rule
from rulelint.walk import iter_rule_files

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def panther_checkout() -> Path:
    location = Path(os.environ.get("RULELINT_PANTHER_ANALYSIS", REPO.parent / "panther-analysis"))
    if not (location / "rules").is_dir():
        pytest.skip(
            f"panther-analysis checkout not found at {location} (set RULELINT_PANTHER_ANALYSIS)"
        )
    return location


def _read(folder: Path) -> tuple[list[Rule], list[tuple[str, str]], int, float]:
    started = time.perf_counter()
    rules: list[Rule] = []
    failures: list[tuple[str, str]] = []
    unrecognized = 0
    for path in iter_rule_files([str(folder)]):
        result = read_rule_file(path)
        if result is None:
            unrecognized += 1
            continue
        assert result.format == "panther", path
        if result.error:
            failures.append((path, result.error))
        rules.extend(result.rules)
    return rules, failures, unrecognized, time.perf_counter() - started


@pytest.fixture(scope="module")
def shared_panther(corpora: Path):
    return _read(corpora / "panther")


@pytest.fixture(scope="module")
def checkout_rules(panther_checkout: Path):
    modules_before = set(sys.modules)
    read = _read(panther_checkout / "rules")
    return read, set(sys.modules) - modules_before


def by_id(rules: list[Rule], rule_id: str) -> Rule:
    return next(r for r in rules if r.id == rule_id)


# -- ../shared/corpora/panther: metadata only -----------------------------------------------------


def test_shared_yaml_reads_without_failures(shared_panther) -> None:
    rules, failures, unrecognized, elapsed = shared_panther
    assert failures == []
    assert len(rules) == 1031
    assert unrecognized == 19  # saved queries (not detections) and LICENSE.txt
    assert elapsed < 60


def test_shared_rules_are_metadata_without_their_python(shared_panther) -> None:
    rules = [r for r in shared_panther[0] if r.language == "panther-python"]
    assert len(rules) == 923
    assert all(r.expression is None for r in rules)
    missing = [r for r in rules if r.notes != ["python body not available"]]
    assert [r.id for r in missing] == ["Github.Repo.Archived"]  # published without a Filename
    assert sum(1 for r in rules if r.techniques) >= 600
    assert sum(1 for r in rules if r.events) >= 860  # scheduled rules have no LogTypes


def test_shared_scheduled_queries_give_simple_predicates(shared_panther) -> None:
    queries = [r for r in shared_panther[0] if r.language == "panther-sql"]
    assert len(queries) == 77
    assert sum(1 for r in queries if r.expression is not None) >= 50
    correlations = [r for r in shared_panther[0] if r.language == "panther-correlation"]
    assert len(correlations) == 31
    assert all(r.extra["detection"] for r in correlations)


def test_shared_known_rule_metadata(shared_panther) -> None:
    rule = by_id(shared_panther[0], "AWS.Console.RootLogin")
    assert rule.techniques == ["T1078"]
    assert rule.tactics == ["privilege-escalation"]
    assert rule.events == ["aws:cloudtrail"]
    assert rule.level == "high"
    assert rule.extra["tests"][0] == {"name": "Successful Root Login", "expected": True, "line": 31}


# -- the checkout: YAML + Python pairs ------------------------------------------------------------


def test_checkout_rules_yield_predicates(checkout_rules) -> None:
    (rules, failures, _, elapsed), _ = checkout_rules
    assert failures == []
    python_rules = [r for r in rules if r.language == "panther-python"]
    with_predicates = [r for r in python_rules if r.expression is not None]
    assert len(with_predicates) >= 0.95 * len(python_rules)
    # every rule without predicates says why
    assert all(r.notes for r in python_rules if r.expression is None)
    assert elapsed < 60


def test_checkout_python_is_never_imported(checkout_rules, panther_checkout: Path) -> None:
    _, new_modules = checkout_rules
    rule_modules = {path.stem for path in (panther_checkout / "rules").rglob("*.py")}
    helper_modules = {path.stem for path in (panther_checkout / "global_helpers").glob("*.py")}
    assert not new_modules & (rule_modules | helper_modules)
    assert not list((panther_checkout / "rules").rglob("__pycache__"))


def test_checkout_known_rules(checkout_rules) -> None:
    (rules, _, _, _), _ = checkout_rules
    root = by_id(rules, "AWS.Console.RootLogin")
    assert [(p.field, p.canonical_field, p.operator, p.value) for p in root.indicators()] == [
        ("eventName", "event.action", "eq", "ConsoleLogin"),
        ("userIdentity.type", "aws.cloudtrail.user_identity.type", "eq", "Root"),
        ("responseElements.ConsoleLogin", "event.outcome", "eq", "Success"),
    ]
    secret = by_id(rules, "Kubernetes.Secret.AccessDenied")
    indicators = [(p.field, p.canonical_field, p.value) for p in secret.indicators()]
    assert indicators[:2] == [
        ("udm:verb", "event.action", "get"),
        ("udm:resource", "kubernetes.audit.objectRef.resource", "secrets"),
    ]
    assert ("kubernetes.audit.objectRef.namespace", "eq", "kube-system") in {
        (p.canonical_field, p.operator, p.value) for p in secret.exclusions()
    }
    mfa = by_id(rules, "Okta.Global.MFA.Disabled")
    # a constant of panther_event_type_helpers, read from global_helpers with ast
    assert [(p.field, p.value) for p in mfa.indicators()] == [
        ("udm:event_type", "admin_mfa_disabled")
    ]
