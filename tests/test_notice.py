"""The NOTICE names every source of the embedded default catalog (repository and commit)."""

from pathlib import Path

from rulelint.catalog.store import open_catalog

REPO = Path(__file__).resolve().parent.parent


def test_notice_lists_every_default_catalog_source() -> None:
    notice = (REPO / "NOTICE").read_text(encoding="utf-8")
    sources = open_catalog().sources()
    assert sources
    for source in sources:
        assert source["repository"] and source["repository"] in notice
        assert source["commit"] and source["commit"] in notice
        assert source["license"]


def test_default_catalog_is_small_enough_for_a_wheel() -> None:
    path = open_catalog().path
    assert path.stat().st_size < 45 * 1024 * 1024
