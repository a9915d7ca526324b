"""Bulk importers: each reads a file as a stream of rows and feeds the ingest service."""
