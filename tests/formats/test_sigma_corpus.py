"""The Sigma reader on SigmaHQ's corpus (skipped without ../shared/corpora)."""

from __future__ import annotations

from pathlib import Path

import pytest

from rulelint.formats import read_rule_file
from rulelint.formats.sigma.reader import SigmaReader
from rulelint.model import node_to_dict
from rulelint.walk import iter_rule_files


def sigma_files(corpora: Path, include_deprecated: bool = False) -> list[str]:
    files = [  # the corpus's READMEs and docs are no rules (the Markdown reader skips them)
        f for f in iter_rule_files([str(corpora / "sigma")]) if f.endswith((".yml", ".yaml"))
    ]
    files = [f for f in files if "/regression_data/" not in f]  # test events and their info.yml
    return [f for f in files if include_deprecated or "/deprecated/" not in f]


def test_every_rule_outside_deprecated_yields_predicates(corpora: Path) -> None:
    failures: list[str] = []
    files = sigma_files(corpora)
    assert len(files) > 3700
    for path in files:
        result = read_rule_file(path)
        if result is None or result.error:
            failures.append(f"{path}: {result.error if result else 'not recognized'}")
            continue
        for rule in result.rules:
            if rule.language == "sigma" and not rule.predicates():
                failures.append(f"{path}: no predicates")
    assert failures == []


def test_fast_path_matches_pysigma_on_every_rule(corpora: Path) -> None:
    """The fast path must give exactly pySigma's trees (pySigma stays the reference)."""
    fast, reference = SigmaReader(), SigmaReader(fast=False)
    differences: list[str] = []
    for path in sigma_files(corpora, include_deprecated=True):
        text = Path(path).read_text(encoding="utf-8")
        try:
            expected = [node_to_dict(r.expression) for r in reference.read(path, text)]
        except Exception as error:  # the reference refuses it: so must the fast path
            with pytest.raises(type(error)):
                fast.read(path, text)
            continue
        if [node_to_dict(r.expression) for r in fast.read(path, text)] != expected:
            differences.append(path)
    assert differences == []


def test_known_rule_predicates_and_lines(corpora: Path) -> None:
    path = (
        corpora
        / "sigma/rules/windows/process_creation/proc_creation_win_net_use_mount_admin_share.yml"
    )
    rule = read_rule_file(str(path)).rules[0]  # type: ignore[union-attr]
    found = {(p.key, p.line) for p in rule.indicators()}
    assert (("process.name", "eq", "net.exe"), 22) in found
    assert (("process.pe.original_file_name", "eq", "net1.exe"), 26) in found
    assert (("process.command_line", "contains", " use "), 29) in found
    assert rule.techniques == ["T1021.002"]
