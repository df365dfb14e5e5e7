"""Fixes: text edits that apply a finding's suggestion to the rule file itself."""
