"""ATT&CK Navigator layers: the layer format's required fields, and the right scores."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rulelint.cli import main
from tests.helpers import build, peer_corpus, sigma_rule, write


def required_fields(schemas: Path) -> dict[str, list[str]]:
    """Required properties per object, read from the layer format's property tables."""
    text = (schemas / "navigator-layerformat.md").read_text()
    required: dict[str, list[str]] = {}
    section = "Layer"
    for line in text.splitlines():
        heading = re.match(r"^## (\w+) Object [Pp]roperties", line)
        if heading:
            section = heading.group(1)
        elif line.startswith("## Property Table"):
            section = "Layer"
        cells = [c.strip() for c in line.split("|")]
        if len(cells) > 4 and cells[3].lower() == "yes":
            required.setdefault(section, []).append(cells[1])
    return required


def check_layer(layer: dict, schemas: Path) -> None:  # type: ignore[type-arg]
    required = required_fields(schemas)
    assert set(required["Layer"]) == {"name", "domain"}
    for name in required["Layer"]:
        assert name in layer
    for name in required["Version"]:
        assert name in layer["versions"]
    assert layer["versions"]["layer"] == "4.5" and layer["domain"] == "enterprise-attack"
    navigator = tuple(int(x) for x in layer["versions"]["navigator"].split("."))
    assert navigator >= (4, 9, 0)
    for technique in layer["techniques"]:
        for name in required["Technique"]:
            assert name in technique
        assert re.fullmatch(r"T\d{4}(\.\d{3})?", technique["techniqueID"])
        assert isinstance(technique["score"], int)
    for name in required["Gradient"]:
        assert name in layer["gradient"]
    assert layer["gradient"]["maxValue"] > layer["gradient"]["minValue"]
    for item in layer["legendItems"]:
        assert set(required["LegendItem"]) <= set(item)
    for item in layer["metadata"]:
        assert set(required["Metadata"]) <= set(item)


def test_catalog_layer(tmp_path: Path, schemas: Path, capsys: pytest.CaptureFixture[str]) -> None:
    corpus = peer_corpus(tmp_path / "corpus")
    write(
        corpus / "whoami.yml",
        sigma_rule(
            "Whoami",
            "selection:\n    Image|endswith: '\\whoami.exe'\ncondition: selection",
            rule_id="w",
            tags=("attack.t1033",),
        ),
    )
    catalog = build(tmp_path, corpus)
    assert (
        main(
            [
                "catalog",
                "navigator",
                "--catalog",
                str(catalog.path),
                "-o",
                str(tmp_path / "layer.json"),
            ]
        )
        == 0
    )
    layer = json.loads((tmp_path / "layer.json").read_text())
    check_layer(layer, schemas)
    scores = {t["techniqueID"]: t["score"] for t in layer["techniques"]}
    assert scores == {"T1021": 6, "T1021.002": 6, "T1033": 1}
    assert (
        main(
            [
                "catalog",
                "navigator",
                "--catalog",
                str(catalog.path),
                "--vendor",
                "elastic",
                "-o",
                str(tmp_path / "e.json"),
            ]
        )
        == 0
    )
    assert json.loads((tmp_path / "e.json").read_text())["techniques"] == []


def test_layer_for_a_teams_own_rules(tmp_path: Path, schemas: Path) -> None:
    rules = tmp_path / "rules"
    write(
        rules / "a.yml",
        sigma_rule(
            "A",
            "selection:\n    CommandLine|contains: 'a'\ncondition: selection",
            rule_id="a",
            tags=("attack.t1059.001",),
        ),
    )
    write(
        rules / "b.yml",
        sigma_rule(
            "B",
            "selection:\n    CommandLine|contains: 'b'\ncondition: selection",
            rule_id="b",
            tags=("attack.t1059.003", "attack.t1562.001"),
        ),
    )
    assert main(["catalog", "navigator", str(rules), "-o", str(tmp_path / "mine.json")]) == 0
    layer = json.loads((tmp_path / "mine.json").read_text())
    check_layer(layer, schemas)
    scores = {t["techniqueID"]: t["score"] for t in layer["techniques"]}
    # sub-techniques as tagged, parents rolled up, v18 ids on their v19 id
    assert scores == {"T1059": 2, "T1059.001": 1, "T1059.003": 1, "T1685": 1}
