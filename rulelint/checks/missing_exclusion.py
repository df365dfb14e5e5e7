"""RL102 missing-exclusion: an exclusion its peers routinely carry, and this rule lacks.

What it checks
    The rule's peers are the catalog rules tagged with the same ATT&CK techniques (sub-techniques
    roll up to their parent) that read the same kind of events (process creation, logons, ...).
    Their exclusions (predicates under a top-level ``not``: Sigma ``filter_*`` blocks, KQL
    ``| where not(...)``, SPL ``NOT``) are the false-positive paths the community learned to filter
    out. An exclusion carried by at least ``exclusion_min_support`` peers and
    ``exclusion_min_share`` of them, which this rule neither has nor covers with a broader exclusion
    of its own, is reported with its support ("6 of 14 rules ...") and the text to add, written in
    the rule's own language. Only exclusions on fields the rule's kind of events has (as its own
    vendor's rules name them) are considered.

    An exclusion against a list the deployment fills in (``in_list``: a Sigma ``|expand``
    placeholder, a Splunk lookup, a Sentinel watchlist) is reported without a fix, since its members
    are unknown; a Sigma rule whose Sigma peers carry it gets ``Field|expand: '%name%'``.

Why
    A new rule that ignores the exclusions its peers agree on will fire on the same noisy paths
    (machine accounts, the software updater, the EDR's own processes) until someone tunes it in
    production.

Not reported
    Exclusions that would remove what the rule looks for (an exclusion equal to or broader than one
    of its indicators), or that cannot overlap it (the rule pins the field to other values), and
    rules with fewer than ``exclusion_min_peers`` peers.

Configuration
    ``exclusion_min_support`` (3), ``exclusion_min_share`` (0.1), ``exclusion_min_peers`` (5),
    ``exclusion_max_suggestions`` (3 per rule).

Example
    A Sigma rule for T1021 on process creation without
    ``filter_main_generic: ParentImage|endswith: '\\svchost.exe'`` while most peers exclude it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rulelint.catalog.store import Key, PeerExclusion
from rulelint.checks.base import Check, Context, Finding
from rulelint.checks.describe import written
from rulelint.formats.base import ExclusionFix
from rulelint.model import Predicate, Rule, iter_predicates
from rulelint.settings import Settings
from rulelint.vocab.events import categories as event_categories
from rulelint.vocab.fields import name_path_pairs

#: Operators whose value names a list the catalog does not hold (``in_list``: a Splunk lookup, a
#: Sigma placeholder, a Sentinel watchlist): an exclusion of that kind is reported, but a fix is
#: written only by a reader that can name such a list (``writes_lists``: Sigma's ``|expand``)
#: for a rule whose own vendor's peers wrote it.
UNWRITABLE = frozenset({"in_list"})


def covers(have: Key, want: Key) -> bool:
    """Whether exclusion ``have`` already excludes everything ``want`` would (same or broader)."""
    if have == want:
        return True
    have_field, have_op, have_value = have
    want_field, want_op, want_value = want
    if have_field != want_field:
        names = name_path_pairs()
        # ``process.name eq x`` covers ``process.executable eq|ends_with ...\\x``
        if (
            have_op == "eq"
            and names.get(have_field) == want_field
            and want_op in ("eq", "ends_with")
        ):
            return want_value.endswith(("\\" + have_value, "/" + have_value))
        # ``process.name eq x`` is ``process.executable ends_with \\x``: a path test may cover it
        if want_op == "eq" and names.get(want_field) == have_field:
            return any(
                covers(have, (have_field, "ends_with", sep + want_value)) for sep in ("\\", "/")
            )
        return False
    if have_op == "contains":
        return (
            want_op in ("eq", "contains", "starts_with", "ends_with") and have_value in want_value
        )
    if have_op == "starts_with":
        return want_op in ("eq", "starts_with") and want_value.startswith(have_value)
    if have_op == "ends_with":
        return want_op in ("eq", "ends_with") and want_value.endswith(have_value)
    return False


def _overlaps(indicator: Key, candidate: Key) -> bool:
    """Whether an exclusion could remove events an ``eq`` indicator on the same field matches."""
    value = indicator[2]
    _, op, want = candidate
    if op == "eq":
        return value == want
    if op == "contains":
        return want in value
    if op == "starts_with":
        return value.startswith(want)
    if op == "ends_with":
        return value.endswith(want)
    return True


def relevant(candidate: Key, indicators: list[Predicate]) -> bool:
    """False when the exclusion would remove the rule's own target, or can never apply to it."""
    same_field = [p.key for p in indicators if p.canonical_field == candidate[0]]
    if any(covers(candidate, key) for key in same_field):
        return False
    if same_field and all(key[1] == "eq" for key in same_field):
        return any(_overlaps(key, candidate) for key in same_field)
    return True


