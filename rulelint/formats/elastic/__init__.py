"""Elastic detection rules: TOML files with KQL, EQL, ES|QL or Lucene queries."""
