"""One module per command; each has ``register(subparsers)`` setting ``func`` on its parser."""
