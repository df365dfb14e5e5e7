"""Reader tests, one module per vendor format and corpus."""
