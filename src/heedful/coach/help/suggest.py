"""Suggestions for a customer message: the most specific help articles, and the most similar
resolved cases of the workspace with the reply that resolved them. Each says why it matched.

Articles: keyword search (BM25 / ts_rank, :mod:`heedful.coach.help.fulltext`) and semantic
search (cosine of triage-encoder embeddings, :mod:`heedful.coach.help.embeddings`) are fused by
reciprocal rank (k = 60), so an article found by both ranks above one found by either alone.
Without the encoder, keywords alone.

Similar cases: customer messages in *resolved* conversations that share words with the message
(keyword search), re-ranked by meaning when the encoder is there; each comes with the brand's
last reply before the case was resolved. Where triage can read the customer's first and last
messages, a case whose mood improved (negative → not negative) ranks higher and says so.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.coach.help.embeddings import Embedder, Vector, unpack
from heedful.coach.help.fulltext import content_words, search_articles, search_inbound_messages
from heedful.store.tables import Conversation, HelpArticle, Message

RRF_K = 60
MIN_COSINE = 0.45  # below this the encoder's "similar" is noise (see eval/coach.py)


@dataclass(frozen=True, slots=True)
class ArticleSuggestion:
    id: int
    title: str
    url: str
    score: float
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "title": self.title,
            "url": self.url,
            "score": round(self.score, 4),
            "why": list(self.reasons),
        }


@dataclass(frozen=True, slots=True)
class SimilarCase:
    conversation_id: int
    customer_message: str
    resolving_reply: str | None
    score: float
    sentiment_improved: bool | None
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "conversation_id": self.conversation_id,
            "customer": self.customer_message,
            "resolving_reply": self.resolving_reply,
            "score": round(self.score, 4),
            "sentiment_improved": self.sentiment_improved,
            "why": list(self.reasons),
        }


@dataclass
class _Candidate:
    keyword_rank: int | None = None
    semantic_rank: int | None = None
    cosine: float | None = None
    reasons: list[str] = field(default_factory=list)

    def fused(self) -> float:
        ranks = [r for r in (self.keyword_rank, self.semantic_rank) if r is not None]
        return sum(1.0 / (RRF_K + r) for r in ranks)


def suggest_articles(
    session: Session,
    workspace_id: int,
    message: str,
    *,
    embedder: Embedder | None = None,
    limit: int = 3,
) -> list[ArticleSuggestion]:
    """The ``limit`` most specific articles of the workspace for ``message``."""
    if not message.strip():
        return []
    candidates: dict[int, _Candidate] = {}
    for rank, (article_id, _) in enumerate(search_articles(session, workspace_id, message), 1):
        candidates.setdefault(article_id, _Candidate()).keyword_rank = rank
    if embedder is not None:
        _semantic_articles(session, workspace_id, embedder.embed([message])[0], candidates)
    if not candidates:
        return []
    rows = {
        a.id: a
        for a in session.scalars(select(HelpArticle).where(HelpArticle.id.in_(list(candidates))))
    }
    words = content_words(message)
    ranked = sorted(candidates.items(), key=lambda item: -item[1].fused())[:limit]
    return [
        ArticleSuggestion(
            article_id,
            rows[article_id].title,
            rows[article_id].url,
            candidate.fused(),
            _article_reasons(rows[article_id], words, candidate),
        )
        for article_id, candidate in ranked
        if article_id in rows
    ]


def _semantic_articles(
    session: Session, workspace_id: int, query: Vector, candidates: dict[int, _Candidate]
) -> None:
    rows = session.execute(
        select(HelpArticle.id, HelpArticle.embedding).where(
            HelpArticle.workspace_id == workspace_id, HelpArticle.embedding.is_not(None)
        )
    ).all()
    if not rows:
        return
    matrix = np.stack([unpack(blob) for _, blob in rows if blob is not None])
    cosines = matrix @ query
    order = np.argsort(-cosines)[:20]
    for rank, index in enumerate(order, 1):
        cosine = float(cosines[index])
        if cosine < MIN_COSINE:
            break
        candidate = candidates.setdefault(int(rows[index][0]), _Candidate())
        candidate.semantic_rank, candidate.cosine = rank, cosine


def _article_reasons(
    article: HelpArticle, words: list[str], candidate: _Candidate
) -> tuple[str, ...]:
    reasons = []
    in_title = _shared(words, article.title)
    in_body = [w for w in _shared(words, article.body) if w not in in_title]
    if in_title:
        reasons.append(f"its title has your customer's words: {', '.join(in_title[:5])}")
    if in_body:
        reasons.append(f"it mentions {', '.join(in_body[:6])}")
    if candidate.cosine is not None:
        reasons.append(f"close in meaning to the message (similarity {candidate.cosine:.2f})")
    return tuple(reasons) or ("matched the message's words",)


def _shared(words: list[str], text: str) -> list[str]:
    present = {w.lower() for w in re.findall(r"[^\W_]+", text)}
    return [w for w in words if w in present or w.rstrip("s") in present or w + "s" in present]


# --- similar resolved cases ------------------------------------------------------------------


def similar_cases(
    session: Session,
    workspace_id: int,
    message: str,
    *,
    exclude_conversation_id: int | None = None,
    embedder: Embedder | None = None,
    mood: Any = None,
    limit: int = 3,
) -> list[SimilarCase]:
    """Resolved conversations of the workspace most like ``message``, with their resolving
    reply. ``mood`` is a callable text → "negative" | "neutral" | "positive" (triage), or None."""
    found: dict[int, tuple[int, float]] = {}
    for message_id, conversation_id, score in search_inbound_messages(
        session, workspace_id, message
    ):
        if conversation_id != exclude_conversation_id and conversation_id not in found:
            found[conversation_id] = (message_id, score)
        if len(found) >= 20:
            break
    if not found:
        return []
    texts = _case_texts(session, list(found))
    cases = []
    cosines = _cosines(embedder, message, [texts[c][0] for c in found]) if embedder else None
    words = content_words(message)
    for position, conversation_id in enumerate(found):
        first, last_inbound, reply = texts[conversation_id]
        cosine = cosines[position] if cosines is not None else None
        improved = _improved(mood, first, last_inbound)
        score = 1.0 / (RRF_K + position + 1) + (cosine or 0.0) * 0.05 + (0.01 if improved else 0.0)
        reasons = _case_reasons(words, first, cosine, improved, reply)
        cases.append(SimilarCase(conversation_id, first, reply, score, improved, reasons))
    return sorted(cases, key=lambda c: -c.score)[:limit]


def _case_texts(session: Session, ids: list[int]) -> dict[int, tuple[str, str, str | None]]:
    """Per conversation: the customer's first and last messages and the resolving reply."""
    resolved = dict(
        session.execute(
            select(Conversation.id, Conversation.resolved_at).where(Conversation.id.in_(ids))
        ).all()
    )
    rows = session.execute(
        select(Message.conversation_id, Message.direction, Message.text, Message.created_at)
        .where(Message.conversation_id.in_(ids))
        .order_by(Message.conversation_id, Message.created_at, Message.id)
    ).all()
    out: dict[int, tuple[str, str, str | None]] = {}
    for conversation_id in ids:
        mine = [r for r in rows if r.conversation_id == conversation_id]
        inbound = [r.text for r in mine if r.direction == "in"]
        until = resolved.get(conversation_id)
        replies = [
            r.text
            for r in mine
            if r.direction == "out" and (until is None or r.created_at <= until)
        ]
        out[conversation_id] = (
            inbound[0] if inbound else "",
            inbound[-1] if inbound else "",
            replies[-1] if replies else None,
        )
    return out


def _cosines(embedder: Embedder, message: str, texts: Sequence[str]) -> list[float]:
    vectors = embedder.embed([message, *texts])
    return [float(vectors[0] @ v) for v in vectors[1:]]


def _improved(mood: Any, first: str, last: str) -> bool | None:
    if mood is None or not first or first == last:
        return None
    before, after = mood(first), mood(last)
    return bool(before == "negative" and after != "negative")


def _case_reasons(
    words: list[str], first: str, cosine: float | None, improved: bool | None, reply: str | None
) -> tuple[str, ...]:
    reasons = []
    shared = _shared(words, first)
    if shared:
        reasons.append(f"the customer wrote about {', '.join(shared[:6])} too")
    if cosine is not None:
        reasons.append(f"similar in meaning (similarity {cosine:.2f})")
    if improved:
        reasons.append("the customer's mood improved by the end")
    if reply is None:
        reasons.append("resolved without a reply on record")
    return tuple(reasons)
