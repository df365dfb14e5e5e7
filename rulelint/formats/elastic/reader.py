"""Elastic detection rules (detection-rules TOML) into canonical rules.

A rule file has ``[metadata]`` (maturity ...) and ``[rule]`` (rule_id, name, severity, tags,
``type``, ``language``, ``index``, ``query``, ``[[rule.threat]]`` ATT&CK mappings, optional
``[[rule.filters]]``). The query is read with the grammar of its language (KQL, EQL, ES|QL,
Lucene); ``machine_learning`` rules have no query and are catalogued without predicates. TOML
keeps no positions, so the query's first line is found in the text and every predicate's line is
that line plus its offset inside the query.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from rulelint.attack import default_attack
from rulelint.formats.base import ExclusionFix
from rulelint.formats.elastic.events import rule_events, rule_platforms
from rulelint.formats.errors import RuleReadError
from rulelint.model import AttackTag, Node, Not, Rule, all_of, any_of, simplify
from rulelint.vocab.values import operator_for_parts, split_wildcards

if TYPE_CHECKING:  # the grammars (lark, luqum) load on the first Elastic rule, not at import
    from rulelint.formats.elastic.common import QueryContext

try:  # tomli (a dependency on 3.10) is the same parser compiled with mypyc: 3-4x faster
    import tomli as tomllib
except ImportError:  # pragma: no cover - Python 3.11+ without tomli
    import tomllib  # type: ignore[no-redef]

SNIFF_RULE_TABLE = re.compile(r"^\[rule\]\s*(?:#.*)?$", re.MULTILINE)
SNIFF_METADATA_TABLE = re.compile(r"^\[metadata\]\s*(?:#.*)?$", re.MULTILINE)
SNIFF_RULE_KEYS = re.compile(r"^(?:rule_id|maturity|creation_date)\s*=", re.MULTILINE)
TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")
TOML_DUPLICATE = re.compile(
    r"Cannot (?:overwrite a value|declare .* twice|mutate immutable namespace)"
)
QUERY_KEY = re.compile(r"^[ \t]*query[ \t]*=[ \t]*('''|\"\"\"|'|\")", re.MULTILINE)
RULE_HEADER = re.compile(r"^[ \t]*\[[ \t]*rule[ \t]*\][ \t]*(?:#.*)?$", re.MULTILINE)
THREAT_ID = re.compile(r"^[ \t]*id[ \t]*=[ \t]*[\"']((?:T|TA)\d{4}(?:\.\d{3})?)[\"']", re.MULTILINE)

LANGUAGES = ("kuery", "eql", "esql", "lucene")
NO_QUERY_TYPES = ("machine_learning",)
#: Kibana's language for a rule that names none: KQL, except for the EQL and ES|QL rule types
DEFAULT_LANGUAGES = {
    "eql": "eql",
    "esql": "esql",
    "query": "kuery",
    "threshold": "kuery",
    "new_terms": "kuery",
    "threat_match": "kuery",
}


def _text(value: Any) -> str:
    return "" if value is None else str(value)


class ElasticReader:
    format = "elastic-toml"
    vendor = "elastic"
    suffixes = (".toml",)

    def sniff(self, path: str, head: str) -> bool:
        if SNIFF_RULE_TABLE.search(head):
            return True
        return bool(SNIFF_METADATA_TABLE.search(head) and SNIFF_RULE_KEYS.search(head))

    def read(self, path: str, text: str) -> list[Rule]:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            raise _toml_error(error, text) from None
        rule = data.get("rule")
        if not isinstance(rule, Mapping):
            raise RuleReadError("no [rule] table: not an Elastic detection rule")
        metadata = data.get("metadata") or {}
        if not isinstance(metadata, Mapping):
            raise RuleReadError("[metadata] must be a table")
        return [self.read_rule(path, text, rule, metadata)]

    # -- one rule -------------------------------------------------------------------------------

    def read_rule(
        self, path: str, text: str, rule: Mapping[str, Any], metadata: Mapping[str, Any]
    ) -> Rule:
        notes: list[str] = []
        rule_type = _text(rule.get("type"))
        language = _text(rule.get("language")) or DEFAULT_LANGUAGES.get(rule_type, "")
        query = rule.get("query")
        index = rule.get("index") or []
        if not isinstance(index, list):
            index = [index]
        indexes = [str(i) for i in index]
        rule_line = _header_line(text, "rule")
        expression: Node | None = None
        extra: dict[str, object] = {"type": rule_type, "index": indexes}
        if query is None:
            if rule_type not in NO_QUERY_TYPES:
                raise RuleReadError(
                    f"rule of type {rule_type or '(none)'!r} has no query", rule_line
                )
            notes.append(f"{rule_type} rule: no query, catalogued without predicates")
            job = rule.get("machine_learning_job_id")
            if job:
                extra["machine_learning_job_id"] = _plain(job)
        else:
            if not isinstance(query, str):
                raise RuleReadError("'query' must be a string", _query_position(text, "")[0])
            from rulelint.formats.elastic.common import MAX_QUERY_CHARS, QueryContext

            if len(query) > MAX_QUERY_CHARS:
                raise RuleReadError(
                    f"query is {len(query):,} characters, over the {MAX_QUERY_CHARS:,} limit"
                )
            first_line, first_column = _query_position(text, query)
            ctx = QueryContext(first_line=first_line, first_column=first_column, notes=notes)
            category_field = _text(rule.get("event_category_override")) or "event.category"
            expression, esql_indexes = self.query(language, query, ctx, category_field)
            if esql_indexes:
                extra["index"] = indexes = indexes or esql_indexes
            filters = self.filters(rule.get("filters"), text, ctx)
            if filters is not None:
                expression = all_of([n for n in (expression, filters) if n is not None])
            expression = simplify(expression)
            if expression is None:
                notes.append(
                    "query has no event predicates (conditions on aggregates or computed values"
                    " are not predicates): it selects every event of its indexes"
                )
        for key in ("threshold", "new_terms", "alert_suppression"):
            if key in rule:
                extra[key] = _plain(rule[key])
        if rule_type == "threat_match":
            notes.append("threat_match rule: the indicator side (threat_query) is not read")
        building_block = _text(rule.get("building_block_type"))
        if building_block:
            extra["building_block_type"] = building_block
        raw_tags = rule.get("tags")
        tags = (
            [str(t) for t in raw_tags if isinstance(t, str)] if isinstance(raw_tags, list) else []
        )
        attack_tags = _attack_tags(rule.get("threat"), text)
        maturity = _text(metadata.get("maturity"))
        platforms = rule_platforms(tags, expression)
        return Rule(
            id=_text(rule.get("rule_id")) or path,
            vendor="elastic",
            path=path,
            title=_text(rule.get("name")),
            expression=expression,
            language=language if query is not None else "",
            status=maturity,
            level=_text(rule.get("severity")),
            techniques=sorted({t.id for t in attack_tags if t.kind == "technique"}),
            tactics=sorted({t.id for t in attack_tags if t.kind == "tactic"}),
            platforms=platforms,
            events=["elastic:ml"]
            if rule_type in NO_QUERY_TYPES
            else rule_events(expression, indexes, platforms),
            attack_tags=attack_tags,
            line=rule_line or 1,
            deprecated=maturity == "deprecated" or "/_deprecated/" in path.replace("\\", "/"),
            notes=notes,
            extra={
                **extra,
                "risk_score": _plain(rule.get("risk_score")),
                "tags": tags,
                "maturity": maturity,
            },
        )

    def query(
        self, language: str, query: str, ctx: QueryContext, category_field: str
    ) -> tuple[Node | None, list[str]]:
        """The query's expression (and ES|QL FROM indexes); syntax errors at their file line."""
        from rulelint.formats.elastic.eql import EqlError, eql_to_node
        from rulelint.formats.elastic.esql import EsqlError, esql_to_query
        from rulelint.formats.elastic.kuery import KueryError, kuery_to_node
        from rulelint.formats.elastic.lucene import LuceneError, lucene_to_node

        try:
            if language == "kuery":
                return kuery_to_node(query, ctx), []
            if language == "eql":
                return eql_to_node(query, ctx, category_field), []
            if language == "esql":
                parsed = esql_to_query(query, ctx)
                return parsed.expression, parsed.indexes
            if language == "lucene":
                return lucene_to_node(query, ctx), []
        except (KueryError, EqlError, EsqlError, LuceneError) as error:
            line = ctx.first_line + error.line - 1 if error.line else ctx.first_line
            raise RuleReadError(str(error), line) from None
        except RecursionError:
            raise RuleReadError("query is nested too deeply to read", ctx.first_line) from None
        raise RuleReadError(
            f"unknown query language {language!r} (expected one of {', '.join(LANGUAGES)})",
            ctx.first_line,
        )

    def filters(self, filters: Any, text: str, ctx: QueryContext) -> Node | None:
        """``[[rule.filters]]`` (Kibana filter pills): ``negate = true`` ones are exclusions."""
        if not isinstance(filters, list):
            return None
        lines = _header_lines(text, "rule.filters")
        nodes: list[Node] = []
        for number, entry in enumerate(filters):
            if not isinstance(entry, Mapping):
                continue
            line = lines[number] if number < len(lines) else ctx.first_line
            meta = entry.get("meta") or {}
            if isinstance(meta, Mapping) and meta.get("disabled"):
                continue
            node = _filter_node(entry, ctx, line)
            if node is None:
                ctx.note(f"filter {number + 1} at line {line} not read (unsupported filter query)")
                continue
            negate = isinstance(meta, Mapping) and bool(meta.get("negate"))
            nodes.append(Not(node) if negate else node)
        return all_of(nodes)

    def exclusion_snippet(self, rule: Rule, fixes: list[ExclusionFix]) -> str | None:
        from rulelint.formats.elastic.snippets import exclusion_snippet

        return exclusion_snippet(rule.language, fixes)


