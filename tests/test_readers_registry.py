"""The reader registry: readers are imported on first use, and what the registry declares about
each (format, vendor, suffixes) is what the reader class says."""

from __future__ import annotations

import importlib
import subprocess
import sys
from pathlib import Path

from rulelint.formats import READERS
from tests.helpers import LACKING, write


def test_declarations_match_the_reader_classes() -> None:
    for entry in READERS:
        cls = getattr(importlib.import_module(entry.module), entry.name)
        assert (entry.format, entry.vendor, entry.suffixes) == (
            cls.format,
            cls.vendor,
            cls.suffixes,
        ), entry.name
    assert len({entry.format for entry in READERS}) == len(READERS)


def test_checking_sigma_rules_loads_no_other_reader(tmp_path: Path) -> None:
    """Start-up time: a Sigma run must not import the KQL, SPL, EQL or YARA-L readers."""
    rule = write(tmp_path / "rule.yml", LACKING)
    probe = (
        "import sys\n"
        "from rulelint.cli import main\n"
        f"main(['check', '--no-cache', {str(rule)!r}])\n"
        "print(sorted(m for m in sys.modules if m.startswith('rulelint.formats.')"
        " and m.endswith('.reader')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    loaded = done.stdout.strip().splitlines()[-1]
    assert "rulelint.formats.sigma.reader" in loaded
    for other in ("kusto", "splunk", "elastic", "yaral"):
        assert f"rulelint.formats.{other}.reader" not in loaded
