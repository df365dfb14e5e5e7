"""Fuzzing every reader: mutated real rules and random text must give rules or a clean error.

Used by tests/fuzz/test_fuzz_readers.py (a few hundred examples per reader in the suite) and by
bench/fuzz.py (many more, with counts printed).
"""

from __future__ import annotations

import os
import time
from collections import Counter
from pathlib import Path

from hypothesis import strategies as st

from rulelint.formats import READERS
from rulelint.formats.base import Reader
from rulelint.formats.errors import RuleReadError
from rulelint.formats.panther.python_rule import PythonRule, parse_module
from rulelint.model import Node
from rulelint.vocab.fields import field_map
from rulelint.walk import iter_rule_files

CORPORA = Path(__file__).resolve().parents[2].parent / "shared" / "corpora"

#: Per reader format: corpus folders to sample seeds from (when the corpora are present).
SEED_FOLDERS: dict[str, list[str]] = {
    "sigma": ["sigma/rules", "sigma/deprecated"],
    "elastic-toml": ["elastic/rules", "elastic/rules_building_block"],
    "yaral": ["chronicle/rules/community", "chronicle/rules/_deprecated"],
    "panther": ["panther/rules", "panther/correlation_rules", "panther/queries"],
    "splunk-yaml": ["splunk/detections"],
    "sentinel-yaml": ["kusto/azure-sentinel"],
    "kql": ["kusto/reprise99"],
    "kql-markdown": ["kusto/bert-janp", "kusto/falconfriday", "kusto/m365-hunting"],
}

#: Panther's Python rule bodies: a local copy of panther-analysis, when there is one.
PANTHER_ANALYSIS = Path(
    os.environ.get("RULELINT_PANTHER_ANALYSIS")
    or Path(__file__).resolve().parents[2].parent / "panther-analysis"
)

#: Per reader format: hand-written seeds (used always).
INLINE_SEEDS: dict[str, list[str]] = {
    "sigma": [
        "title: t\nid: x\nlogsource: {product: windows, category: process_creation}\ndetection:\n"
        "  sel:\n    Image|endswith: ['\\\\a.exe', '\\\\b.exe']\n    CommandLine|contains|all: [' -x ', ' -y ']\n"
        "  filter:\n    ParentImage|startswith: 'C:\\\\Windows\\\\'\n  condition: sel and not filter\n",
        "title: k\nlogsource: {product: linux, service: syslog}\ndetection:\n  keywords: ['a*b', 'c?d']\n"
        "  condition: 1 of them\n",
    ],
    "yaral": [
        'rule r {\n  meta:\n    technique = "T1021"\n  events:\n'
        '    $e.metadata.event_type = "PROCESS_LAUNCH"\n'
        "    re.regex($e.target.process.file.full_path, `\\\\net\\.exe$`) nocase\n"
        "    not $e.principal.process.file.full_path = /svchost/ nocase\n"
        "  condition:\n    $e\n}\n",
    ],
    "kql": [
        'let tools = dynamic(["a.exe", "b.exe"]);\nDeviceProcessEvents\n'
        '| where FileName in~ (tools) and ProcessCommandLine has_any ("-x", "/y")\n'
        '| where not(InitiatingProcessFileName =~ "svchost.exe")\n| summarize count() by DeviceName\n',
    ],
    "panther-python": [
        "import re\nUSERS = {'root', 'admin'}\n\ndef rule(event):\n"
        "    if event.get('eventName') != 'ConsoleLogin':\n        return False\n"
        "    if event.deep_get('userIdentity', 'type') in USERS:\n        return False\n"
        "    return re.search(r'^arn:aws', event.get('arn', '')) is not None\n",
    ],
}

SPECIALS = [
    "\n",
    " ",
    ":",
    "- ",
    "[",
    "]",
    "{",
    "}",
    "&a",
    "*a",
    "!!",
    "|",
    "'",
    '"',
    "\\",
    "*",
    "?",
    "%",
    "#",
    "\t",
    "\x00",
    "\u202e",
    "(",
    ")",
    "not ",
    " and ",
    " or ",
    "1 of ",
    "\r",
]


class PantherPythonBody:
    """Panther's ``rule(event)`` Python, fuzzed on its own: the YAML reader only reaches it
    through a file named beside the YAML, so this wraps the ``ast`` reader directly."""

    format = "panther-python"
    vendor = "panther"
    suffixes = (".py",)

    def read(self, path: str, text: str) -> list[Node]:
        module = parse_module(text, path)
        expression = PythonRule(module, field_map("panther"), (), [], path).expression()
        return [] if expression is None else [expression]


def seeds(reader: Reader, per_folder: int = 40) -> list[str]:
    texts = list(INLINE_SEEDS.get(reader.format, [])) or [f"# {reader.format}\n"]
    if reader.format == "panther-python" and PANTHER_ANALYSIS.is_dir():
        bodies = sorted(PANTHER_ANALYSIS.glob("rules/**/*.py"))
        for path in bodies[:: max(len(bodies) // per_folder, 1)][:per_folder]:
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    for folder in SEED_FOLDERS.get(reader.format, []):
        root = CORPORA / folder
        if not root.is_dir():
            continue
        files = sorted(iter_rule_files([str(root)]))
        step = max(len(files) // per_folder, 1)
        for path in files[::step][:per_folder]:
            try:
                texts.append(Path(path).read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError):
                continue
    return texts


@st.composite
def mutated(draw: st.DrawFn, texts: list[str]) -> str:
    """A seed with a handful of random edits: deletions, insertions, duplicated or swapped lines."""
    text = draw(st.sampled_from(texts))
    for _ in range(draw(st.integers(min_value=1, max_value=6))):
        kind = draw(
            st.sampled_from(["delete", "insert", "special", "dup-line", "swap-lines", "truncate"])
        )
        if not text:
            text = draw(st.text(max_size=50))
            continue
        position = draw(st.integers(min_value=0, max_value=len(text)))
        if kind == "delete":
            length = draw(st.integers(min_value=1, max_value=20))
            text = text[:position] + text[position + length :]
        elif kind == "insert":
            text = text[:position] + draw(st.text(max_size=20)) + text[position:]
        elif kind == "special":
            text = text[:position] + draw(st.sampled_from(SPECIALS)) + text[position:]
        elif kind == "truncate":
            text = text[:position]
        else:
            lines = text.split("\n")
            i = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            j = draw(st.integers(min_value=0, max_value=len(lines) - 1))
            if kind == "dup-line":
                lines.insert(j, lines[i])
            else:
                lines[i], lines[j] = lines[j], lines[i]
            text = "\n".join(lines)
    return text


def inputs(reader: Reader) -> st.SearchStrategy[str]:
    texts = seeds(reader)
    return st.one_of(mutated(texts), st.text(max_size=400))


def read_one(
    reader: Reader, text: str, outcomes: Counter[str] | None = None, budget: float = 2.0
) -> None:
    """Read one input; only rules or a RuleReadError are allowed, within the time budget."""
    started = time.perf_counter()
    try:
        rules = reader.read(f"fuzz{reader.suffixes[0]}", text)
        outcome = "rules" if rules else "no rules"
    except RuleReadError:
        outcome = "error"
    elapsed = time.perf_counter() - started
    if outcomes is not None:
        outcomes[outcome] += 1
    assert elapsed < budget, f"{reader.format}: {elapsed:.2f} s for one input"


def readers() -> list[Reader]:
    return [*READERS, PantherPythonBody()]  # type: ignore[list-item]
