"""Panther rules: YAML metadata with Python bodies read by `ast`, correlation rules, SQL queries."""
