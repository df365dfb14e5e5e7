"""Google SecOps (Chronicle) YARA-L 2.0 rules."""
