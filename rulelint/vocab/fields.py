"""Vendor field names to canonical (ECS) field names, from one data table per vendor."""

from __future__ import annotations

from functools import cache

from rulelint.vocab.tables import read_table

SCOPE_ORDER = ("category", "service", "product", "table", "*")


class FieldMap:
    """Looks up the canonical name of a vendor field, honouring scoped rows of the table.

    A table row is ``raw<TAB>canonical<TAB>scope``; the scope is ``*`` or ``kind:value`` (e.g.
    ``category:process_access``). Lookups try the given scopes in order, then ``*``, then the raw
    name case-insensitively; an unknown field keeps its own name.
    """

    def __init__(self, vendor: str) -> None:
        self.vendor = vendor
        self._exact: dict[tuple[str, str], str] = {}
        self._folded: dict[tuple[str, str], str] = {}
        self._reverse: dict[str, list[str]] = {}
        self._reverse_scoped: dict[tuple[str, str], list[str]] = {}
        self._memo: dict[tuple[str, tuple[str, ...]], str] = {}
        for row in read_table(f"fields/{vendor}.tsv"):
            raw, canonical = row[0], row[1]
            scope = row[2] if len(row) > 2 and row[2] else "*"
            self._exact.setdefault((raw, scope), canonical)
            self._folded.setdefault((raw.casefold(), scope), canonical)
            self._reverse.setdefault(canonical, []).append(raw)
            self._reverse_scoped.setdefault((canonical, scope), []).append(raw)

    def canonical(self, raw: str, scopes: tuple[str, ...] = ()) -> str:
        memo_key = (raw, scopes)
        found = self._memo.get(memo_key)
        if found is None:
            found = self._memo[memo_key] = self._lookup(raw, scopes)
        return found

    def _lookup(self, raw: str, scopes: tuple[str, ...]) -> str:
        for scope in (*scopes, "*"):
            found = self._exact.get((raw, scope))
            if found is not None:
                return found
        folded = raw.casefold()
        for scope in (*scopes, "*"):
            found = self._folded.get((folded, scope))
            if found is not None:
                return found
        return raw

    def owner(self, raw: str, scopes: tuple[str, ...] = ()) -> FieldMap:
        """The table that names ``raw``: this vendor's, else Sigma's. Splunk raw searches and
        Sentinel's SecurityEvent pass Windows/Sysmon/cloud fields through under their own names,
        which Sigma's taxonomy already maps."""
        if self.vendor == "sigma" or self.canonical(raw, scopes) != raw:
            return self
        return field_map("sigma")

    def scoped_names(self, canonical: str, scopes: tuple[str, ...]) -> list[str]:
        """Raw names of a canonical field in rows scoped to one of ``scopes`` (``table:X``): how
        that table itself names it, where the vendor's unscoped rows hold another table's."""
        return [raw for scope in scopes for raw in self._reverse_scoped.get((canonical, scope), ())]

    def vendor_names(self, canonical: str) -> list[str]:
        """Raw field names that map to a canonical field, in table order (for writing fixes)."""
        return list(self._reverse.get(canonical, ()))


@cache
def field_map(vendor: str) -> FieldMap:
    return FieldMap(vendor)


@cache
def path_name_pairs() -> dict[str, str]:
    """Path field -> name field (``process.executable`` -> ``process.name``)."""
    return {row[0]: row[1] for row in read_table("fields/path_names.tsv")}


@cache
def name_path_pairs() -> dict[str, str]:
    return {name: path for path, name in path_name_pairs().items()}


@cache
def field_families() -> dict[str, str]:
    """Canonical field -> family; fields of one family are alternatives, not combinations."""
    return {row[0]: row[1] for row in read_table("fields/families.tsv")}


def same_family(first: str, second: str) -> bool:
    families = field_families()
    return first == second or (first in families and families.get(first) == families.get(second))
