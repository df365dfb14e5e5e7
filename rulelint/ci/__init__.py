"""Integrations with CI systems."""
