"""Sigma rules, on pySigma's semantics."""
