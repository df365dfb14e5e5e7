"""Small builders shared by tests: write rule files, build catalogs from them."""

from __future__ import annotations

import textwrap
from pathlib import Path

from rulelint.catalog.build import build_catalog
from rulelint.catalog.sources import Source
from rulelint.catalog.store import Catalog


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def sigma_rule(
    title: str,
    detection: str,
    *,
    rule_id: str,
    tags: tuple[str, ...] = ("attack.t1021.002",),
    logsource: str = "category: process_creation\n    product: windows",
) -> str:
    tag_lines = "\n".join(f"    - {tag}" for tag in tags)
    body = textwrap.indent(textwrap.dedent(detection).strip(), "    ")
    return (
        f"title: {title}\nid: {rule_id}\nstatus: test\ntags:\n{tag_lines}\n"
        f"logsource:\n    {logsource}\ndetection:\n{body}\nlevel: medium\n"
    )


def build(tmp_path: Path, folder: Path, name: str = "catalog.db") -> Catalog:
    output = tmp_path / name
    build_catalog([Source(name=folder.name, root=str(folder))], output, jobs=1)
    return Catalog(output)