# -- helpers ------------------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """TOML values as JSON data (dates and times as ISO text), so ``Rule.extra`` can be stored."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    isoformat = getattr(value, "isoformat", None)
    return isoformat() if callable(isoformat) else str(value)


def _toml_error(error: Exception, text: str) -> RuleReadError:
    """The TOML library's error, with its line; a duplicate names the key or table it repeats."""
    message = str(error)
    position = TOML_POSITION.search(message)
    line = int(position.group(1)) if position else 0
    detail = TOML_POSITION.sub("", message).strip()
    if TOML_DUPLICATE.search(message):
        source = text.splitlines()[line - 1].strip() if 0 < line <= len(text.splitlines()) else ""
        if source.startswith("["):
            what = f"table {source.split('#', 1)[0].strip()}"
        else:
            what = f"key {source.split('=', 1)[0].strip()!r}" if "=" in source else "key or table"
        return RuleReadError(
            f"invalid TOML: duplicate {what} (each may be defined only once)", line
        )
    return RuleReadError(f"invalid TOML: {detail}", line)


def _line_at(text: str, position: int) -> int:
    return text.count("\n", 0, position) + 1


def _header_lines(text: str, name: str) -> list[int]:
    """Lines of the ``[name]``/``[[name]]`` table headers."""
    pattern = re.compile(
        r"^[ \t]*\[\[?[ \t]*" + re.escape(name) + r"[ \t]*\]\]?[ \t]*(?:#.*)?$", re.MULTILINE
    )
    return [_line_at(text, m.start()) for m in pattern.finditer(text)]


