"""``rulelint check PATH...``: judge rule files against the catalog and report the findings."""

from __future__ import annotations

import argparse
import os
import sys
from fnmatch import fnmatch
from pathlib import Path

from rulelint.commands.common import (
    EXIT_ERROR,
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    add_catalog_option,
    collect,
    open_catalog,
    split_codes,
)
from rulelint.walk import iter_rule_files

FORMATS = ("text", "json", "sarif", "github", "markdown", "junit")
MAX_FIX_ROUNDS = 10


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = commands.add_parser("check", help="check rule files and folders")
    check.add_argument("paths", nargs="*", metavar="PATH", help="rule files or folders")
    add_catalog_option(check)
    check.add_argument(
        "--format", choices=FORMATS, default="text", help="report format (default: text)"
    )
    check.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write the report to FILE (text still goes to the terminal)",
    )
    check.add_argument(
        "--report",
        action="append",
        default=[],
        metavar="FORMAT:FILE",
        help="also write a report in FORMAT to FILE (repeatable), e.g. sarif:rulelint.sarif",
    )
    check.add_argument(
        "--fail-on",
        choices=("error", "warning", "info", "never"),
        default=None,
        help="exit 1 when findings at or above this severity remain (default: warning)",
    )
    check.add_argument(
        "--select",
        action="append",
        default=[],
        metavar="CODES",
        help="only these checks (e.g. RL101,RL2)",
    )
    check.add_argument(
        "--ignore", action="append", default=[], metavar="CODES", help="skip these checks"
    )
    check.add_argument(
        "--changed-since", metavar="REF", help="check only rule files changed since a git ref"
    )
    check.add_argument(
        "--fix", action="store_true", help="apply the fixes rulelint can make (Sigma exclusions)"
    )
    check.add_argument(
        "--diff", action="store_true", help="show the fixes as a diff, change nothing"
    )
    check.add_argument(
        "--config", metavar="TOML", help="configuration file (default: found upward from the paths)"
    )
    check.add_argument("--isolated", action="store_true", help="ignore configuration files")
    check.add_argument(
        "--jobs", "-j", type=int, default=None, help="worker processes (default: CPU count)"
    )
    check.add_argument(
        "--no-cache",
        action="store_true",
        help="parse every file (do not use or fill the parse cache)",
    )
    check.add_argument(
        "--no-fixes", action="store_true", help="do not print suggested fixes in text output"
    )
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    check.set_defaults(func=run)


