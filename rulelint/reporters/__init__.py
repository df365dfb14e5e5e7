"""Reporters turn check results into the forms users and tools read. They know nothing of vendors."""