def _header_line(text: str, name: str) -> int:
    match = RULE_HEADER.search(text) if name == "rule" else None
    if match is not None:
        return _line_at(text, match.start())
    lines = _header_lines(text, name)
    return lines[0] if lines else 0


def _query_position(text: str, query: str) -> tuple[int, int]:
    """(1-based line, 0-based column) where the ``[rule]`` query's text starts in the file.

    The candidate ``query = '''`` whose following text is the parsed query wins; a multi-line
    string's newline right after the delimiter is not part of it (TOML trims it).
    """
    candidates: list[tuple[int, int, bool]] = []
    for match in QUERY_KEY.finditer(text):
        start = match.end()
        delimiter = match.group(1)
        if len(delimiter) == 3:
            if text.startswith("\r\n", start):
                start += 2
            elif text.startswith("\n", start):
                start += 1
        exact = delimiter in ("'''", "'") and text.startswith(query, start)
        first = query.lstrip().split("\n", 1)[0].strip()
        loose = bool(first) and text.find(first, start, start + len(first) * 4 + 200) >= 0
        candidates.append((start, 2 if exact else 1 if loose else 0, True))
    if not candidates:
        return 1, 0
    start = max(candidates, key=lambda c: (c[1], c[0]))[0]
    line = _line_at(text, start)
    column = start - (text.rfind("\n", 0, start) + 1)
    return line, column


