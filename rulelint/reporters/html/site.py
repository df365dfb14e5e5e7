"""``rulelint catalog report -o DIR``: the catalog as a static HTML site.

An index of techniques by tactic (rule counts per vendor, a search box, vendor and platform
filters) and one page per technique (events, fields with bar charts of rules and operators, top
indicators with corpus reach, exclusions, rules by vendor linking to their upstream source). No
server and no network: plain files, one stylesheet and one small script, working from
``file://``. Every rule-derived text is escaped. Same catalog, same bytes.
"""

from __future__ import annotations

import os
import shutil
from collections import Counter
from dataclasses import dataclass
from html import escape
from pathlib import Path

from rulelint.attack import Attack, default_attack
from rulelint.catalog.pages import BulkSlice, TechniquePage, ValueRow, technique_page, vendor_title
from rulelint.catalog.store import Catalog
from rulelint.model import VENDORS
from rulelint.vocab.tables import DATA_DIR

ASSETS = ("report.css", "report.js")


@dataclass(slots=True)
class SiteReport:
    pages: int
    files: int
    bytes: int


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _attr_list(values: list[str] | set[str]) -> str:
    return _e(" ".join(sorted(values)))


def _document(title: str, body: str, depth: int) -> str:
    up = "../" * depth
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'self' 'unsafe-inline'; "
        "script-src 'self'; img-src 'self' data:\">\n"
        f'<title>{_e(title)}</title>\n<link rel="stylesheet" href="{up}assets/report.css">\n'
        f'<script src="{up}assets/report.js"></script>\n</head>\n<body>\n{body}</body>\n</html>\n'
    )


def _controls(vendors: list[str], platforms: list[str], placeholder: str) -> str:
    vendor_options = "".join(
        f'<option value="{_e(v)}">{_e(vendor_title(v))}</option>' for v in vendors
    )
    platform_options = "".join(f'<option value="{_e(p)}">{_e(p)}</option>' for p in platforms)
    return (
        '<div class="controls">'
        f'<input id="search" type="search" placeholder="{_e(placeholder)}" aria-label="search">'
        f'<label>Vendor <select id="vendor"><option value="">all</option>{vendor_options}</select></label>'
        f'<label>Platform <select id="platform"><option value="">all</option>{platform_options}</select></label>'
        "</div>\n"
    )


def _chips(counts: dict[str, int]) -> str:
    return "".join(
        f'<span class="chip {_e(v)}">{_e(vendor_title(v))} {n}</span>' for v, n in counts.items()
    )


# -- technique pages ---------------------------------------------------------------------------


def _bar(count: int, largest: int) -> str:
    width = 100 * count / largest if largest else 0
    return f'<div class="bar" title="{count} rules"><span style="width:{width:.1f}%"></span></div>'


def _operator_bar(operators: list[tuple[str, int]]) -> str:
    total = sum(n for _, n in operators) or 1
    parts = "".join(
        f'<span style="width:{100 * n / total:.1f}%" title="{_e(op)} {n}"></span>'
        for op, n in operators
    )
    return f'<div class="bar ops">{parts}</div>'


def _value_rows(rows: list[ValueRow], with_reach: bool) -> str:
    html = []
    for row in rows:
        reach = (
            f'<td class="num{" high" if row.high_reach else ""}">{row.reach}{"!" if row.high_reach else ""}</td>'
            if with_reach
            else ""
        )
        html.append(
            f'<tr data-filterable data-vendors="{_attr_list(row.vendors)}">'
            f'<td>{_e(row.field)}</td><td>{_e(row.operator)}</td><td class="value">{_e(row.display)}</td>'
            f'<td class="num">{row.rules}</td>{reach}<td class="muted">{_e(row.spelled)}</td></tr>'
        )
    return "\n".join(html)


