"""SARIF, GitHub annotations, Markdown and JUnit reports on a realistic run."""

from __future__ import annotations

import json
from pathlib import Path
from xml.etree import ElementTree

import jsonschema
import pytest

from rulelint.engine import Checker
from rulelint.reporters.github import annotations, select, write_github
from rulelint.reporters.junit import write_junit
from rulelint.reporters.markdown import write_markdown
from rulelint.reporters.sarif import sarif_document
from tests.helpers import LACKING, build, peer_corpus, write


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    catalog = build(tmp_path, peer_corpus(tmp_path / "corpus"))
    rules = tmp_path / "repo"
    lacking = write(rules / "lacking.yml", LACKING)
    broken = write(
        rules / "broken.yml", "title: b\nlogsource: {product: windows}\ndetection:\n  sel: [x\n"
    )
    checker = Checker(catalog, edits=True)
    reports = [checker.check_file(str(lacking)), checker.check_file(str(broken))]
    return catalog, [r for r in reports if r is not None], rules


def test_sarif_is_valid_and_complete(run, schemas: Path) -> None:  # type: ignore[no-untyped-def]
    catalog, reports, root = run
    document = sarif_document(reports, catalog, str(root))
    schema = json.loads((schemas / "sarif-2.1.0.json").read_text())
    jsonschema.Draft4Validator(schema).validate(document)
    driver = document["runs"][0]["tool"]["driver"]
    assert {"RL000", "RL101", "RL102"} <= {rule["id"] for rule in driver["rules"]}
    assert all(rule["help"]["text"] for rule in driver["rules"])
    results = document["runs"][0]["results"]
    missing = next(r for r in results if r["ruleId"] == "RL102")
    location = missing["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "lacking.yml"
    assert location["region"]["startLine"] == 15
    assert (
        missing["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"]["startLine"]
        == 15
    )
    unreadable = next(r for r in results if r["ruleId"] == "RL000")
    assert (
        unreadable["level"] == "error"
        and unreadable["locations"][0]["physicalLocation"]["region"]["startLine"] == 5
    )


def test_sarif_fingerprints_survive_line_moves(run) -> None:  # type: ignore[no-untyped-def]
    catalog, reports, root = run
    before = sarif_document(reports, catalog, str(root))["runs"][0]["results"]
    path = root / "lacking.yml"
    path.write_text("# a new first line\n" + path.read_text())
    moved = Checker(catalog, edits=True).check_file(str(path))
    after = sarif_document([moved], catalog, str(root))["runs"][0]["results"]  # type: ignore[list-item]
    key = "rulelint/v1"
    old = {r["partialFingerprints"][key] for r in before if r["ruleId"] == "RL102"}
    new = {r["partialFingerprints"][key] for r in after if r["ruleId"] == "RL102"}
    assert old == new
    assert after[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 16


def test_github_annotations(run) -> None:  # type: ignore[no-untyped-def]
    import io

    _, reports, _ = run
    out = io.StringIO()
    write_github(reports, out)
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("::error file=") and "broken.yml,line=5" in lines[0]
    assert any(
        line.startswith("::warning file=")
        and ",line=15," in line
        and "title=RL102 missing-exclusion::" in line
        for line in lines
    )
    assert all("\n" not in line for line in lines)
    assert "%0A%0AFix:%0A" in out.getvalue()  # newlines escaped inside the message


def test_github_caps_and_orders_annotations(run) -> None:  # type: ignore[no-untyped-def]
    _, reports, _ = run
    many = annotations(reports * 30)
    shown, left_out = select(many)
    assert len([a for a in shown if a.severity == "warning"]) == 10
    assert len(shown) <= 50 and left_out == len(many) - len(shown)
    assert shown[0].severity == "error"


def test_markdown_and_junit(run) -> None:  # type: ignore[no-untyped-def]
    import io

    _, reports, _ = run
    markdown = io.StringIO()
    write_markdown(reports, markdown)
    text = markdown.getvalue()
    assert text.startswith("## rulelint\n") and "| | Location | Check | Finding |" in text
    assert "lacking.yml:15` | RL102 |" in text and "<details><summary>fix</summary>" in text
    junit = io.StringIO()
    write_junit(reports, junit)
    root = ElementTree.fromstring(junit.getvalue().split("\n", 1)[1])
    assert root.tag == "testsuites" and root.get("errors") == "1" and root.get("failures") == "1"
    failure = root.find(".//failure")
    assert failure is not None and failure.get("type") == "missing-exclusion"
