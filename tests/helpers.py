"""Small builders shared by tests: write rule files, build catalogs from them."""

from __future__ import annotations

import os
import subprocess
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


def peer_corpus(root: Path, count: int = 6) -> Path:
    """Rules for T1021 on process creation that all exclude svchost.exe as the parent."""
    for index in range(count):
        detection = (
            f"selection:\n    Image|endswith: '\\net.exe'\n    CommandLine|contains: ' flag{index}'\n"
            "filter_main_svchost:\n    ParentImage|endswith: '\\svchost.exe'\n"
            "condition: selection and not 1 of filter_main_*"
        )
        write(
            root / f"peer{index}.yml",
            sigma_rule(f"Peer {index}", detection, rule_id=f"peer-{index}"),
        )
    return root


LACKING = """\
title: Net use without exclusions
id: 5d1f0c2e-0000-4000-8000-000000000001
status: experimental
# a comment the fix must keep
tags:
    - attack.lateral-movement
    - attack.t1021.002
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: "\\\\net.exe"   # double quotes kept as written
        CommandLine|contains: ' use '
    condition: selection  # trailing comment
level: medium
"""


def git(repo: Path, *args: str) -> str:
    """Run git in a scratch repository with a fixed identity; its output, stripped."""
    identity = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com"}
    identity |= {"GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"}
    result = subprocess.run(
        ["git", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **identity},
    )
    return result.stdout.strip()


#: A security_content detection; ``search`` goes in single quotes (double any ' in it).
SPLUNK_DETECTION = """name: {name}
id: {id}
version: 1
status: {status}
type: TTP
description: test
data_source:
- Sysmon EventID 1
search: '{search}'
how_to_implement: test
known_false_positives: none
tags:
  analytic_story:
  - Test
  mitre_attack_id:
  - T1021.002
  product:
  - Splunk Enterprise
"""