def technique_html(page: TechniquePage, all_vendors: list[str]) -> str:
    tactics = ", ".join(page.tactics)
    also = f" · also tagged as {_e(', '.join(page.also))} (ATT&amp;CK v18)" if page.also else ""
    link = f' · <a href="{_e(page.url)}">ATT&amp;CK page</a>' if page.url else ""
    header = (
        f'<header><p><a href="../index.html">rulelint catalog</a> › {_e(tactics)}</p>'
        f"<h1>{_e(page.id)} {_e(page.name)}</h1>"
        f"<p>{page.total_rules} rules {_chips(page.vendors)}{also}{link}</p></header>\n"
    )
    events = "\n".join(
        f"<tr><td>{_e(e.provider)}</td><td>{_e('Event ID ' + e.code if e.code.isdigit() else e.code)}</td>"
        f'<td>{_e(e.title)}</td><td class="num">{e.rules}</td></tr>'
        for e in page.events
    )
    largest = max((f.rules for f in page.fields), default=0)
    fields = "\n".join(
        f'<tr data-filterable data-vendors="{_attr_list(f.vendors)}">'
        f'<td>{_e(f.field)}<div class="muted">{_e(", ".join(f.spellings))}</div></td>'
        f'<td class="num">{f.rules}</td><td>{_bar(f.rules, largest)}</td>'
        f'<td>{_operator_bar(f.operators)}<div class="muted">{_e(", ".join(f"{op} {n}" for op, n in f.operators))}</div></td>'
        f'<td class="value">{_e(", ".join(f.samples))}</td></tr>'
        for f in page.fields
    )
    rules_by_vendor = []
    for vendor in VENDORS:
        members = [r for r in page.rules if r["vendor"] == vendor]
        if not members:
            continue
        items = []
        for rule in members:
            title = _e(rule["title"] or rule["id"])
            named = f'<a href="{_e(rule["url"])}">{title}</a>' if rule["url"] else title
            items.append(
                f'<li data-filterable data-vendors="{_e(vendor)}" data-platforms="{_attr_list(rule["platforms"])}" '
                f">{named} "
                f'<span class="where">{_e(rule["source"])}/{_e(rule["path"])} · noise {rule["noise_score"]:.2f}</span></li>'
            )
        rules_by_vendor.append(
            f"<section data-group><h2>{_e(vendor_title(vendor))} <small><span data-visible>{len(members)}</span> rules</small></h2>"
            f'<ul class="rules">{"".join(items)}</ul></section>'
        )
    body = (
        header
        + "<main>\n"
        + _controls(all_vendors, sorted(page.platforms), "filter values, fields, rule titles")
        + f"<details><summary><h2>Events covered <small>{len(page.events)} events read by these rules</small></h2></summary>\n"
        '<table><tr><th>Provider</th><th>Event</th><th>Title</th><th class="num">Rules</th></tr>\n'
        f"{events}</table></details>\n"
        f"<h2>Fields filtered most <small>{page.distinct_fields} distinct</small></h2>\n"
        '<table><tr><th>Field</th><th class="num">Rules</th><th></th><th>How</th><th>Sample values</th></tr>\n'
        f"{fields}</table>\n"
        f"<h2>Top indicator values <small>{page.distinct_indicators} distinct · reach marked ! from "
        f"{page.high_reach} rules: broad on its own</small></h2>\n"
        '<table><tr><th>Field</th><th>Kind</th><th>Value</th><th class="num">Rules here</th>'
        '<th class="num">Corpus reach</th><th>As written</th></tr>\n'
        f"{_value_rows(page.indicators, True)}</table>\n"
        f"<h2>Exclusions <small>{page.distinct_exclusions} distinct</small></h2>\n"
        '<table><tr><th>Field</th><th>Kind</th><th>Value</th><th class="num">Rules excluding</th><th>As written</th></tr>\n'
        f"{_value_rows(page.exclusions, False)}</table>\n"
        "<h2>Rules under this technique</h2>\n" + "\n".join(rules_by_vendor) + "\n</main>\n"
    )
    return _document(f"{page.id} {page.name} · rulelint catalog", body, depth=1)


# -- index --------------------------------------------------------------------------------------


