"""The checks, one per module with a stable code (registry in :mod:`rulelint.checks.registry`)."""