def _slug(text: str) -> str:
    words = re.findall(
        r"[a-z0-9]+",
        text.lower().rsplit(".", 1)[0] if text.lower().endswith((".exe", ".dll")) else text.lower(),
    )
    slug = "_".join(words[-2:]) if words else "value"
    return slug[:40]


def fix_name(peer: PeerExclusion) -> str:
    """The identifier peers use for this exclusion (``filter_main_svchost``), or one in their style."""
    for group, count in peer.groups.most_common():
        if count >= 2 and group.startswith(("filter_main_", "filter_optional_")):
            return group
    optional = sum(n for g, n in peer.groups.items() if g.startswith("filter_optional"))
    main = sum(n for g, n in peer.groups.items() if g.startswith("filter_main"))
    prefix = "filter_optional_" if optional > main else "filter_main_"
    display = peer.displays.most_common(1)[0][0] if peer.displays else peer.key[2]
    return prefix + _slug(display)


def peer_display(peer: PeerExclusion, vendor: str) -> str:
    """The value to write: as this vendor's peers write it, else a peer's spelling that is the
    plain value (another vendor's escapes and wildcards do not carry over), else the canonical
    value."""
    value = peer.key[2]
    for (peer_vendor, display), _ in peer.vendor_displays.most_common():
        if peer_vendor == vendor:
            return display
    for display, _ in peer.displays.most_common():
        folded = display.casefold()
        if folded == value or (value.startswith("?:") and folded[1:] == value[1:]):
            return display
    return value


@dataclass(slots=True)
class Candidates:
    """Exclusions a rule's peers carry, most carried first, and how many peers there are."""

    peers: list[int]
    support: list[tuple[Key, int]]  # the rule's own catalog entry already left out


def usable(candidate: Key, have: list[Key], indicators: list[Predicate]) -> bool:
    return not any(covers(key, candidate) for key in have) and relevant(candidate, indicators)


def select(
    candidates: Candidates, rule: Rule, settings: Settings, limit: int | None = None
) -> list[tuple[Key, int]]:
    """The usable candidates with enough support, most carried first, at most ``limit``."""
    peers = len(candidates.peers)
    if peers < settings.exclusion_min_peers:
        return []
    limit = settings.exclusion_max_suggestions if limit is None else limit
    indicators = rule.indicators()
    have = [p.key for p in rule.exclusions()]
    chosen: list[tuple[Key, int]] = []
    for key, support in candidates.support:
        if (
            support < settings.exclusion_min_support
            or support / peers < settings.exclusion_min_share
        ):
            break  # sorted by support: nothing further qualifies
        if usable(key, have, indicators):
            chosen.append((key, support))
            if len(chosen) >= limit:
                break
    return chosen