def _load_configuration(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from rulelint.config import ConfigError, find_config, load_config

    if args.isolated:
        return load_config(None)
    path = (
        Path(args.config)
        if args.config
        else find_config(Path(args.paths[0] if args.paths else "."))
    )
    if args.config and not path.is_file():  # type: ignore[union-attr]
        raise UsageError(f"configuration file {args.config} does not exist")
    try:
        return load_config(path)
    except ConfigError as error:
        raise UsageError(str(error)) from None


def _parse_reports(values: list[str]) -> list[tuple[str, str]]:
    reports = []
    for value in values:
        kind, _, target = value.partition(":")
        if kind not in FORMATS or not target:
            raise UsageError(
                f"--report {value!r}: expected FORMAT:FILE with FORMAT one of {', '.join(FORMATS)}"
            )
        reports.append((kind, target))
    return reports


def _catalog(args: argparse.Namespace, config):  # type: ignore[no-untyped-def]
    base = open_catalog(args.catalog or (str(config.catalog) if config.catalog else None))
    if not config.extra_rules:
        return base
    from rulelint.catalog.overlay import combined_catalog
    from rulelint.catalog.store import Catalog

    path = combined_catalog(Path(base.path), config.extra_rules)
    if path == Path(base.path):
        return base
    base.close()
    return Catalog(path)


def _files(args: argparse.Namespace, settings) -> list[str]:  # type: ignore[no-untyped-def]
    from rulelint.formats import candidate_suffixes
    from rulelint.gitdiff import GitError, changed_files

    if args.changed_since:
        try:
            changed = changed_files(args.changed_since)
        except GitError as error:
            raise UsageError(f"--changed-since {args.changed_since}: {error}") from None
        suffixes = candidate_suffixes()
        scopes = [os.path.normpath(p) for p in (args.paths or ["."])]
        bodies = [f for f in changed if f.lower().endswith(".py")]
        changed = list(dict.fromkeys([*changed, *iter_rule_files(bodies)]))  # Panther: its YAML
        files = [
            f
            for f in changed
            if f.lower().endswith(suffixes)
            and any(
                s == "." or os.path.normpath(f) == s or os.path.normpath(f).startswith(s + os.sep)
                for s in scopes
            )
        ]
    else:
        if not args.paths:
            raise UsageError(
                "check needs at least one rule file or folder (or --changed-since REF)"
            )
        files = collect(args.paths)
    if settings.exclude:
        files = [
            f
            for f in files
            if not any(fnmatch(f.replace("\\", "/"), pattern) for pattern in settings.exclude)
        ]
    return files


def run(args: argparse.Namespace) -> int:
    from rulelint.checks.base import severity_rank
    from rulelint.checks.registry import lookup
    from rulelint.engine import Checker, check_paths
    from rulelint.formats.parsecache import ParseCache
    from rulelint.gitdiff import GitError, changed_lines
    from rulelint.progress import Progress
    from rulelint.reporters.registry import FORMATS as WRITERS
    from rulelint.reporters.registry import ReportOptions

    config = _load_configuration(args)
    settings = config.settings
    if args.select:
        settings.select = split_codes(args.select)
    if args.ignore:
        settings.ignore = settings.ignore + split_codes(args.ignore)
    for code in settings.select + settings.ignore:
        if (
            not lookup(code)
            and not (code.upper().startswith("RL") and code[2:].isdigit())
            and code.upper() != "ALL"
        ):
            raise UsageError(f"unknown check {code!r} (see 'rulelint explain')")
    if args.fail_on:
        settings.fail_on = args.fail_on
    extra_reports = _parse_reports(args.report)
    catalog = _catalog(args, config)
    files = _files(args, settings)
    wants_edits = args.format == "sarif" or any(kind == "sarif" for kind, _ in extra_reports)
    cache = None if args.no_cache or os.environ.get("RULELINT_NO_CACHE") else ParseCache()
    checker = Checker(catalog, settings, edits=wants_edits, cache=cache)
    reports = []
    skipped = 0
    progress = Progress.for_terminal()
    for _path, report in check_paths(files, checker, jobs=args.jobs, progress=progress):
        if report is None:
            skipped += 1
        else:
            reports.append(report)
    if progress is not None:
        progress.finish()

    if args.fix or args.diff:
        reports = _apply_fixes(args, reports, checker)

    changed = None
    if args.changed_since:
        try:
            bodies = {  # findings in a second file of the rule (Panther's Python body)
                f.path for r in reports for rr in r.rules for f in rr.findings if f.path
            }
            changed = changed_lines(args.changed_since, [r.path for r in reports] + sorted(bodies))
        except GitError:
            changed = None
    color = args.color == "always" or (
        args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    )
    options = ReportOptions(
        color=color, show_fixes=not args.no_fixes, changed=changed, fail_on=settings.fail_on
    )
    file_options = ReportOptions(
        show_fixes=not args.no_fixes, changed=changed, fail_on=settings.fail_on
    )
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            WRITERS[args.format](reports, catalog, handle, file_options)
        if args.format != "text":
            WRITERS["text"](reports, catalog, sys.stdout, options)
    else:
        WRITERS[args.format](reports, catalog, sys.stdout, options)
    for kind, target in extra_reports:
        with open(target, "w", encoding="utf-8") as handle:
            WRITERS[kind](reports, catalog, handle, file_options)
    if skipped and args.format == "text":
        print(
            f"({skipped} file{'s' if skipped != 1 else ''} skipped: not recognized as rules)",
            file=sys.stderr,
        )
    if not reports and not skipped and not args.changed_since:
        print("rulelint: no rule files found", file=sys.stderr)
    if any(report.error for report in reports):
        return EXIT_ERROR
    if args.diff and getattr(args, "_would_change", False):
        return EXIT_FINDINGS
    if settings.fail_on == "never":
        return EXIT_OK
    threshold = severity_rank(settings.fail_on)
    failing = any(
        severity_rank(f.severity) >= threshold and not f.suppressed
        for report in reports
        for rule in report.rules
        for f in rule.findings
    )
    return EXIT_FINDINGS if failing else EXIT_OK


def _apply_fixes(args: argparse.Namespace, reports: list, checker) -> list:  # type: ignore[no-untyped-def,type-arg]
    """Write (or, with --diff, print) the fixes; then report what remains after them."""
    from rulelint.fixes.apply import fix_files

    if args.diff:
        outcomes = fix_files(reports, write=False)
        for outcome in outcomes:
            sys.stdout.write(outcome.diff)
        args._would_change = bool(outcomes)
        print(
            f"{sum(o.fixed for o in outcomes)} fix(es) would change {len(outcomes)} file(s)",
            file=sys.stderr,
        )
        return reports
    # fixing can surface the next suggestion: repeat until nothing is left to fix, so that a
    # second run changes nothing
    fixed = 0
    touched: set[str] = set()
    for _round in range(MAX_FIX_ROUNDS):
        outcomes = fix_files(reports, write=True)
        if not outcomes:
            break
        fixed += sum(o.fixed for o in outcomes)
        paths = {o.path for o in outcomes}
        touched |= paths
        reports = [
            r
            for r in (checker.check_file(r.path) if r.path in paths else r for r in reports)
            if r is not None
        ]
    if fixed:
        print(f"fixed {fixed} finding(s) in {len(touched)} file(s)", file=sys.stderr)
    return reports
