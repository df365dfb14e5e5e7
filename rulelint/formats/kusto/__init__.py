"""Kusto (KQL) rules: Sentinel analytic rules, .kql files and Markdown hunting pages."""
