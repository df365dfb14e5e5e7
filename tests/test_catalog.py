"""Catalog build: determinism, incremental reuse, atomic writes, statistics, self-exclusion."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from rulelint.catalog.build import build_catalog
from rulelint.catalog.pages import technique_page
from rulelint.catalog.sources import Source
from rulelint.catalog.store import Catalog, CatalogError
from tests.helpers import build, sigma_rule, write

NET = """
selection:
    Image|endswith: '\\net.exe'
    CommandLine|contains: ' use '
filter_main_system:
    User|contains: 'AUTHORI'
condition: selection and not 1 of filter_main_*
"""


def make_corpus(root: Path, count: int = 6) -> Path:
    for index in range(count):
        write(
            root / f"rule_{index}.yml",
            sigma_rule(
                f"Net use {index}", NET, rule_id=f"00000000-0000-0000-0000-00000000000{index}"
            ),
        )
    write(
        root / "other.yml",
        sigma_rule(
            "Whoami",
            "selection:\n    Image|endswith: '\\whoami.exe'\ncondition: selection",
            rule_id="11111111-0000-0000-0000-000000000000",
            tags=("attack.t1033",),
        ),
    )
    write(
        root / "broken.yml",
        "title: broken\nlogsource: {product: windows}\ndetection:\n  condition: nope\n",
    )
    return root


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_build_is_deterministic_and_incremental(tmp_path: Path) -> None:
    corpus = make_corpus(tmp_path / "rules")
    first = tmp_path / "a.db"
    second = tmp_path / "b.db"
    report = build_catalog([Source("rules", str(corpus))], first, jobs=1)
    assert (report.rules, report.failed, report.parsed) == (7, 1, 8)
    build_catalog([Source("rules", str(corpus))], second, jobs=1, incremental=False)
    assert sha(first) == sha(second)
    again = build_catalog([Source("rules", str(corpus))], first, jobs=1)
    assert (again.reused, again.parsed) == (8, 0)
    assert sha(first) == sha(second)
    write(
        corpus / "rule_0.yml",
        sigma_rule("Changed", NET, rule_id="00000000-0000-0000-0000-000000000000"),
    )
    changed = build_catalog([Source("rules", str(corpus))], first, jobs=1)
    assert (changed.reused, changed.parsed) == (7, 1)


def test_a_reader_change_reparses_every_file(tmp_path: Path, monkeypatch) -> None:
    """Reused parses would keep what an older reader made of a file (stale statistics)."""
    from rulelint.catalog import build as build_module

    corpus = make_corpus(tmp_path / "rules")
    path = tmp_path / "a.db"
    build_catalog([Source("rules", str(corpus))], path, jobs=1)
    assert build_catalog([Source("rules", str(corpus))], path, jobs=1).reused == 8
    monkeypatch.setattr(build_module, "readers_fingerprint", lambda: "another-reader")
    rebuilt = build_catalog([Source("rules", str(corpus))], path, jobs=1)
    assert (rebuilt.reused, rebuilt.parsed) == (0, 8)


def test_statistics_match_the_rules(tmp_path: Path) -> None:
    catalog = build(tmp_path, make_corpus(tmp_path / "rules"))
    assert catalog.total_rules == 7
    assert catalog.reach(("process.name", "eq", "net.exe")) == 6
    page = technique_page(catalog, "T1021")
    assert page.name == "Remote Services" and page.total_rules == 6
    assert page.vendors == {"sigma": 6}
    assert [(e.key, e.rules) for e in page.events] == [("security:4688", 6), ("sysmon:1", 6)]
    top = page.indicators[0]
    assert (top.field, top.operator, top.value, top.rules, top.reach) == (
        "process.command_line",
        "contains",
        " use ",
        6,
        6,
    )
    assert [(x.field, x.value, x.rules) for x in page.exclusions] == [("user.name", "authori", 6)]
    # sub-technique pages roll up into the parent; a v18 id that moved lands on its v19 page
    assert technique_page(catalog, "t1021.002").total_rules == 6


def test_a_rule_never_vouches_for_itself(tmp_path: Path) -> None:
    catalog = build(tmp_path, make_corpus(tmp_path / "rules"))
    own = catalog.own_rules("00000000-0000-0000-0000-000000000000", "sigma")
    assert len(own) == 1
    assert catalog.technique_rules(["T1021"], exclude=own) == [
        r for r in catalog.technique_rules(["T1021"]) if r not in own
    ]
    assert ("process.name", "eq", "net.exe") in catalog.own_indicator_keys(own)


def test_a_crash_mid_build_keeps_the_previous_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = make_corpus(tmp_path / "rules")
    output = tmp_path / "catalog.db"
    build_catalog([Source("rules", str(corpus))], output, jobs=1)
    before = sha(output)

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr("rulelint.catalog.build._write", explode)
    with pytest.raises(RuntimeError):
        build_catalog([Source("rules", str(corpus))], output, jobs=1, incremental=False)
    assert sha(output) == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".catalog-")]
    Catalog(output)  # still opens


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_a_damaged_catalog_is_a_clear_error(tmp_path: Path, damage: str) -> None:
    output = tmp_path / "catalog.db"
    build_catalog([Source("rules", str(make_corpus(tmp_path / "rules")))], output, jobs=1)
    data = output.read_bytes()
    if damage == "truncate":
        output.write_bytes(data[: len(data) // 3])
    elif damage == "garbage":
        output.write_bytes(b"not a database" * 100)
    else:
        output.write_bytes(b"")
    with pytest.raises(CatalogError):
        catalog = Catalog(output)
        catalog.verify()


def test_rules_named_by_their_path_do_not_depend_on_where_the_corpora_sat(tmp_path: Path) -> None:
    """A .kql query has no id: the catalog names it by its path relative to its source, so two
    builds from different locations are equal, and the file checked from anywhere is its own."""
    from rulelint.catalog.build import build_catalog
    from rulelint.catalog.sources import Source
    from rulelint.catalog.store import Catalog

    query = '// MITRE: T1021.002\nDeviceProcessEvents\n| where FileName =~ "net.exe"\n'
    outputs = []
    for place in ("a", "b/deeper"):
        folder = tmp_path / place / "queries"
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "net.kql").write_text(query, encoding="utf-8")
        output = tmp_path / f"{place.replace('/', '-')}.db"
        build_catalog([Source(name="queries", root=str(folder))], output, jobs=1)
        outputs.append(output)
    assert outputs[0].read_bytes() == outputs[1].read_bytes()
    catalog = Catalog(outputs[0])
    assert catalog.own_rules(str(tmp_path / "elsewhere" / "sub" / "net.kql"), "kusto")
    assert not catalog.own_rules(str(tmp_path / "elsewhere" / "other.kql"), "kusto")
