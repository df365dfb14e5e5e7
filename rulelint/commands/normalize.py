"""``rulelint normalize PATH...``: what rulelint understood of each rule."""

from __future__ import annotations

import argparse
import json
import sys

from rulelint.commands.common import EXIT_ERROR, EXIT_OK, collect


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    normalize = commands.add_parser("normalize", help="show what rulelint understood of each rule")
    normalize.add_argument("paths", nargs="+", metavar="PATH")
    normalize.add_argument("--format", choices=("text", "json"), default="json")
    normalize.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from rulelint.formats import read_rule_file
    from rulelint.normalize import normalized_file, write_normalized_text

    documents = []
    failed = False
    for path in collect(args.paths):
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
