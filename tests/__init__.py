"""rulelint's test suite (corpus tests skip without ../shared/corpora)."""
