"""Panther detections (YAML metadata + Python body) into canonical rules.

The YAML file is the rule file: ``AnalysisType`` (rule, scheduled_rule, correlation_rule,
scheduled_query, policy), ``RuleID``, ``DisplayName``, ``LogTypes``, ``Severity``, ``Reports:
MITRE ATT&CK: [TA0008:T1021]``, ``Tests``, ``Enabled``, ``Status``. The detection logic of rules is
the Python file named by ``Filename:`` beside it, read with ``ast`` by :mod:`.python_rule` (never
imported or executed); when it is absent the rule is read from its YAML alone (no expression, a
note). Scheduled queries give the simple predicates of their SQL ``WHERE``; correlation rules and
policies are catalogued without predicates.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from rulelint.attack import TECHNIQUE_RE, default_attack
from rulelint.formats.base import ExclusionFix
from rulelint.formats.errors import RuleReadError
from rulelint.formats.yamlsafe import LineDict, LineList, block_scalar_position, load_yaml
from rulelint.model import AttackTag, Rule, simplify
from rulelint.vocab.fields import field_map, name_path_pairs, path_name_pairs
from rulelint.vocab.tables import read_table

ANALYSIS_TYPES = ("rule", "scheduled_rule", "correlation_rule", "scheduled_query", "policy")
SNIFF_TYPE = re.compile(r"^AnalysisType\s*:\s*['\"]?([A-Za-z_]+)", re.MULTILINE)
SNIFF_ID = re.compile(r"^(RuleID|PolicyID)\s*:", re.MULTILINE)
ATTACK_ENTRY = re.compile(
    r"^\s*(TA\d{3,4})?\s*:?\s*((?:T\d{4}(?:\.\d{3})?\s*,?\s*)*)$", re.IGNORECASE
)
TECHNIQUE_ANY = re.compile(r"T\d{4}(?:\.\d{3})?", re.IGNORECASE)
MAX_BODY_BYTES = 2 * 1024 * 1024


@cache
def _logtype_events() -> dict[str, str]:
    return {row[0]: row[1] for row in read_table("events/panther_logtypes.tsv")}


@cache
def _logtype_platforms() -> dict[str, str]:
    return {row[0]: row[2] for row in read_table("events/panther_logtypes.tsv", 3) if row[2] != "-"}


@cache
def _table_logtypes() -> dict[str, str]:
    """SQL table name (``aws_cloudtrail``) -> LogType (``AWS.CloudTrail``)."""
    return {logtype.lower().replace(".", "_"): logtype for logtype in _logtype_events()}


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _line(document: Mapping[str, Any], key: str) -> int:
    return document.key_lines.get(key, 0) if isinstance(document, LineDict) else 0


class PantherReader:
    format = "panther"
    vendor = "panther"
    suffixes = (".yml", ".yaml")

    def sniff(self, path: str, head: str) -> bool:
        kind = SNIFF_TYPE.search(head)
        if kind is not None:
            return kind.group(1).lower() in ANALYSIS_TYPES
        return bool(SNIFF_ID.search(head))

    def read(self, path: str, text: str) -> list[Rule]:
        document = load_yaml(text)
        if not isinstance(document, Mapping):
            raise RuleReadError("a Panther analysis file must be a YAML mapping")
        kind = _text(document.get("AnalysisType")).lower() or "rule"
        if kind not in ANALYSIS_TYPES:
            raise RuleReadError(
                f"AnalysisType {kind!r} is not a detection", _line(document, "AnalysisType")
            )
        notes: list[str] = []
        logtypes = _string_list(document.get("LogTypes"), "LogTypes", document)
        scopes = tuple(f"logtype:{lt}" for lt in logtypes)
        extra: dict[str, Any] = {"analysis_type": kind}
        expression = None
        language = "panther-python"
        if kind in ("rule", "scheduled_rule"):
            expression = self._python(path, document, scopes, notes, extra)
            if kind == "scheduled_rule":
                extra["scheduled_queries"] = _string_list(
                    document.get("ScheduledQueries"), "ScheduledQueries", document
                )
        elif kind == "policy":
            language = "panther-policy"
            extra["resource_types"] = _string_list(
                document.get("ResourceTypes"), "ResourceTypes", document
            )
            notes.append("policy (cloud resource check): catalogued without event predicates")
        elif kind == "correlation_rule":
            language = "panther-correlation"
            extra["detection"] = _correlation_rule_ids(document.get("Detection"))
            notes.append("correlation rule: catalogued without predicates")
        else:
            language = "panther-sql"
            expression, tables = self._sql(document, notes, text)
            logtypes = [_table_logtypes()[t] for t in tables if t in _table_logtypes()]
        attack_tags = _attack_tags(document)
        status = _text(document.get("Status")).lower()
        events: list[str] = []
        for logtype in logtypes:
            key = _logtype_events().get(logtype)
            if key is None:
                key = f"panther:{logtype}"
            if key not in events:
                events.append(key)
        extra["log_types"] = logtypes
        if "Enabled" in document:
            extra["enabled"] = bool(document.get("Enabled"))
        tests = _tests(document.get("Tests"))
        if tests:
            extra["tests"] = tests
        rule_id = (
            _text(document.get("RuleID") or document.get("PolicyID") or document.get("QueryName"))
            or path
        )
        return [
            Rule(
                id=rule_id,
                vendor="panther",
                path=path,
                title=_text(document.get("DisplayName") or document.get("QueryName")) or rule_id,
                expression=simplify(expression),
                language=language,
                status=status,
                level=_text(document.get("Severity")).lower(),
                techniques=sorted({t.id for t in attack_tags if t.kind == "technique"}),
                tactics=sorted({t.id for t in attack_tags if t.kind == "tactic"}),
                platforms=sorted(
                    {_logtype_platforms()[lt] for lt in logtypes if lt in _logtype_platforms()}
                ),
                events=events,
                attack_tags=attack_tags,
                line=getattr(document, "line", 1) or 1,
                deprecated=status == "deprecated",
                notes=notes,
                extra=extra,
            )
        ]

    # -- bodies ---------------------------------------------------------------------------------

    def _python(
        self,
        path: str,
        document: Mapping[str, Any],
        scopes: tuple[str, ...],
        notes: list[str],
        extra: dict[str, Any],
    ):
        filename = _text(document.get("Filename"))
        if not filename:
            notes.append("no Filename: python body not available")
            return None
        if os.path.basename(filename) != filename or not filename.endswith(".py"):
            raise RuleReadError(
                f"Filename {filename!r} must name a .py file beside the YAML",
                _line(document, "Filename"),
            )
        body_path = os.path.join(os.path.dirname(path), filename)
        if not os.path.isfile(body_path):
            notes.append("python body not available")
            return None
        extra["body_path"] = body_path
        size = os.path.getsize(body_path)
        if size > MAX_BODY_BYTES:
            raise RuleReadError(
                f"{filename} is {size:,} bytes, over the {MAX_BODY_BYTES:,}-byte limit"
            )
        try:
            with open(body_path, encoding="utf-8") as handle:
                source = handle.read()
        except UnicodeDecodeError:
            raise RuleReadError(f"{filename} is not valid UTF-8") from None
        except OSError as error:
            raise RuleReadError(f"cannot read {filename}: {error.strerror or error}") from None
        # the Python and SQL readers load on first use: most runs meet no Panther rule
        from rulelint.formats.panther.python_rule import PythonRule, parse_module

        module = parse_module(source, body_path)
        rule_function = module.functions.get("rule")
        if rule_function is not None:  # a missing exclusion is added at the top of rule()
            extra["condition_line"] = rule_function.lineno
        try:
            return PythonRule(module, field_map("panther"), scopes, notes, body_path).expression()
        except RecursionError:
            raise RuleReadError(f"{filename}: rule() is nested too deeply to read") from None

    def _sql(self, document: Mapping[str, Any], notes: list[str], text: str):
        query = document.get("Query")
        if not isinstance(query, str) or not query.strip():
            notes.append("no Query: catalogued without predicates")
            return None, []
        first_line, indent = block_scalar_position(document, "Query", text)
        from rulelint.formats.panther.sql import WhereReader, log_tables, tokenize

        tables = log_tables(tokenize(query))
        scopes = {t: (f"logtype:{_table_logtypes()[t]}",) for t in tables if t in _table_logtypes()}
        expression = WhereReader(field_map("panther"), scopes, first_line, notes, indent).read(
            query
        )
        if expression is None:
            notes.append("scheduled query: no simple WHERE predicates")
        return expression, tables

    # -- fixes ----------------------------------------------------------------------------------

    def exclusion_snippet(self, rule: Rule, fixes: list[ExclusionFix]) -> str | None:
        """Guards to put at the top of rule(): ``if event.get("f") == "x":\\n    return False``."""
        if not fixes or rule.language not in ("panther-python", "panther-sql"):
            return None
        logtypes = rule.extra.get("log_types") or []
        scopes = tuple(f"logtype:{lt}" for lt in logtypes) if isinstance(logtypes, list) else ()
        blocks: list[str] = []
        for fix in fixes:
            test = _python_test(fix, scopes)
            if test:
                blocks.append(f"if {test}:\n    return False")
        return "\n".join(blocks) or None


# -- metadata helpers -----------------------------------------------------------------------------


def _string_list(value: Any, key: str, document: Mapping[str, Any]) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if not isinstance(value, list):
        raise RuleReadError(f"{key} must be a list", _line(document, key))
    return [str(v) for v in value if v is not None]


def _attack_tags(document: Mapping[str, Any]) -> list[AttackTag]:
    reports = document.get("Reports")
    if not isinstance(reports, Mapping):
        return []
    entries = reports.get("MITRE ATT&CK") or []
    if not isinstance(entries, list):
        entries = [entries]
    lines = entries.lines if isinstance(entries, LineList) else [0] * len(entries)
    tags: list[AttackTag] = []
    for entry, line in zip(entries, lines, strict=False):
        raw = _text(entry)
        tactic, _, techniques = raw.partition(":")
        if not techniques and TECHNIQUE_ANY.fullmatch(tactic):
            tactic, techniques = "", tactic
        tactic = tactic.strip()
        if tactic:
            found = default_attack().tactic_by_any(tactic)
            if found is not None:
                tags.append(AttackTag(raw, "tactic", found[0], line))
            else:
                tags.append(AttackTag(raw, "unknown", tactic, line))
        for technique in TECHNIQUE_ANY.findall(techniques):
            ident = technique.upper()
            if TECHNIQUE_RE.match(ident):
                tags.append(AttackTag(raw, "technique", ident, line))
    return tags


def _tests(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        return []
    lines = value.lines if isinstance(value, LineList) else [0] * len(value)
    tests: list[dict[str, Any]] = []
    for item, line in zip(value, lines, strict=False):
        if isinstance(item, Mapping):
            tests.append(
                {
                    "name": _text(item.get("Name")),
                    "expected": bool(item.get("ExpectedResult")),
                    "line": line,
                }
            )
    return tests


def _correlation_rule_ids(detection: Any) -> list[str]:
    found: list[str] = []
    stack = [detection]
    while stack:
        current = stack.pop()
        if isinstance(current, Mapping):
            rule_id = current.get("RuleID")
            if isinstance(rule_id, str) and rule_id not in found:
                found.append(rule_id)
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(reversed(current))
    return found


# -- fix writing ----------------------------------------------------------------------------------


def _accessor(path: str) -> str:
    if path.startswith("udm:"):
        parts = path[4:].split(".")
        return "event.udm(" + ", ".join(repr(p) for p in parts) + ")"
    parts = path.split(".")
    if len(parts) == 1:
        return f"event.get({path!r})"
    return "event.deep_get(" + ", ".join(repr(p) for p in parts) + ")"


def _panther_field(fix: ExclusionFix, scopes: tuple[str, ...]) -> tuple[str, str]:
    """(Panther field path, canonical field it holds) for a fix."""
    fields = field_map("panther")
    if fields.canonical(fix.field, scopes) != fix.field or fix.field not in _canonical_names():
        return fix.field, fields.canonical(fix.field, scopes)
    for wanted in (fix.canonical_field, name_path_pairs().get(fix.canonical_field)):
        if wanted is None:
            continue
        for name in fields.vendor_names(wanted):
            if fields.canonical(name, scopes) == wanted:
                return name, wanted
    return fix.field, fix.canonical_field


@cache
def _canonical_names() -> frozenset[str]:
    return frozenset(row[1] for row in read_table("fields/panther.tsv"))


def _python_test(fix: ExclusionFix, scopes: tuple[str, ...]) -> str:
    path, holds = _panther_field(fix, scopes)
    accessor = _accessor(path)
    value = fix.display_value if fix.display_value is not None else fix.value
    text = value or ""
    operator = fix.operator
    if (
        operator == "eq"
        and holds != fix.canonical_field
        and path_name_pairs().get(holds) == fix.canonical_field
    ):
        endings = ("\\" + text.lower(), "/" + text.lower())
        return f"str({accessor} or '').lower().endswith({endings!r})"
    if operator == "eq":
        if re.fullmatch(r"-?\d+", text):
            return f"{accessor} == {int(text)}"
        return f"{accessor} == {text!r}"
    if operator == "ne":
        return f"{accessor} != {text!r}"
    if operator == "contains":
        return f"{text.lower()!r} in str({accessor} or '').lower()"
    if operator == "starts_with":
        return f"str({accessor} or '').lower().startswith({text.lower()!r})"
    if operator == "ends_with":
        return f"str({accessor} or '').lower().endswith({text.lower()!r})"
    if operator == "regex_match":
        return f"re.search({text!r}, str({accessor} or ''))  # needs: import re"
    if operator == "wildcard":
        return f"fnmatch.fnmatch(str({accessor} or '').lower(), {text.lower()!r})  # needs: import fnmatch"
    if operator == "cidr_match":
        return f"ipaddress.ip_address({accessor}) in ipaddress.ip_network({text!r})  # needs: import ipaddress"
    if operator == "is_null":
        return f"{accessor} is None"
    if operator == "is_not_null":
        return f"{accessor} is not None"
    if operator in ("gt", "ge", "lt", "le"):
        symbol = {"gt": ">", "ge": ">=", "lt": "<", "le": "<="}[operator]
        number = text if re.fullmatch(r"-?\d+(\.\d+)?", text) else repr(text)
        return f"({accessor} or 0) {symbol} {number}"
    if operator == "match":
        return f"{text.lower()!r} in str(event).lower()"
    return ""


def yaml_files_naming(body_path: str) -> list[str]:
    """The Panther rule YAML files beside ``body_path`` whose ``Filename:`` names it: a change to
    a rule's Python is checked through its YAML (the rule file)."""
    folder = os.path.dirname(body_path) or "."
    name = os.path.basename(body_path)
    naming = re.compile(rf"^Filename\s*:\s*['\"]?{re.escape(name)}['\"]?\s*$", re.MULTILINE)
    found: list[str] = []
    try:
        entries = sorted(os.listdir(folder))
    except OSError:
        return found
    for entry in entries:
        if not entry.lower().endswith((".yml", ".yaml")):
            continue
        candidate = os.path.join(folder, entry)
        try:
            with open(candidate, encoding="utf-8", errors="replace") as handle:
                head = handle.read(16 * 1024)
        except OSError:
            continue
        if naming.search(head):
            found.append(candidate)
    return found
