"""Splunk security_content detections: SPL searches with their macros."""
