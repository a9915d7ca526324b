"""Which database objects the models do not describe on purpose (for autogenerate)."""

from __future__ import annotations

from typing import Any

# SQLite's FTS5 table for message search and its shadow tables; created by migrations only.
# help_article_fts*: the coach's FTS5 table for help articles (SQLite), made by 0004_coach.
# procrastinate_*: the queue engine's tables (scaled-out mode), made by heedful.workers.queue.
IGNORED_TABLE_PREFIXES = ("message_fts", "search_watermark", "procrastinate_", "help_article_fts")


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    return not (type_ == "table" and name is not None and name.startswith(IGNORED_TABLE_PREFIXES))
