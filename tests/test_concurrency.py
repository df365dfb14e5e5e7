"""Several rulelint processes at once (pre-commit runs hooks in parallel): none fails, and the
shared cache (the combined catalog of ``extra-rules``) stays valid."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from rulelint.catalog.store import Catalog
from tests.helpers import LACKING, build, peer_corpus, sigma_rule, write

REPO = Path(__file__).resolve().parent.parent


def test_parallel_checks_share_the_cache(tmp_path: Path) -> None:
    catalog = build(tmp_path, peer_corpus(tmp_path / "corpus")).path
    repo = tmp_path / "repo"
    for index in range(30):
        detection = f"selection:\n    Image|endswith: '\\net.exe'\n    CommandLine|contains: ' own{index}'\ncondition: selection"
        write(
            repo / "own" / f"own{index}.yml",
            sigma_rule(f"Own {index}", detection, rule_id=f"own-{index}"),
        )
    write(repo / "new" / "lacking.yml", LACKING)
    write(repo / ".rulelint.toml", f'catalog = {json.dumps(str(catalog))}\nextra-rules = ["own"]\n')
    env = {**os.environ, "RULELINT_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "rulelint", "check", "--format", "json", str(repo / "new")]
    processes = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=REPO
        )
        for _ in range(4)
    ]
    outputs = [p.communicate(timeout=300) for p in processes]
    results = [(p.returncode, out, err) for p, (out, err) in zip(processes, outputs, strict=True)]
    for code, _out, err in results:
        assert code == 1, err
        assert "Traceback" not in err
    reports = [json.loads(out) for _, out, _ in results]
    assert all(r["summary"] == reports[0]["summary"] for r in reports)
    assert reports[0]["catalog"]["rules"] == 36
    cached = list((tmp_path / "cache").glob("combined-*.db"))
    assert len(cached) == 1
    Catalog(cached[0]).verify()
    assert not list((tmp_path / "cache").glob("*.tmp"))
