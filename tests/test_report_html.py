"""The static HTML report: complete, escaped, deterministic, self-contained."""

from __future__ import annotations

import hashlib
from pathlib import Path

from rulelint.cli import main
from rulelint.reporters.html.site import write_site
from tests.helpers import build, peer_corpus, sigma_rule, write


def site_of(tmp_path: Path) -> tuple[Path, object]:
    corpus = peer_corpus(tmp_path / "corpus")
    hostile = "<script>alert('x')</script>"
    write(
        corpus / "hostile.yml",
        sigma_rule(
            hostile,
            f'selection:\n    CommandLine|contains: "{hostile}"\ncondition: selection',
            rule_id="h",
            tags=("attack.t1021",),
        ),
    )
    catalog = build(tmp_path, corpus)
    output = tmp_path / "site"
    report = write_site(catalog, output)
    return output, report


def digest(folder: Path) -> str:
    hasher = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            hasher.update(path.relative_to(folder).as_posix().encode() + path.read_bytes())
    return hasher.hexdigest()


def test_pages_sections_and_links(tmp_path: Path) -> None:
    output, report = site_of(tmp_path)
    assert report.pages == 2  # T1021 and its sub-technique T1021.002  # type: ignore[attr-defined]
    index = (output / "index.html").read_text()
    assert 'href="techniques/T1021.html"' in index and "Lateral Movement" in index
    page = (output / "techniques" / "T1021.html").read_text()
    for heading in (
        "Events covered",
        "Fields filtered most",
        "Top indicator values",
        "Exclusions",
        "Rules under this technique",
    ):
        assert heading in page
    assert 'class="bar"' in page and 'class="bar ops"' in page
    assert "svchost.exe" in page and "process.parent.name" in page
    assert 'data-vendors="sigma"' in page and 'id="vendor"' in page and 'id="platform"' in page


def test_rule_text_is_escaped(tmp_path: Path) -> None:
    output, _ = site_of(tmp_path)
    for path in output.rglob("*.html"):
        text = path.read_text()
        assert "<script>alert" not in text
    assert (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
        in (output / "techniques" / "T1021.html").read_text()
    )


def test_self_contained_and_deterministic(tmp_path: Path) -> None:
    output, _ = site_of(tmp_path)
    for path in output.rglob("*.html"):
        text = path.read_text()
        assert "http://" not in text.replace("http://json-schema", "")
        assert '<script src="https' not in text and "fonts.googleapis" not in text
    first = digest(output)
    write_site(
        __import__("rulelint.catalog.store", fromlist=["x"]).Catalog(tmp_path / "catalog.db"),
        output,
    )
    assert digest(output) == first


def test_cli_report(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    catalog = build(tmp_path, peer_corpus(tmp_path / "corpus"))
    assert (
        main(["catalog", "report", "--catalog", str(catalog.path), "-o", str(tmp_path / "out")])
        == 0
    )
    assert "technique pages" in capsys.readouterr().out
    assert (tmp_path / "out" / "assets" / "report.js").is_file()
