"""The catalog's SQLite schema. Bump ``SCHEMA_VERSION`` whenever a table changes."""

from __future__ import annotations

SCHEMA_VERSION = 4

#: Tables, in creation order. Rows are inserted in a fixed order so a build is byte-reproducible.
TABLES = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE sources (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL, root TEXT NOT NULL, repository TEXT NOT NULL,
    commit_id TEXT NOT NULL, license TEXT NOT NULL, url TEXT NOT NULL
);
CREATE TABLE files (
    id INTEGER PRIMARY KEY, source INTEGER NOT NULL, path TEXT NOT NULL, sha1 TEXT NOT NULL,
    format TEXT NOT NULL, error TEXT
);
CREATE TABLE rules (
    id INTEGER PRIMARY KEY, file INTEGER NOT NULL, rule_id TEXT NOT NULL, vendor TEXT NOT NULL,
    title TEXT NOT NULL, language TEXT NOT NULL, status TEXT NOT NULL, level TEXT NOT NULL,
    deprecated INTEGER NOT NULL, in_stats INTEGER NOT NULL, platforms TEXT NOT NULL,
    line INTEGER NOT NULL, noise REAL NOT NULL, body BLOB NOT NULL
);
CREATE TABLE rule_techniques (
    technique TEXT NOT NULL, rule INTEGER NOT NULL, direct INTEGER NOT NULL,
    PRIMARY KEY (technique, rule)
) WITHOUT ROWID;
CREATE TABLE rule_events (
    rule INTEGER NOT NULL, event TEXT NOT NULL, category TEXT NOT NULL, PRIMARY KEY (rule, event)
) WITHOUT ROWID;
CREATE TABLE predicates (
    rule INTEGER NOT NULL, role INTEGER NOT NULL, field TEXT NOT NULL, operator TEXT NOT NULL,
    value TEXT NOT NULL, raw_field TEXT NOT NULL, how TEXT NOT NULL, display TEXT NOT NULL,
    grp TEXT NOT NULL, line INTEGER NOT NULL
);
CREATE TABLE reach (
    field TEXT NOT NULL, operator TEXT NOT NULL, value TEXT NOT NULL, rules INTEGER NOT NULL,
    PRIMARY KEY (field, operator, value)
) WITHOUT ROWID;
CREATE TABLE events (
    key TEXT PRIMARY KEY, provider TEXT NOT NULL, code TEXT NOT NULL, title TEXT NOT NULL,
    category TEXT NOT NULL
) WITHOUT ROWID;
CREATE TABLE vendor_fields (
    vendor TEXT NOT NULL, field TEXT NOT NULL, raw_field TEXT NOT NULL, uses INTEGER NOT NULL,
    PRIMARY KEY (vendor, field, raw_field)
) WITHOUT ROWID;
CREATE TABLE category_raw_fields (
    category TEXT NOT NULL, vendor TEXT NOT NULL, raw_field TEXT NOT NULL,
    PRIMARY KEY (category, vendor, raw_field)
) WITHOUT ROWID;
CREATE TABLE models (name TEXT PRIMARY KEY, body TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE category_fields (
    category TEXT NOT NULL, vendor TEXT NOT NULL, field TEXT NOT NULL,
    PRIMARY KEY (category, vendor, field)
) WITHOUT ROWID;
"""

#: Field census, derived from the predicates once at build time (checks look it up per rule):
#: how each vendor spells a canonical field, and which fields rules reading a single category of
#: events test (multi-event rules mix categories, so they are left out).
CENSUS = """
INSERT INTO vendor_fields
    SELECT r.vendor, p.field, p.raw_field, count(*) FROM predicates p JOIN rules r ON r.id = p.rule
    WHERE p.raw_field != '' GROUP BY r.vendor, p.field, p.raw_field
    ORDER BY r.vendor, p.field, p.raw_field;
INSERT INTO category_raw_fields
    SELECT DISTINCT e.category, r.vendor, p.raw_field FROM predicates p
    JOIN rule_events e ON e.rule = p.rule JOIN rules r ON r.id = p.rule
    WHERE p.raw_field != '' ORDER BY e.category, r.vendor, p.raw_field;
INSERT INTO category_fields
    SELECT DISTINCT single.category, r.vendor, p.field FROM predicates p
    JOIN rules r ON r.id = p.rule
    JOIN (SELECT rule, max(category) AS category FROM rule_events GROUP BY rule
          HAVING count(DISTINCT category) = 1) single ON single.rule = p.rule
    ORDER BY single.category, r.vendor, p.field;
"""

INDEXES = """
CREATE INDEX predicates_rule ON predicates (rule);
CREATE INDEX predicates_value ON predicates (value);
CREATE INDEX rules_rule_id ON rules (rule_id);
CREATE INDEX rule_events_category ON rule_events (category, rule);
"""

ROLE_INDICATOR = 0
ROLE_EXCLUSION = 1
