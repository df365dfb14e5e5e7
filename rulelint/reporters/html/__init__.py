"""The static HTML catalog report (index by tactic, one page per technique)."""
