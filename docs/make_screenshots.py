#!/usr/bin/env python3
"""Screenshots of the catalog report (docs/screenshots/*.png), from the default catalog.

    python docs/make_screenshots.py

Needs Debian's chromium and chromium-driver. Generates the report into a temporary folder, opens
the index (searching "remote") and T1021's page in headless Chromium, and saves the pictures.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from rulelint.catalog.store import open_catalog  # noqa: E402
from rulelint.reporters.html.site import write_site  # noqa: E402
from tests.webdriver import Browser, available  # noqa: E402


def main() -> int:
    if not available():
        print(
            "chromium and chromedriver are needed (apt-get install chromium chromium-driver)",
            file=sys.stderr,
        )
        return 2
    output = HERE / "screenshots"
    output.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        site = Path(folder)
        write_site(open_catalog(), site)
        with Browser(1280, 900) as browser:
            browser.open((site / "index.html").as_uri())
            browser.type("#search", "remote")
            browser.screenshot(output / "report-index.png")
        with Browser(1280, 1400) as browser:
            browser.open((site / "techniques" / "T1021.html").as_uri())
            browser.screenshot(output / "report-t1021.png")
    for picture in sorted(output.glob("*.png")):
        print(picture.relative_to(HERE.parent))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
