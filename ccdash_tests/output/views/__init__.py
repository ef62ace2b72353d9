"""One view module per command group."""
