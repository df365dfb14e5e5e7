"""The HTML report in a real browser (headless Chromium): search, filters, screenshots.

Skipped where Debian's chromium and chromium-driver are absent (``.ci/run`` installs them).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rulelint.catalog.store import open_catalog
from rulelint.reporters.html.site import write_site
from tests.webdriver import Browser, available

pytestmark = pytest.mark.skipif(
    not available(), reason="chromium and chromedriver are not installed"
)

VISIBLE_TECHNIQUES = "return document.querySelectorAll('tr[data-technique]:not([hidden])').length"
VISIBLE_RULES = "return document.querySelectorAll('ul.rules li:not([hidden])').length"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("site")
    write_site(open_catalog(), folder)
    return folder


def test_index_search_and_vendor_filter(site: Path, tmp_path: Path) -> None:
    with Browser() as browser:
        browser.open((site / "index.html").as_uri())
        everything = browser.script(VISIBLE_TECHNIQUES)
        assert everything > 100
        assert (
            browser.script(
                "return getComputedStyle(document.querySelector('header')).backgroundColor"
            )
            != "rgba(0, 0, 0, 0)"
        )
        browser.type("#search", "remote services")
        remote = browser.script(
            "return Array.from(document.querySelectorAll('tr[data-technique]:not([hidden])')).map(r => r.dataset.technique)"
        )
        assert "T1021" in remote and len(remote) < 10
        assert browser.script("return document.getElementById('visible-total').textContent") == str(
            len(set(remote))
        )
        browser.clear("#search")
        browser.select("#vendor", "elastic")
        elastic = browser.script(VISIBLE_TECHNIQUES)
        assert 0 < elastic < everything
        browser.screenshot(tmp_path / "index.png")
    assert (tmp_path / "index.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_technique_page_filters(site: Path, tmp_path: Path) -> None:
    with Browser(1280, 1400) as browser:
        browser.open((site / "techniques" / "T1021.html").as_uri())
        assert (
            browser.script("return document.querySelector('h1').textContent")
            == "T1021 Remote Services"
        )
        everyone = browser.script(VISIBLE_RULES)
        assert everyone > 50
        browser.select("#vendor", "sigma")
        sigma = browser.script(VISIBLE_RULES)
        assert 0 < sigma < everyone
        assert browser.script(
            "return Array.from(document.querySelectorAll('ul.rules li:not([hidden])')).every(li => li.dataset.vendors === 'sigma')"
        )
        browser.select("#vendor", "")
        browser.select("#platform", "linux")
        linux = browser.script(VISIBLE_RULES)
        assert 0 < linux < everyone
        browser.select("#platform", "")
        browser.type("#search", "net.exe")
        rows = browser.script(
            "return document.querySelectorAll('table tr[data-filterable]:not([hidden])').length"
        )
        assert rows >= 1
        browser.screenshot(tmp_path / "t1021.png")
    assert (tmp_path / "t1021.png").stat().st_size > 10_000
