"""The ``rulelint`` command line.

Exit codes (ruff's convention): 0 nothing at or above ``--fail-on``; 1 findings at or above it;
2 usage, configuration, catalog or rule-file errors. No traceback reaches a user: unexpected
errors are reported in one line (set ``RULELINT_DEBUG=1`` to see the traceback).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path

from rulelint import __version__

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class UsageError(Exception):
    """A mistake in how rulelint was called or configured (exit 2, one clear line)."""


def _add_catalog_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--catalog",
        metavar="DB",
        help="catalog to judge against (default: the embedded default catalog)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rulelint",
        description="Lint SIEM detection rules against what thousands of public rules already do.",
    )
    parser.add_argument("--version", action="version", version=f"rulelint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser("check", help="check rule files and folders")
    check.add_argument("paths", nargs="*", metavar="PATH", help="rule files or folders")
    _add_catalog_option(check)
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

    normalize = commands.add_parser("normalize", help="show what rulelint understood of each rule")
    normalize.add_argument("paths", nargs="+", metavar="PATH")
    normalize.add_argument("--format", choices=("text", "json"), default="json")

    explain = commands.add_parser("explain", help="document a check (or list all checks)")
    explain.add_argument(
        "code", nargs="?", metavar="CODE", help="a code (RL102) or name (missing-exclusion)"
    )

    catalog = commands.add_parser("catalog", help="build and inspect catalogs")
    catalog_commands = catalog.add_subparsers(dest="catalog_command", metavar="ACTION")

    build = catalog_commands.add_parser("build", help="build a catalog from rule folders")
    build.add_argument(
        "paths", nargs="*", metavar="PATH", help="rule folders (each becomes a source)"
    )
    build.add_argument("--output", "-o", metavar="DB", help="catalog file to write")
    build.add_argument(
        "--default",
        action="store_true",
        help="build the embedded default catalog from its manifest",
    )
    build.add_argument(
        "--manifest", metavar="TOML", help="a sources manifest (default: the embedded one)"
    )
    build.add_argument(
        "--corpora",
        metavar="DIR",
        help="where the manifest's folders are (default: ../shared/corpora)",
    )
    build.add_argument(
        "--exclude", action="append", default=[], metavar="TEXT", help="skip paths containing TEXT"
    )
    build.add_argument(
        "--full", action="store_true", help="re-parse every file (no incremental reuse)"
    )
    build.add_argument("--jobs", "-j", type=int, default=None)

    show = catalog_commands.add_parser(
        "show", help="a technique page: events, fields, indicators, exclusions"
    )
    show.add_argument("technique", metavar="TECHNIQUE")
    _add_catalog_option(show)
    show.add_argument(
        "--vendor", choices=("sigma", "elastic", "splunk", "kusto", "yaral", "panther")
    )
    show.add_argument("--platform", help="e.g. windows, linux, aws")
    show.add_argument("--limit", type=int, default=15, help="rows per section (default 15)")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.add_argument(
        "--width", type=int, default=None, help="output width (default: the terminal's)"
    )

    info = catalog_commands.add_parser("info", help="what a catalog holds and where it comes from")
    _add_catalog_option(info)
    info.add_argument("--verify", action="store_true", help="also run a full integrity check")
    info.add_argument("--format", choices=("text", "json"), default="text")
    return parser


# -- commands ---------------------------------------------------------------------------------


def _open_catalog(path: str | None):  # type: ignore[no-untyped-def]
    from rulelint.catalog.store import CatalogError, open_catalog

    try:
        return open_catalog(path)
    except CatalogError as error:
        raise UsageError(str(error)) from None


def _split_codes(values: list[str]) -> list[str]:
    return [code.strip() for value in values for code in value.split(",") if code.strip()]


def _collect(paths: Sequence[str]) -> tuple[list[str], list[str]]:
    from rulelint.walk import iter_rule_files

    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        raise UsageError(f"no such file or folder: {missing[0]}")
    return list(iter_rule_files(paths)), missing


def cmd_check(args: argparse.Namespace) -> int:
    from rulelint.checks.base import severity_rank
    from rulelint.checks.registry import lookup
    from rulelint.engine import Checker, check_paths
    from rulelint.reporters.json_report import write_json
    from rulelint.reporters.text import write_text
    from rulelint.settings import Settings

    if not args.paths:
        raise UsageError("check needs at least one rule file or folder")
    settings = Settings()
    settings.select = _split_codes(args.select)
    settings.ignore = _split_codes(args.ignore)
    for code in settings.select + settings.ignore:
        if (
            not lookup(code)
            and not (code.upper().startswith("RL") and code[2:].isdigit())
            and code.upper() != "ALL"
        ):
            raise UsageError(f"unknown check {code!r} (see 'rulelint explain')")
    if args.fail_on:
        settings.fail_on = args.fail_on
    catalog = _open_catalog(args.catalog)
    files, _ = _collect(args.paths)
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


def cmd_normalize(args: argparse.Namespace) -> int:
    from rulelint.formats import read_rule_file
    from rulelint.normalize import normalized_file, write_normalized_text

    files, _ = _collect(args.paths)
    documents = []
    failed = False
    for path in files:
        result = read_rule_file(path)
        if result is None:
            continue
        failed = failed or bool(result.error)
        documents.append(normalized_file(result))
    if args.format == "json":
        json.dump({"version": 1, "files": documents}, sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        write_normalized_text(documents, sys.stdout)
    return EXIT_ERROR if failed else EXIT_OK


def cmd_explain(args: argparse.Namespace) -> int:
    from rulelint.checks.registry import CHECKS, documentation, lookup

    if not args.code:
        for check in CHECKS:
            print(f"{check.code}  {check.name:28} [{check.severity}]  {check.summary}")
        return EXIT_OK
    check = lookup(args.code)
    if check is None:
        raise UsageError(f"no check {args.code!r} (run 'rulelint explain' for the list)")
    print(f"{check.code} {check.name} (default severity: {check.severity})\n")
    print(documentation(check))
    return EXIT_OK


def cmd_catalog(args: argparse.Namespace) -> int:
    if args.catalog_command == "build":
        return _catalog_build(args)
    if args.catalog_command == "show":
        return _catalog_show(args)
    if args.catalog_command == "info":
        return _catalog_info(args)
    raise UsageError("catalog needs an action: build, show or info")


def _catalog_build(args: argparse.Namespace) -> int:
    import time

    from rulelint.catalog.build import build_catalog
    from rulelint.catalog.sources import DEFAULT_MANIFEST, load_manifest, source_for_path
    from rulelint.catalog.store import DEFAULT_CATALOG

    if args.default or args.manifest:
        manifest = Path(args.manifest) if args.manifest else DEFAULT_MANIFEST
        try:
            sources = load_manifest(manifest, Path(args.corpora) if args.corpora else None)
        except (FileNotFoundError, KeyError, ValueError) as error:
            raise UsageError(f"manifest {manifest}: {error}") from None
        output = Path(args.output) if args.output else DEFAULT_CATALOG
    else:
        if not args.paths:
            raise UsageError("catalog build needs rule folders (or --default)")
        if not args.output:
            raise UsageError("catalog build needs --output/-o")
        for path in args.paths:
            if not os.path.isdir(path):
                raise UsageError(f"not a folder: {path}")
        sources = [source_for_path(path) for path in args.paths]
        output = Path(args.output)
    for source in sources:
        source.exclude.extend(args.exclude)
    started = time.perf_counter()
    report = build_catalog(sources, output, incremental=not args.full, jobs=args.jobs)
    elapsed = time.perf_counter() - started
    vendors = ", ".join(f"{v} {n}" for v, n in sorted(report.per_vendor.items()))
    print(
        f"catalog {output}: {report.rules} rules ({report.in_stats} in statistics; {vendors}) from {report.files} files "
        f"({report.parsed} parsed, {report.reused} reused), {report.failed} unreadable, {elapsed:.1f} s"
    )
    for path, error in report.errors[:20]:
        print(f"  unreadable: {path}: {error}", file=sys.stderr)
    if len(report.errors) > 20:
        print(f"  ... and {len(report.errors) - 20} more", file=sys.stderr)
    return EXIT_OK


def _catalog_show(args: argparse.Namespace) -> int:
    from rulelint.catalog.pages import PageError, technique_page
    from rulelint.reporters.page_text import write_page

    catalog = _open_catalog(args.catalog)
    try:
        page = technique_page(
            catalog, args.technique, vendor=args.vendor, platform=args.platform, limit=args.limit
        )
    except PageError as error:
        raise UsageError(str(error)) from None
    if args.format == "json":
        json.dump(page.to_dict(), sys.stdout, indent=2, ensure_ascii=False)
        sys.stdout.write("\n")
    else:
        write_page(page, sys.stdout, width=args.width)
    return EXIT_OK


def _catalog_info(args: argparse.Namespace) -> int:
    from rulelint.catalog.store import CatalogError

    catalog = _open_catalog(args.catalog)
    if args.verify:
        try:
            catalog.verify()
        except CatalogError as error:
            raise UsageError(str(error)) from None
    data = {
        "path": str(catalog.path),
        "size_bytes": catalog.path.stat().st_size,
        "rules_in_statistics": catalog.total_rules,
        "rules": int(catalog.meta.get("rules", "0")),
        "by_vendor": catalog.vendor_counts(),
        "attack": catalog.meta.get("attack", ""),
        "sources": catalog.sources(),
        "verified": bool(args.verify),
    }
    if args.format == "json":
        json.dump(data, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return EXIT_OK
    print(f"catalog: {data['path']} ({data['size_bytes'] / 1e6:.1f} MB)")
    print(f"rules: {data['rules']} ({data['rules_in_statistics']} in statistics)")
    print("by vendor: " + ", ".join(f"{v} {n}" for v, n in data["by_vendor"].items()))
    print(f"ATT&CK: {data['attack']}")
    print("sources:")
    for source in data["sources"]:
        print(
            f"  {source['name']}: {source['repository'] or '(local)'} @ {source['commit'][:12] or '?'} — {source['license']}"
        )
    if args.verify:
        print("integrity: ok")
    return EXIT_OK


COMMANDS = {
    "check": cmd_check,
    "normalize": cmd_normalize,
    "explain": cmd_explain,
    "catalog": cmd_catalog,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # argparse exits 2 on usage errors, 0 on --help
        return int(exit_.code or 0)
    if not args.command:
        parser.print_help()
        return EXIT_ERROR
    try:
        return COMMANDS[args.command](args)
    except UsageError as error:
        print(f"rulelint: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("rulelint: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # no traceback reaches a user
        if os.environ.get("RULELINT_DEBUG"):
            traceback.print_exc()
        print(
            f"rulelint: internal error: {type(error).__name__}: {error} (set RULELINT_DEBUG=1 for details)",
            file=sys.stderr,
        )
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
