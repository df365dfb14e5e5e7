"""``rulelint catalog build|show|info``: build catalogs and look inside them."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from rulelint.commands.common import EXIT_OK, UsageError, add_catalog_option, open_catalog

VENDOR_CHOICES = ("sigma", "elastic", "splunk", "kusto", "yaral", "panther")


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    catalog = commands.add_parser("catalog", help="build and inspect catalogs")
    actions = catalog.add_subparsers(dest="catalog_command", metavar="ACTION")
    catalog.set_defaults(func=_needs_action)

    build = actions.add_parser("build", help="build a catalog from rule folders")
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
    build.set_defaults(func=run_build)

    show = actions.add_parser(
        "show", help="a technique page: events, fields, indicators, exclusions"
    )
    show.add_argument("technique", metavar="TECHNIQUE")
    add_catalog_option(show)
    show.add_argument("--vendor", choices=VENDOR_CHOICES)
    show.add_argument("--platform", help="e.g. windows, linux, aws")
    show.add_argument("--limit", type=int, default=15, help="rows per section (default 15)")
    show.add_argument("--format", choices=("text", "json"), default="text")
    show.add_argument(
        "--width", type=int, default=None, help="output width (default: the terminal's)"
    )
    show.set_defaults(func=run_show)

    report = actions.add_parser("report", help="the catalog as a static HTML site")
    report.add_argument(
        "--output", "-o", metavar="DIR", required=True, help="folder to write the site into"
    )
    add_catalog_option(report)
    report.add_argument(
        "--limit", type=int, default=25, help="rows per section on each page (default 25)"
    )
    report.set_defaults(func=run_report)

    navigator = actions.add_parser(
        "navigator", help="an ATT&CK Navigator layer scoring techniques by rules"
    )
    navigator.add_argument(
        "paths",
        nargs="*",
        metavar="PATH",
        help="score your own rule folders instead of the catalog",
    )
    navigator.add_argument(
        "--output", "-o", metavar="JSON", required=True, help="layer file to write"
    )
    add_catalog_option(navigator)
    navigator.add_argument("--vendor", choices=VENDOR_CHOICES, help="only this vendor's rules")
    navigator.add_argument("--name", help="layer name")
    navigator.set_defaults(func=run_navigator)

    info = actions.add_parser("info", help="what a catalog holds and where it comes from")
    add_catalog_option(info)
    info.add_argument("--verify", action="store_true", help="also run a full integrity check")
    info.add_argument("--format", choices=("text", "json"), default="text")
    info.set_defaults(func=run_info)


def _needs_action(args: argparse.Namespace) -> int:
    raise UsageError("catalog needs an action: build, show, report, navigator or info")


def run_build(args: argparse.Namespace) -> int:
    from rulelint.catalog.build import build_catalog
    from rulelint.catalog.sources import DEFAULT_MANIFEST, load_manifest, source_for_path

    if args.default or args.manifest:
        manifest = Path(args.manifest) if args.manifest else DEFAULT_MANIFEST
        try:
            sources = load_manifest(manifest, Path(args.corpora) if args.corpora else None)
        except (FileNotFoundError, KeyError, ValueError) as error:
            raise UsageError(f"manifest {manifest}: {error}") from None
        output = Path(args.output) if args.output else None
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
    from rulelint.catalog.packed import PACKED_CATALOG, default_catalog_path, pack

    packing = output is None  # the embedded catalog: built unpacked, then packed (see packed.py)
    if output is None:
        output = default_catalog_path().with_name("default-build.db")
        if not args.full and PACKED_CATALOG.is_file() and not output.is_file():
            output.write_bytes(default_catalog_path().read_bytes())  # reuse its parses
    report = build_catalog(sources, output, incremental=not args.full, jobs=args.jobs)
    if packing:
        pack(output, PACKED_CATALOG)
    elapsed = time.perf_counter() - started
    vendors = ", ".join(f"{v} {n}" for v, n in sorted(report.per_vendor.items()))
    shown = PACKED_CATALOG if packing else output
    print(
        f"catalog {shown}: {report.rules} rules ({report.in_stats} in statistics; {vendors}) from "
        f"{report.files} files ({report.parsed} parsed, {report.reused} reused), {report.failed} unreadable, "
        f"{elapsed:.1f} s"
    )
    for path, error in report.errors[:20]:
        print(f"  unreadable: {path}: {error}", file=sys.stderr)
    if len(report.errors) > 20:
        print(f"  ... and {len(report.errors) - 20} more", file=sys.stderr)
    return EXIT_OK


def run_show(args: argparse.Namespace) -> int:
    from rulelint.catalog.pages import PageError, technique_page
    from rulelint.reporters.page_text import write_page

    catalog = open_catalog(args.catalog)
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
        write_page(page, sys.stdout, width=args.width, rule_limit=args.limit)
    return EXIT_OK


def run_report(args: argparse.Namespace) -> int:
    from rulelint.reporters.html.site import write_site

    catalog = open_catalog(args.catalog)
    started = time.perf_counter()
    report = write_site(catalog, Path(args.output), limit=args.limit)
    elapsed = time.perf_counter() - started
    print(
        f"report {args.output}: {report.pages} technique pages, {report.files} files, "
        f"{report.bytes / 1e6:.1f} MB, {elapsed:.1f} s; open {Path(args.output) / 'index.html'}"
    )
    return EXIT_OK


def run_navigator(args: argparse.Namespace) -> int:
    from rulelint.attack import default_attack
    from rulelint.catalog.navigator import catalog_counts, layer, rule_counts

    attack = default_attack()
    if args.paths:
        from rulelint.commands.common import collect
        from rulelint.formats import read_rule_file

        if args.vendor:
            raise UsageError("--vendor filters the catalog; with rule folders every rule counts")
        techniques: list[list[str]] = []
        unreadable = 0
        for path in collect(args.paths):
            result = read_rule_file(path)
            if result is None:
                continue
            unreadable += bool(result.error)
            techniques.extend(rule.techniques for rule in result.rules if not rule.deprecated)
        counts = rule_counts(techniques, attack)
        name = args.name or f"rulelint: {', '.join(args.paths)}"
        description = (
            f"{len(techniques)} rules from {', '.join(args.paths)}, scored by rules per technique"
        )
        if unreadable:
            print(
                f"({unreadable} unreadable rule files left out; see 'rulelint check')",
                file=sys.stderr,
            )
    else:
        catalog = open_catalog(args.catalog)
        counts = catalog_counts(catalog, args.vendor)
        scope = f"{args.vendor} rules" if args.vendor else "all rules"
        name = args.name or f"rulelint catalog ({scope})"
        description = f"Catalog {catalog.path.name}: {scope}, scored by rules per technique"
    document = layer(counts, name=name, description=description, attack=attack)
    with open(args.output, "w", encoding="utf-8") as handle:
        json.dump(document, handle, indent=2)
        handle.write("\n")
    print(
        f"layer {args.output}: {len(counts)} techniques, up to {max(counts.values(), default=0)} rules each"
    )
    return EXIT_OK


def run_info(args: argparse.Namespace) -> int:
    from rulelint.catalog.store import CatalogError

    catalog = open_catalog(args.catalog)
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
            f"  {source['name']}: {source['repository'] or '(local)'} @ {source['commit'][:12] or '?'}"
            f" — {source['license']}"
        )
    if args.verify:
        print("integrity: ok")
    return EXIT_OK
