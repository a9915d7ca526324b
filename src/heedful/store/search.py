"""Full-text search over message text.

SQLite: an external-content FTS5 table ``message_fts`` filled from ``message`` in bulk, after
imports and live ingest, up to a watermark (rather than by per-row triggers, which would make
bulk imports 4× slower). PostgreSQL: a GIN index on ``to_tsvector('simple', text)``, kept by
the server itself.
"""

from __future__ import annotations

import re

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

_TOKEN = re.compile(r"[\w@#'’-]+", re.UNICODE)


def fts_query(user_query: str) -> str:
    """User words to an FTS5 query that cannot be a syntax error: every token quoted, ANDed;
    a trailing ``*`` on a word keeps prefix search."""
    parts = []
    for raw in user_query.split():
        prefix = raw.endswith("*")
        for token in _TOKEN.findall(raw):
            quoted = '"' + token.replace('"', '""') + '"'
            parts.append(quoted + ("*" if prefix else ""))
    return " ".join(parts)


def index_pending(session: Session) -> int:
    """Bring the SQLite FTS index up to date with new messages; returns rows indexed."""
    if session.get_bind().dialect.name != "sqlite":
        return 0
    last = session.execute(
        text("SELECT last_id FROM search_watermark WHERE name = 'message'")
    ).scalar_one()
    top = session.execute(text("SELECT coalesce(max(id), 0) FROM message")).scalar_one()
    if top <= last:
        return 0
    session.execute(
        text(
            "INSERT INTO message_fts (rowid, text) "
            "SELECT id, text FROM message WHERE id > :last AND id <= :top"
        ),
        {"last": last, "top": top},
    )
    session.execute(
        text("UPDATE search_watermark SET last_id = :top WHERE name = 'message'"), {"top": top}
    )
    return int(top - last)


def reindex_message(session: Session, message_id: int, old_text: str, new_text: str) -> None:
    """Keep the index right when a stored message's text changes (an edit on the platform)."""
    if session.get_bind().dialect.name != "sqlite":
        return  # the GIN index follows the row
    last = session.execute(
        text("SELECT last_id FROM search_watermark WHERE name = 'message'")
    ).scalar_one()
    if message_id > last:
        return  # not indexed yet: index_pending will take the new text
    session.execute(
        text("INSERT INTO message_fts (message_fts, rowid, text) VALUES ('delete', :id, :old)"),
        {"id": message_id, "old": old_text},
    )
    session.execute(
        text("INSERT INTO message_fts (rowid, text) VALUES (:id, :new)"),
        {"id": message_id, "new": new_text},
    )


def rebuild(session: Session) -> None:
    """Rebuild the whole index (after deletions, or if it was ever damaged)."""
    if session.get_bind().dialect.name != "sqlite":
        session.execute(text("REINDEX INDEX ix_message_text_search"))
        return
    session.execute(text("INSERT INTO message_fts (message_fts) VALUES ('rebuild')"))
    session.execute(
        text(
            "UPDATE search_watermark SET last_id = (SELECT coalesce(max(id), 0) FROM message) "
            "WHERE name = 'message'"
        )
    )


def search_conversation_ids(
    session: Session, workspace_ids: list[int], query: str, limit: int = 200
) -> list[int]:
    """Conversations whose messages match ``query``, best match first."""
    if not query.strip() or not workspace_ids:
        return []
    if session.get_bind().dialect.name == "sqlite":
        q = fts_query(query)
        if not q:
            return []
        rows = session.execute(
            text(
                "SELECT m.conversation_id FROM message_fts f JOIN message m ON m.id = f.rowid "
                "WHERE message_fts MATCH :q AND m.workspace_id IN :ws "
                "ORDER BY f.rank LIMIT :limit"
            ).bindparams(bindparam("ws", expanding=True)),
            {"q": q, "ws": workspace_ids, "limit": limit * 5},
        )
    else:
        rows = session.execute(
            text(
                "SELECT m.conversation_id FROM message m "
                "WHERE to_tsvector('simple', m.text) @@ plainto_tsquery('simple', :q) "
                "AND m.workspace_id = ANY(:ws) "
                "ORDER BY ts_rank(to_tsvector('simple', m.text), plainto_tsquery('simple', :q)) "
                "DESC LIMIT :limit"
            ),
            {"q": query, "ws": workspace_ids, "limit": limit * 5},
        )
    seen: dict[int, None] = {}
    for (conversation_id,) in rows:
        seen.setdefault(int(conversation_id), None)
        if len(seen) >= limit:
            break
    return list(seen)
