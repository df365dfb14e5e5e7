"""``rulelint check PATH...``: judge rule files against the catalog and report the findings."""

from __future__ import annotations

import argparse
import os
import sys

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


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = commands.add_parser("check", help="check rule files and folders")
    check.add_argument("paths", nargs="*", metavar="PATH", help="rule files or folders")
    add_catalog_option(check)
    check.add_argument(
        "--format", choices=("text", "json"), default="text", help="report format (default: text)"
    )
    check.add_argument(
        "--output",
        "-o",
        metavar="FILE",
        help="write the report to FILE (text still goes to the terminal)",
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
        "--jobs", "-j", type=int, default=None, help="worker processes (default: CPU count)"
    )
    check.add_argument(
        "--no-fixes", action="store_true", help="do not print suggested fixes in text output"
    )
    check.add_argument("--color", choices=("auto", "always", "never"), default="auto")
    check.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rulelint.checks.base import severity_rank
    from rulelint.checks.registry import lookup
    from rulelint.engine import Checker, check_paths
    from rulelint.reporters.json_report import write_json
    from rulelint.reporters.text import write_text
    from rulelint.settings import Settings

    if not args.paths:
        raise UsageError("check needs at least one rule file or folder")
    settings = Settings()
    settings.select = split_codes(args.select)
    settings.ignore = split_codes(args.ignore)
    for code in settings.select + settings.ignore:
        if (
            not lookup(code)
            and not (code.upper().startswith("RL") and code[2:].isdigit())
            and code.upper() != "ALL"
        ):
            raise UsageError(f"unknown check {code!r} (see 'rulelint explain')")
    if args.fail_on:
        settings.fail_on = args.fail_on
    catalog = open_catalog(args.catalog)
    files = collect(args.paths)
    checker = Checker(catalog, settings)
    reports = []
    skipped = 0
    for _path, report in check_paths(files, checker, jobs=args.jobs):
        if report is None:
            skipped += 1
        else:
            reports.append(report)
    color = args.color == "always" or (
        args.color == "auto" and sys.stdout.isatty() and not os.environ.get("NO_COLOR")
    )
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            if args.format == "json":
                write_json(reports, catalog, handle)
            else:
                write_text(reports, handle, show_fixes=not args.no_fixes)
        if args.format != "text":
            write_text(reports, sys.stdout, color=color, show_fixes=not args.no_fixes)
    elif args.format == "json":
        write_json(reports, catalog, sys.stdout)
    else:
        write_text(reports, sys.stdout, color=color, show_fixes=not args.no_fixes)
    if skipped and args.format == "text":
        print(
            f"({skipped} file{'s' if skipped != 1 else ''} skipped: not recognized as rules)",
            file=sys.stderr,
        )
    if not reports and not skipped:
        print("rulelint: no rule files found", file=sys.stderr)
    if any(report.error for report in reports):
        return EXIT_ERROR
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
