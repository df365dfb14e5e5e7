"""rulelint: lint SIEM detection rules against what thousands of public rules already do."""

__version__ = "0.1.0"
