"""Command-line interface (SPEC §7); the top layer, importing everything below it."""