class MissingExclusion(Check):
    code = "RL102"
    name = "missing-exclusion"
    severity = "warning"
    summary = "An exclusion most rules for the same technique and events carry is missing."

    def run(self, context: Context) -> Iterable[Finding]:
        candidates = self.candidates(context)
        if candidates is None:
            return []
        categories = event_categories(context.rule.events)
        chosen = select(candidates, context.rule, context.settings)
        peers = len(candidates.peers)
        return [
            self._finding(
                context,
                context.catalog.exclusion_details(candidates.peers, key, support),
                peers,
                categories,
            )
            for key, support in chosen
        ]

    @staticmethod
    def candidates(context: Context) -> Candidates | None:
        """The rule's peers and the exclusions they carry (the rule's own entry left out)."""
        rule = context.rule
        if rule.expression is None or not rule.techniques or not rule.events:
            return None
        catalog = context.catalog
        everyone, support = catalog.peer_exclusions(
            tuple(context.pages),
            tuple(sorted(event_categories(rule.events))),
            tuple(sorted(rule.platforms)),
            vendor=rule.vendor,  # only exclusions on fields this rule's events have
            min_support=max(context.settings.exclusion_min_support, 1),
        )
        own = set(context.own).intersection(everyone)
        if not own:
            return Candidates(everyone, support)
        # a rule never vouches for itself: leave its own entry out of the peers and the counts
        peers = [r for r in everyone if r not in own]
        mine = catalog.exclusion_keys(sorted(own))
        floor = max(context.settings.exclusion_min_support, 1)
        head = [
            (key, count - len(own) if key in mine else count)
            for key, count in support
            if count >= floor
        ]
        head.sort(key=lambda item: (-item[1], item[0]))
        return Candidates(peers, head)

    def _finding(
        self, context: Context, peer: PeerExclusion, peers: int, categories: set[str]
    ) -> Finding:
        rule = context.rule
        field, operator, value = peer.key
        same_vendor = [
            (raw, how) for (v, raw, how), _ in peer.vendor_hows.most_common() if v == rule.vendor
        ]
        vendor_field, vendor_how = same_vendor[0] if same_vendor else (None, "")
        # the rule's own spelling of the field is valid where the fix goes (an ASIM rule names the
        # source IP SrcIpAddr where most Kusto peers, on SecurityEvent, write IpAddress)
        own_name = next(
            (
                p.field
                for p in iter_predicates(rule.expression)
                if p.field and p.canonical_field == field
            ),
            None,
        )
        vendor_field = (
            own_name or vendor_field or context.catalog.vendor_field(rule.vendor, field) or field
        )
        display = peer_display(peer, rule.vendor)
        if same_vendor:  # as this rule's own vendor writes it, else in the canonical vocabulary
            shown = written(same_vendor[0][0], same_vendor[0][1], display, peer.key)
        else:
            shown = written(field, "", display, peer.key)
        techniques = ", ".join(sorted({page.split(".")[0] for page in context.pages}))
        reading = " or ".join(sorted(c.replace("_", " ") for c in categories))
        exclusion: ExclusionFix | None = ExclusionFix(
            vendor_field, field, operator, value, display, fix_name(peer), vendor_how
        )
        if operator in UNWRITABLE and not (
            same_vendor and getattr(context.reader, "writes_lists", False)
        ):
            exclusion = None  # the finding stands; this reader cannot write it as a literal value
        fix = (
            context.reader.exclusion_snippet(rule, [exclusion])
            if context.reader is not None and exclusion is not None
            else None
        )
        message = (
            f"{peer.support} of {peers} rules under {techniques} that read {reading} events exclude "
            f"{shown}; this rule does not"
        )
        return self.finding(
            context,
            int(rule.extra.get("condition_line", rule.line)),  # type: ignore[call-overload]
            message,
            in_body="condition_line" in rule.extra,
            field=vendor_field,
            canonical_field=field,
            operator=operator,
            value=display,
            evidence={
                "support": peer.support,
                "peers": peers,
                "share": round(peer.support / peers, 3),
                "canonical_value": value,
                "techniques": sorted(context.pages),
                "event_categories": sorted(categories),
                "as_written_by_peers": shown,
            },
            fix=fix,
            exclusion=exclusion,
        )