def index_html(
    catalog: Catalog,
    attack: Attack,
    counts: dict[str, Counter[str]],
    platforms: dict[str, set[str]],
    vendors: list[str],
) -> str:
    by_tactic: dict[str, list[str]] = {}
    for technique in sorted(counts):
        info = attack.lookup(technique)
        for tactic in info.tactics if info and info.tactics else ["(no tactic)"]:
            by_tactic.setdefault(tactic, []).append(technique)
    order = list(attack.tactics)
    sections = []
    for tactic in sorted(
        by_tactic, key=lambda t: (order.index(t) if t in order else len(order), t)
    ):
        name = attack.tactics.get(tactic, ("", tactic))[1]
        rows = []
        for technique in by_tactic[tactic]:
            info = attack.lookup(technique)
            technique_name = info.name if info else ""
            per_vendor = "".join(
                f'<td class="num">{counts[technique].get(v, 0) or ""}</td>' for v in vendors
            )
            rows.append(
                f'<tr data-filterable data-technique="{_e(technique)}" data-vendors="{_attr_list(set(counts[technique]))}" '
                f'data-platforms="{_attr_list(platforms.get(technique, set()))}" data-text="{_e(technique + " " + technique_name)}">'
                f'<td><a href="techniques/{_e(technique)}.html">{_e(technique)}</a></td><td>{_e(technique_name)}</td>'
                f'{per_vendor}<td class="num">{sum(counts[technique].values())}</td></tr>'
            )
        head = "".join(f'<th class="num">{_e(vendor_title(v))}</th>' for v in vendors)
        sections.append(
            f"<section data-group><h2>{_e(name)} <small><span data-visible>{len(rows)}</span> techniques</small></h2>"
            f'<table><tr><th>ID</th><th>Technique</th>{head}<th class="num">All</th></tr>\n'
            + "\n".join(rows)
            + "</table></section>"
        )
    sources = "".join(
        f"<li>{_e(s['name'])}: {_e(s['repository'] or '(local folder)')} @ {_e(s['commit'][:12])} — {_e(s['license'])}</li>"
        for s in catalog.sources()
    )
    all_platforms = sorted({p for values in platforms.values() for p in values})
    vendor_counts = catalog.vendor_counts()
    body = (
        "<header><h1>rulelint catalog</h1>"
        f"<p>{catalog.total_rules} rules {_chips({v: vendor_counts[v] for v in vendors if v in vendor_counts})} · "
        f'<span id="visible-total">{len(counts)}</span> of {len(counts)} techniques shown · '
        f"ATT&amp;CK: {_e(catalog.meta.get('attack', ''))}</p></header>\n<main>\n"
        + _controls(vendors, all_platforms, "search techniques by id or name")
        + "\n".join(sections)
        + f"\n<h2>Sources</h2><ul>{sources}</ul>\n</main>\n"
    )
    return _document("rulelint catalog", body, depth=0)


def write_site(
    catalog: Catalog, output: Path, *, attack: Attack | None = None, limit: int = 25
) -> SiteReport:
    """Write the whole site into ``output`` (its ``index.html``, ``techniques/`` and ``assets/``)."""
    attack = attack or default_attack()
    output = Path(output)
    (output / "techniques").mkdir(parents=True, exist_ok=True)
    (output / "assets").mkdir(exist_ok=True)
    for asset in ASSETS:
        shutil.copyfile(DATA_DIR / "html" / asset, output / "assets" / asset)
    source = BulkSlice(catalog)
    present = set(catalog.vendor_counts())
    vendors = [v for v in VENDORS if v in present]
    counts: dict[str, Counter[str]] = {}
    platforms: dict[str, set[str]] = {}
    written = {"index.html", *(f"assets/{a}" for a in ASSETS)}
    for technique in source.pages():
        page = technique_page(source, technique, attack=attack, limit=limit)
        if not page.total_rules:
            continue
        counts[technique] = Counter(page.vendors)
        platforms[technique] = set(page.platforms)
        (output / "techniques" / f"{technique}.html").write_text(
            technique_html(page, vendors), encoding="utf-8"
        )
        written.add(f"techniques/{technique}.html")
    (output / "index.html").write_text(
        index_html(catalog, attack, counts, platforms, vendors), encoding="utf-8"
    )
    # a re-generated site must not keep pages of techniques that left the catalog
    for stale in (output / "techniques").glob("*.html"):
        if f"techniques/{stale.name}" not in written:
            stale.unlink()
    size = sum(os.path.getsize(output / name) for name in written)
    return SiteReport(pages=len(counts), files=len(written), bytes=size)
