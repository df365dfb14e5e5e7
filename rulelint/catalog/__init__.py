"""The catalog: rules of public corpora as field/operator/value statistics per ATT&CK technique."""
