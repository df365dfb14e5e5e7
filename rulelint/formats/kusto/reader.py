"""Kusto (KQL) rules in their three containers: Sentinel analytic-rule YAML, bare ``.kql`` files,
and Markdown pages with fenced KQL blocks (Defender XDR / Sentinel hunting queries).

Every container hands its queries (text and first line in the file) to :func:`read_queries`;
the parse (:mod:`.parse`, lark) and the conversion (:mod:`.convert`) load on first use.
"""

from __future__ import annotations

import os
import re
from typing import Any

from rulelint.formats.base import ExclusionFix
from rulelint.formats.errors import RuleReadError
from rulelint.formats.yamlsafe import LineDict, LineList, block_scalar_position, load_yaml
from rulelint.model import AttackTag, Rule, simplify

TECHNIQUE = re.compile(r"\bT\d{4}(?:\.\d{3})?\b")
#: A fenced block; one left open runs to the end of the page (as CommonMark reads it).
FENCE = re.compile(
    r"^[ \t]*(```|~~~)[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:^[ \t]*\1[ \t]*\r?$|\Z)", re.M | re.S
)
KQL_LANGUAGES = frozenset({"kql", "kusto", "kusto-query", "csl"})
#: An unlabeled fence is KQL when it starts like a query: a table or let, then a pipe or where.
#: Comment lines may sit between the table and its first pipe; zero-width spaces pasted from web
#: pages count as white space, as they do for the grammar.
_WS = "[\\s\u200b\ufeff]*"
_COMMENTS = rf"(?://[^\n]*\n{_WS})*"  # each comment ends at its newline: no backtracking
LOOKS_LIKE_KQL = re.compile(
    rf"^{_WS}{_COMMENTS}(?:let\s+\w+\s*=|(?:print|union|search)\b|[A-Za-z_]\w*{_WS}{_COMMENTS}\|)"
)
#: ... and has a KQL pipe operator (``ls | grep`` in a shell fence starts the same way).
KQL_PIPE = re.compile(
    r"\|\s*(?:where|summarize|project|extend|join|union|distinct|take|limit|sort|order|top"
    r"|count|mv-expand|parse|evaluate|lookup|render|make-series|invoke)\b"
)
SNIFF_SENTINEL = re.compile(
    r"^(?:query|relevantTechniques|requiredDataConnectors|queryFrequency|triggerOperator)\s*:",
    re.M,
)
SEVERITIES = {"informational": "informational", "low": "low", "medium": "medium", "high": "high"}


def looks_like_kql(body: str) -> bool:
    """An unlabeled fence's text reads as a query: a table or ``let`` first, a pipe operator."""
    return bool(LOOKS_LIKE_KQL.match(body)) and bool(KQL_PIPE.search(body))


def read_queries(path: str, queries: list[tuple[str, int]], base: Rule, split: bool) -> list[Rule]:
    """One rule per query (``split``: a text may hold several, cut at blank lines)."""
    from rulelint.formats.kusto.convert import Converter, Unreadable, events_of, top_level
    from rulelint.formats.kusto.parse import KqlSyntaxError, parse_kql
    from rulelint.formats.kusto.scan import split_queries

    rules: list[Rule] = []
    errors: list[tuple[str, int]] = []
    for text, first_line in queries:
        pieces: list[tuple[str, int]] = [(text, first_line)]
        try:
            parsed = [(parse_kql(text), first_line)]
        except KqlSyntaxError as error:
            spans = split_queries(text) if split else []
            if len(spans) < 2:
                errors.append((error.message, first_line + max(error.line, 1) - 1))
                continue
            parsed = []
            pieces = [(text[a:b], first_line + text[:a].count("\n")) for a, b in spans]
            for piece, line in pieces:
                try:
                    parsed.append((parse_kql(piece), line))
                except KqlSyntaxError as piece_error:
                    errors.append((piece_error.message, line + max(piece_error.line, 1) - 1))
        lets: list[Any] = []
        for result, line in parsed:
            statements = [*lets, *result.statements]
            lets = [s for s in statements if type(s).__name__ == "Let"]
            if all(type(s).__name__ in ("Let", "Other") for s in result.statements):
                continue  # only bindings: the next query uses them
            try:
                converted = Converter(statements, line - 1).convert()
            except (Unreadable, RecursionError) as error:
                reason = error.reason if isinstance(error, Unreadable) else "nested too deeply"
                errors.append((reason, line))
                continue
            rule = _copy(base, len(rules))
            rule.line = line
            rule.expression = simplify(top_level(converted.expression))
            rule.notes.extend(converted.notes)
            events, platforms = events_of(converted.tables, rule.predicates())
            rule.events = events
            rule.platforms = rule.platforms or platforms
            rule.extra["tables"] = converted.tables
            if rule.expression is None and not any(
                n.startswith("no filter on event columns") for n in rule.notes
            ):
                rule.notes.append("no filter on event columns")
            rules.append(rule)
    if not rules and errors:
        reason, line = errors[0]
        raise RuleReadError(f"KQL: {reason}", line)
    for rule in rules:
        rule.notes.extend(f"query at line {line} not read: {reason}" for reason, line in errors)
    if len(rules) > 1:
        for index, rule in enumerate(rules):
            rule.id = f"{base.id}#{index + 1}"
    return rules