def _attack_tags(threats: Any, text: str) -> list[AttackTag]:
    """ATT&CK ids of ``[[rule.threat]]`` (techniques, sub-techniques, tactics) with their lines."""
    if not isinstance(threats, list):
        return []
    lines: dict[str, int] = {}
    position = max(text.find("rule.threat"), 0)
    line = _line_at(text, position)
    for match in THREAT_ID.finditer(text, position):
        line += text.count("\n", position, match.start())
        position = match.start()
        lines.setdefault(match.group(1).upper(), line)
    attack = default_attack()
    found: list[AttackTag] = []
    seen: set[tuple[str, str]] = set()

    def add(raw: Any, kind: str) -> None:
        if not isinstance(raw, str) or not raw.strip():
            return
        text_id = raw.strip()
        identifier = text_id.upper()
        if kind == "tactic":
            tactic = attack.tactic_by_any(text_id)
            identifier = tactic[0] if tactic else text_id
        if (kind, identifier) in seen:
            return
        seen.add((kind, identifier))
        found.append(AttackTag(text_id, kind, identifier, lines.get(text_id.upper(), 0)))

    for threat in threats:
        if not isinstance(threat, Mapping):
            continue
        framework = _text(threat.get("framework"))
        if framework and "att&ck" not in framework.lower():
            continue
        tactic = threat.get("tactic")
        if isinstance(tactic, Mapping):
            add(tactic.get("id"), "tactic")
        techniques = threat.get("technique") or []
        for technique in techniques if isinstance(techniques, list) else []:
            if not isinstance(technique, Mapping):
                continue
            add(technique.get("id"), "technique")
            subtechniques = technique.get("subtechnique") or []
            for sub in subtechniques if isinstance(subtechniques, list) else []:
                if isinstance(sub, Mapping):
                    add(sub.get("id"), "technique")
    return found


def _filter_node(entry: Mapping[str, Any], ctx: QueryContext, line: int) -> Node | None:
    """One Kibana filter: ``query.wildcard``/``match_phrase``/``term``/``exists``, or ``exists``."""
    query = entry.get("query")
    exists = entry.get("exists")
    if isinstance(exists, Mapping) and exists.get("field"):
        return ctx.make(str(exists["field"]), "is_not_null", None, line=line, how="exists")
    if not isinstance(query, Mapping):
        return None
    nodes: list[Node] = []
    for kind, body in query.items():
        if not isinstance(body, Mapping):
            continue
        if kind == "exists" and body.get("field"):
            nodes.append(ctx.make(str(body["field"]), "is_not_null", None, line=line, how="exists"))
            continue
        for field_name, spec in body.items():
            value = spec.get("value", spec.get("query")) if isinstance(spec, Mapping) else spec
            if value is None:
                continue
            text = str(value).lower() if isinstance(value, bool) else str(value)
            if kind == "wildcard":
                insensitive = isinstance(spec, Mapping) and bool(spec.get("case_insensitive"))
                nodes.append(_wildcard(ctx, str(field_name), text, line, cased=not insensitive))
            elif kind in ("match_phrase", "match", "term"):
                nodes.append(
                    ctx.make(
                        str(field_name),
                        "eq",
                        text,
                        line=line,
                        how=kind,
                        raw_value=text,
                        cased=kind == "term",
                    )
                )
            elif kind == "terms" and isinstance(spec, list):
                alternatives: list[Node] = [
                    ctx.make(str(field_name), "eq", str(v), line=line, how="terms", cased=True)
                    for v in spec
                ]
                node = any_of(alternatives)
                if node is not None:
                    nodes.append(node)
    return all_of(nodes)


def _wildcard(ctx: QueryContext, field_name: str, text: str, line: int, *, cased: bool) -> Node:
    """An Elasticsearch ``wildcard`` query value (``*``/``?``, backslash escapes)."""
    operator, value = operator_for_parts(split_wildcards(text, escape="\\", single=True))
    return ctx.make(
        field_name, operator, value, line=line, how="wildcard", raw_value=text, cased=cased
    )
