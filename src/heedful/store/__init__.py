"""Storage: engine and sessions, tables, migrations, and the dialect-specific bits in one place."""