def _copy(base: Rule, index: int) -> Rule:
    return Rule(
        id=base.id,
        vendor="kusto",
        path=base.path,
        title=base.title if index == 0 else f"{base.title} ({index + 1})",
        expression=None,
        language="kql",
        status=base.status,
        level=base.level,
        techniques=list(base.techniques),
        tactics=list(base.tactics),
        platforms=list(base.platforms),
        attack_tags=list(base.attack_tags),
        deprecated=base.deprecated,
        notes=list(base.notes),
        extra=dict(base.extra),
    )


def attack_from(raw: list[tuple[str, int]]) -> tuple[list[str], list[AttackTag]]:
    """Technique ids and tags from ``(text, line)`` pairs (the catalog rolls sub-techniques up)."""
    tags: list[AttackTag] = []
    for text, line in raw:
        for found in TECHNIQUE.findall(text):
            tags.append(AttackTag(found, "technique", found.upper(), line))
    return sorted({t.id for t in tags}), tags


def _snippet(rule: Rule, fixes: list[ExclusionFix]) -> str | None:
    from rulelint.formats.kusto.snippets import exclusion_snippet

    return exclusion_snippet(rule, fixes)


class SentinelReader:
    """Microsoft Sentinel analytic rules (``query:`` with ``relevantTechniques:``)."""

    format = "sentinel-yaml"
    vendor = "kusto"
    suffixes = (".yaml", ".yml")

    def sniff(self, path: str, head: str) -> bool:
        keys = {m.group(0).split(":")[0] for m in SNIFF_SENTINEL.finditer(head)}
        return "query" in keys and len(keys) >= 2

    def read(self, path: str, text: str) -> list[Rule]:
        document = load_yaml(text)
        if not isinstance(document, dict):
            raise RuleReadError("not a Sentinel analytic rule (no mapping at the top)")
        query = document.get("query")
        if not isinstance(query, str) or not query.strip():
            raise RuleReadError("no query", _key_line(document, "query"))
        techniques_raw: list[tuple[str, int]] = []
        value = document.get("relevantTechniques") or []
        lines = value.lines if isinstance(value, LineList) else [0] * len(value)
        if isinstance(value, list):
            techniques_raw = [(str(v), line) for v, line in zip(value, lines, strict=False)]
        techniques, tags = attack_from(techniques_raw)
        tactics = [str(t) for t in document.get("tactics") or [] if isinstance(t, str)]
        status = str(document.get("status") or "")
        name = str(document.get("name") or os.path.basename(path))
        base = Rule(
            id=str(document.get("id") or path),
            vendor="kusto",
            path=path,
            title=name,
            expression=None,
            language="kql",
            status=status,
            level=SEVERITIES.get(str(document.get("severity") or "").lower(), ""),
            techniques=techniques,
            tactics=tactics,
            attack_tags=tags,
            deprecated="deprecated" in name.lower() or status.lower() == "deprecated",
            extra={
                "connectors": [
                    str(c.get("connectorId"))
                    for c in document.get("requiredDataConnectors") or []
                    if isinstance(c, dict)
                ],
                "kind": str(document.get("kind") or ""),
            },
        )
        first_line, _ = block_scalar_position(document, "query", text)
        rules = read_queries(path, [(query, max(first_line, 1))], base, split=False)
        for rule in rules:
            rule.extra["condition_line"] = max(first_line, 1)
        return rules

    def exclusion_snippet(self, rule: Rule, fixes: list[ExclusionFix]) -> str | None:
        return _snippet(rule, fixes)


