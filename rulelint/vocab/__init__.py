"""Vendor vocabularies as data: field names, events and value canonicalization."""
