"""Channel connectors: one adapter per platform (see base.py), found by entry point."""
