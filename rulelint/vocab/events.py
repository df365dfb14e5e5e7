"""The event vocabulary: every vendor's log sources map onto these concrete events."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from rulelint.vocab.tables import read_table, table_names


@dataclass(frozen=True, slots=True)
class Event:
    key: str
    provider: str
    code: str
    title: str
    category: str


@cache
def event_table() -> dict[str, Event]:
    """All events defined in ``data/events/*.tsv`` files with five columns."""
    events: dict[str, Event] = {}
    for name in table_names("events"):
        for row in read_table(name):
            if len(row) == 5 and ":" in row[0]:
                events.setdefault(row[0], Event(*row))
    return events


def event(key: str) -> Event:
    """The event for a key; unknown ``provider:code`` keys get a generic title."""
    known = event_table().get(key)
    if known is not None:
        return known
    prefix, _, code = key.partition(":")
    base = event_table().get(f"{prefix}:any")
    provider = base.provider if base else prefix
    category = base.category if base else prefix
    title = f"Event ID {code}" if code.isdigit() else code
    return Event(key, provider, code, title, category)


def categories(keys: list[str] | tuple[str, ...]) -> set[str]:
    """Coarse classes of a rule's events: two rules read the same events when these intersect."""
    return {event(key).category for key in keys}
