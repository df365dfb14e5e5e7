"""``rulelint check``: read files, judge each rule against the catalog, collect findings.

Files are independent, so large runs are spread over processes; each worker opens the catalog
itself (read-only, immutable: no locks). Output order is the input order.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatch

from rulelint.attack import Attack, default_attack
from rulelint.catalog.noise import noise_score
from rulelint.catalog.store import Catalog
from rulelint.checks.base import Context, Finding
from rulelint.checks.registry import enabled_checks
from rulelint.formats import MAX_FILE_BYTES, READERS, read_rule_file
from rulelint.formats.base import Reader
from rulelint.formats.parsecache import ParseCache
from rulelint.model import Rule
from rulelint.settings import Settings
from rulelint.suppress import apply_comments, apply_config, code_matches, parse_suppressions

PARALLEL_THRESHOLD = 400  # below this many files one process is faster than starting workers


@dataclass(slots=True)
class RuleReport:
    rule: Rule
    noise_score: float
    findings: list[Finding] = field(default_factory=list)


@dataclass(slots=True)
class FileReport:
    path: str
    format: str
    error: str | None = None
    error_line: int = 0
    rules: list[RuleReport] = field(default_factory=list)


def reader_for(format_name: str) -> Reader | None:
    return next((entry.reader for entry in READERS if entry.format == format_name), None)


class Checker:
    """Judges rules against one catalog with one set of settings."""

    def __init__(
        self,
        catalog: Catalog,
        settings: Settings | None = None,
        attack: Attack | None = None,
        *,
        edits: bool = False,
        cache: ParseCache | None = None,
    ) -> None:
        self.catalog = catalog
        self.cache = cache
        self.edits = edits  # compute fixes as text edits (for SARIF): costs a re-read per fix
        self.settings = settings or Settings()
        self.attack = attack or default_attack()
        self.checks = enabled_checks(self.settings.select, self.settings.ignore)
        self.report_unused = any(check.code == "RL001" for check in self.checks)

    def check_rule(
        self, rule: Rule, reader: Reader | None, skip: tuple[str, ...] = ()
    ) -> RuleReport:
        context = Context(rule, self.catalog, self.attack, self.settings, reader)
        findings: list[Finding] = []
        for check in self.checks:
            if skip and code_matches(check.code, check.name, skip):
                continue
            findings.extend(check.run(context))
        findings.sort(key=lambda f: (f.line, f.code))
        score = noise_score(rule.expression, context.reach, context.total_rules)
        return RuleReport(rule, score, findings)

    def check_file(self, path: str, max_bytes: int = MAX_FILE_BYTES) -> FileReport | None:
        result = read_rule_file(path, max_bytes=max_bytes, cache=self.cache)
        if result is None:
            return None
        report = FileReport(path, result.format, result.error, result.error_line)
        if result.error:
            return report
        reader = reader_for(result.format)
        skip = self._skipped_codes(path)
        report.rules = [self.check_rule(rule, reader, skip) for rule in result.rules]
        if self.edits:
            self._attach_edits(report, reader, result.text)
        self._suppress(report, result.text)
        return report

    def _skipped_codes(self, path: str) -> tuple[str, ...]:
        """Codes the configuration turns off for this path (``per-file-ignores``)."""
        normalized = path.replace("\\", "/")
        codes: list[str] = []
        for pattern, ignored in self.settings.per_file_ignores.items():
            if fnmatch(normalized, pattern) or fnmatch(normalized, f"*/{pattern}"):
                codes.extend(ignored)
        return tuple(codes)

    @staticmethod
    def _attach_edits(report: FileReport, reader: Reader | None, text: str) -> None:
        make_edit = getattr(reader, "exclusion_edit", None)
        if make_edit is None:
            return
        for rule_report in report.rules:
            for finding in rule_report.findings:
                if finding.exclusion is not None:
                    edit = make_edit(rule_report.rule, text, [finding.exclusion])
                    if edit is not None:
                        finding.edits = [edit]

    def _suppress(self, report: FileReport, text: str) -> None:
        comments = parse_suppressions(text)
        for rule_report in report.rules:
            apply_comments(rule_report.findings, comments)
            codes = self.settings.suppress.get(rule_report.rule.id)
            used = apply_config(
                rule_report.findings, codes, self.settings.source or "configuration"
            )
            if codes is not None and not used and self.report_unused:
                rule_report.findings.append(
                    Finding(
                        "RL001",
                        "unused-suppression",
                        self.settings.severity_overrides.get("RL001", "info"),
                        rule_report.rule.line,
                        f"the configuration suppresses {', '.join(codes)} for rule {rule_report.rule.id}, "
                        "which raises none of them",
                    )
                )
        if self.report_unused and report.rules:
            first = report.rules[0]
            for comment in comments:
                if not comment.used:
                    first.findings.append(
                        Finding(
                            "RL001",
                            "unused-suppression",
                            self.settings.severity_overrides.get("RL001", "info"),
                            comment.line,
                            f"'{comment.label}' suppresses nothing: remove it",
                        )
                    )
            first.findings.sort(key=lambda f: (f.line, f.code))


# -- parallel runs ------------------------------------------------------------------------------

_WORKER: Checker | None = None


def _init_worker(
    catalog_path: str, settings: Settings, edits: bool, cache: ParseCache | None
) -> None:
    global _WORKER
    _WORKER = Checker(Catalog(catalog_path), settings, edits=edits, cache=cache)


def _adopt_worker(checker: Checker) -> None:
    """In a forked worker: use the parent's checker (its preloaded catalog tables are shared
    copy-on-write) with a connection of the worker's own (SQLite connections do not cross fork)."""
    global _WORKER
    checker.catalog.reconnect()
    _WORKER = checker


def _work(path: str) -> FileReport | None:
    assert _WORKER is not None
    report = _WORKER.check_file(path)
    if report is not None:
        for rule_report in report.rules:  # the parent reports findings: do not ship the trees back
            rule_report.rule.expression = None
    return report


def check_paths(
    paths: Sequence[str],
    checker: Checker,
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[tuple[str, FileReport | None]]:
    """(path, report) for every path, in order; None for files no reader recognizes."""
    jobs = jobs if jobs is not None else (os.cpu_count() or 1)
    total = len(paths)
    if jobs <= 1 or total < PARALLEL_THRESHOLD:
        for index, path in enumerate(paths, start=1):
            yield path, checker.check_file(path)
            if progress:
                progress(index, total)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor  # only large runs pay for the import

    if "fork" in multiprocessing.get_all_start_methods():
        checker.catalog.preload()  # once, in the parent: the forked workers share it
        pool_options: dict[str, object] = {
            "mp_context": multiprocessing.get_context("fork"),
            "initializer": _adopt_worker,
            "initargs": (checker,),
        }
    else:
        pool_options = {
            "initializer": _init_worker,
            "initargs": (str(checker.catalog.path), checker.settings, checker.edits, checker.cache),
        }
    with ProcessPoolExecutor(max_workers=jobs, **pool_options) as pool:  # type: ignore[arg-type]
        for index, (path, report) in enumerate(
            zip(paths, pool.map(_work, paths, chunksize=32), strict=True), start=1
        ):
            yield path, report
            if progress:
                progress(index, total)
