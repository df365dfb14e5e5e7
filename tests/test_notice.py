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


def test_the_packed_default_catalog_is_small_and_packs_deterministically(tmp_path: Path) -> None:
    """The repository holds the xz-packed catalog (under 20 MiB); packing the unpacked copy
    again gives the same bytes, so a rebuild from unchanged sources changes nothing."""
    from rulelint.catalog.packed import PACKED_CATALOG, pack

    assert PACKED_CATALOG.stat().st_size < 20 * 1024 * 1024
    unpacked = open_catalog().path
    again = tmp_path / "default.db.xz"
    pack(unpacked, again)
    assert again.read_bytes() == PACKED_CATALOG.read_bytes()


def test_the_default_catalog_unpacks_once_into_the_cache(tmp_path: Path, monkeypatch) -> None:
    from rulelint.catalog.packed import default_catalog_path

    monkeypatch.setenv("RULELINT_CACHE_DIR", str(tmp_path))
    (tmp_path / "catalog").mkdir()
    earlier = tmp_path / "catalog" / ("default-" + "0" * 16 + ".db")  # from an older install
    earlier.write_bytes(b"SQLite format 3\x00")
    first = default_catalog_path()
    assert not earlier.exists()
    assert first.parent == tmp_path / "catalog" and first.is_file()
    stamp = first.stat().st_mtime_ns
    assert default_catalog_path() == first and first.stat().st_mtime_ns == stamp
    assert [p.name for p in first.parent.iterdir()] == [first.name]  # no temporary left behind
