"""Phase 2 of the coach: help articles per workspace, suggestions for a customer message (the
most specific articles, the most similar resolved cases), and the store-fed canned index.

* :mod:`~heedful.coach.help.articles` — import from a folder of Markdown or a CSV;
* :mod:`~heedful.coach.help.suggest` — :func:`suggest_articles`, :func:`similar_cases`;
* :mod:`~heedful.coach.help.fulltext` — the dialect-specific keyword search (one module);
* :mod:`~heedful.coach.help.embeddings` — triage's encoder as the semantic half;
* :mod:`~heedful.coach.help.history` — each workspace's sent replies as a canned index.
"""
