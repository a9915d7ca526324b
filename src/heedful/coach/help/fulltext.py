"""Keyword search for the coach, and the only dialect-specific SQL in it.

SQLite: FTS5 with BM25 (``help_article_fts``, kept by triggers; ``message_fts``, kept by
heedful.store.search). PostgreSQL: ``to_tsvector`` GIN indexes with ``ts_rank``. A customer
message is long and chatty, so its content words are OR-ed, not AND-ed: BM25 / ts_rank then
put the articles and messages that share the most specific words first.
"""

from __future__ import annotations

import re

from sqlalchemy import bindparam, text
from sqlalchemy.orm import Session

_WORD = re.compile(r"[^\W_]{2,}", re.UNICODE)
# @handles (every message to the brand names it) and links say nothing about the matter
_HANDLE_OR_LINK = re.compile(r"@[\w.]+|https?://\S+|www\.\S+")
_STOPWORDS_TEXT = (
    "a about above after again all also am an and any are as at be because been before "
    "being below between both but by can cannot could did do does doing down during each "
    "few for from further had has have having he her here hers him his how i if in into is "
    "it its itself just me more most my no nor not now of off on once only or other our "
    "ours out over own same she should so some such than that the their them then there "
    "these they this those through to too under until up very was we were what when where "
    "which while who whom why will with would you your yours hi hello hey thanks thank "
    "please pls get got go going still one two im ive dont cant wont didnt doesnt isnt its "
    "youre weve theyre u ur yo ok okay guys"
)
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def content_words(message: str, limit: int = 24) -> list[str]:
    """The words of ``message`` worth searching for, in order, without repeats."""
    seen: dict[str, None] = {}
    text = _HANDLE_OR_LINK.sub(" ", message)
    for word in _WORD.findall(text.lower().replace("'", "").replace("’", "")):
        if word not in STOPWORDS and not word.isdigit():
            seen.setdefault(word, None)
    return list(seen)[:limit]


def _fts5_any(words: list[str]) -> str:
    return " OR ".join('"' + w.replace('"', '""') + '"' for w in words)


def search_articles(
    session: Session, workspace_id: int, message: str, limit: int = 20
) -> list[tuple[int, float]]:
    """(article id, score) best first; scores are comparable within one call only."""
    words = content_words(message)
    if not words:
        return []
    if session.get_bind().dialect.name == "sqlite":
        rows = session.execute(
            text(
                "SELECT a.id, -bm25(help_article_fts, 3.0, 1.0) AS score "
                "FROM help_article_fts f JOIN help_article a ON a.id = f.rowid "
                "WHERE help_article_fts MATCH :q AND a.workspace_id = :ws "
                "ORDER BY bm25(help_article_fts, 3.0, 1.0) LIMIT :limit"
            ),
            {"q": _fts5_any(words), "ws": workspace_id, "limit": limit},
        )
    else:
        rows = session.execute(
            text(
                "SELECT a.id, 3 * ts_rank(to_tsvector('english', a.title), q) "
                "+ ts_rank(to_tsvector('english', a.body), q) AS score "
                "FROM help_article a, to_tsquery('english', :q) q "
                "WHERE a.workspace_id = :ws AND (to_tsvector('english', a.title) @@ q "
                "OR to_tsvector('english', a.body) @@ q) ORDER BY score DESC LIMIT :limit"
            ),
            {"q": _tsquery_any(session, words), "ws": workspace_id, "limit": limit},
        )
    return [(int(i), float(s)) for i, s in rows]


def _tsquery_any(session: Session, words: list[str]) -> str:
    # plainto_tsquery on each word normalises it (stemming, stop words) without syntax errors;
    # the non-empty ones are OR-ed.
    lexemes = session.execute(
        text(
            "SELECT plainto_tsquery('english', w)::text FROM unnest(CAST(:words AS text[])) AS w"
        ).bindparams(bindparam("words")),
        {"words": words},
    ).scalars()
    parts = [f"({lexeme})" for lexeme in lexemes if lexeme]
    return " | ".join(parts) or "''"


def search_inbound_messages(
    session: Session, workspace_id: int, message: str, limit: int = 200
) -> list[tuple[int, int, float]]:
    """(message id, conversation id, score) of customer messages in resolved conversations of
    the workspace that share words with ``message``, best first."""
    words = content_words(message)
    if not words:
        return []
    if session.get_bind().dialect.name == "sqlite":
        rows = session.execute(
            text(
                "SELECT m.id, m.conversation_id, -f.rank FROM message_fts f "
                "JOIN message m ON m.id = f.rowid JOIN conversation c ON c.id = m.conversation_id "
                "WHERE message_fts MATCH :q AND m.workspace_id = :ws AND m.direction = 'in' "
                "AND c.status = 'resolved' ORDER BY f.rank LIMIT :limit"
            ),
            {"q": _fts5_any(words), "ws": workspace_id, "limit": limit},
        )
    else:
        rows = session.execute(
            text(
                "SELECT m.id, m.conversation_id, ts_rank(to_tsvector('simple', m.text), q) "
                "FROM message m JOIN conversation c ON c.id = m.conversation_id, "
                "to_tsquery('simple', :q) q WHERE m.workspace_id = :ws AND m.direction = 'in' "
                "AND c.status = 'resolved' AND to_tsvector('simple', m.text) @@ q "
                "ORDER BY 3 DESC LIMIT :limit"
            ),
            {"q": " | ".join(words), "ws": workspace_id, "limit": limit},
        )
    return [(int(m), int(c), float(s)) for m, c, s in rows]