class KqlFileReader:
    """Bare ``.kql`` files (and ``.txt`` ones that read as KQL, as Microsoft's hunting repository
    has them); ATT&CK ids from their comments (``// MITRE: T1021.002``)."""

    format = "kql"
    vendor = "kusto"
    suffixes = (".kql", ".kusto", ".csl", ".txt")

    def sniff(self, path: str, head: str) -> bool:
        if path.lower().endswith(".txt"):  # a text file is a query when it reads like one
            return bool(LOOKS_LIKE_KQL.match(head)) and "| where" in head
        return True

    def read(self, path: str, text: str) -> list[Rule]:
        comments = [
            (line, number)
            for number, line in enumerate(text.splitlines(), start=1)
            if line.lstrip().startswith("//")
        ]
        techniques, tags = attack_from(comments)
        title = next(
            (line.lstrip("/ ").strip() for line, _ in comments if line.lstrip("/ ").strip()),
            os.path.splitext(os.path.basename(path))[0],
        )
        base = Rule(
            id=path,
            vendor="kusto",
            path=path,
            title=title[:200],
            expression=None,
            language="kql",
            techniques=techniques,
            attack_tags=tags,
        )
        rules = read_queries(path, [(text, 1)], base, split=True)
        for rule in rules:
            rule.extra["condition_line"] = rule.line
        return rules

    def exclusion_snippet(self, rule: Rule, fixes: list[ExclusionFix]) -> str | None:
        return _snippet(rule, fixes)


class KqlMarkdownReader:
    """Markdown pages whose fenced KQL blocks are queries; ATT&CK ids from the page's text."""

    format = "kql-markdown"
    vendor = "kusto"
    suffixes = (".md", ".markdown")

    def sniff(self, path: str, head: str) -> bool:
        """A page with a ``kql``/``kusto`` fence, or another one holding a query (many hunting
        pages fence their Defender XDR and Sentinel queries without a language, FalconFriday's
        label them ``C#``)."""
        if re.search(r"^[ \t]*(```|~~~)[ \t]*(kql|kusto)\b", head, re.M | re.I):
            return True
        return any(looks_like_kql(m.group(3)) for m in FENCE.finditer(head))

    def read(self, path: str, text: str) -> list[Rule]:
        queries: list[tuple[str, int]] = []
        outside: list[tuple[str, int]] = []
        last = 0
        for match in FENCE.finditer(text):
            language = match.group(2).lower()
            body = match.group(3)
            line = text.count("\n", 0, match.start(3)) + 1
            outside.append((text[last : match.start()], text.count("\n", 0, last) + 1))
            last = match.end()
            if language in KQL_LANGUAGES or looks_like_kql(body):  # FalconFriday labels KQL C#
                queries.append((body, line))
        outside.append((text[last:], text.count("\n", 0, last) + 1))
        if not queries:
            raise RuleReadError("no fenced KQL block in this page")
        raw = [
            (line_text, start + offset)
            for block, start in outside
            for offset, line_text in enumerate(block.splitlines())
            if TECHNIQUE.search(line_text)
        ]
        techniques, tags = attack_from(raw)
        title_match = re.search(r"^#+\s*(.+)$", text, re.M)
        base = Rule(
            id=path,
            vendor="kusto",
            path=path,
            title=(title_match.group(1).strip() if title_match else os.path.basename(path))[:200],
            expression=None,
            language="kql",
            techniques=techniques,
            attack_tags=tags,
        )
        rules = read_queries(path, queries, base, split=True)
        for rule in rules:
            rule.extra["condition_line"] = rule.line
        return rules

    def exclusion_snippet(self, rule: Rule, fixes: list[ExclusionFix]) -> str | None:
        return _snippet(rule, fixes)


def _key_line(document: object, key: str) -> int:
    return document.key_lines.get(key, 0) if isinstance(document, LineDict) else 0
