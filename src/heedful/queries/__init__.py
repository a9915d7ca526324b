"""Read models: what the API, pages and reports show. No writes here."""
