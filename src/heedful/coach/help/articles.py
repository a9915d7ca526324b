"""A workspace's help articles: read from a folder of Markdown or from a CSV, and stored (one
row per URL, so importing the same help centre again updates it)."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.coach.help.embeddings import Embedder, pack
from heedful.errors import InputRejected
from heedful.store.tables import HelpArticle

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.DOTALL)
_HEADING = re.compile(r"^#\s+(.+?)\s*#*\s*$", re.MULTILINE)
MAX_TITLE, MAX_URL = 300, 1000


@dataclass(frozen=True, slots=True)
class ArticleInput:
    title: str
    url: str
    body: str

    def checked(self, where: str) -> ArticleInput:
        title, url, body = self.title.strip(), self.url.strip(), self.body.strip()
        if not title or not url or not body:
            raise InputRejected(f"{where}: an article needs a title, a URL and a body")
        if len(title) > MAX_TITLE or len(url) > MAX_URL:
            raise InputRejected(f"{where}: title or URL too long")
        return ArticleInput(title, url, body)


@dataclass(frozen=True, slots=True)
class ImportResult:
    added: int
    updated: int
    unchanged: int


def read_markdown_folder(folder: Path, base_url: str | None = None) -> list[ArticleInput]:
    """Every ``*.md`` under ``folder``. Title: front matter ``title:`` or the first ``#``
    heading; URL: front matter ``url:``, else ``base_url`` + the file's path without ``.md``."""
    if not folder.is_dir():
        raise InputRejected(f"{folder}: not a folder")
    return [_markdown_article(path, folder, base_url) for path in sorted(folder.rglob("*.md"))]


def _markdown_article(path: Path, root: Path, base_url: str | None) -> ArticleInput:
    raw = path.read_text(encoding="utf-8")
    meta: dict[str, str] = {}
    found = _FRONT_MATTER.match(raw)
    if found:
        for line in found.group(1).splitlines():
            key, sep, value = line.partition(":")
            if sep:
                meta[key.strip().lower()] = value.strip().strip("\"'")
        raw = raw[found.end() :]
    heading = _HEADING.search(raw)
    title = meta.get("title") or (heading.group(1) if heading else path.stem.replace("-", " "))
    body = raw.replace(heading.group(0), "", 1) if heading and not meta.get("title") else raw
    url = meta.get("url")
    if not url:
        if not base_url:
            raise InputRejected(f"{path}: no 'url:' in its front matter and no base URL given")
        url = base_url.rstrip("/") + "/" + path.relative_to(root).with_suffix("").as_posix()
    return ArticleInput(title, url, body).checked(str(path))


def read_csv(path: Path) -> list[ArticleInput]:
    """A CSV with a header row and the columns ``title``, ``url``, ``body``."""
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            missing = {"title", "url", "body"} - set(reader.fieldnames or ())
            if missing:
                raise InputRejected(f"{path}: missing columns {', '.join(sorted(missing))}")
            return [
                ArticleInput(r["title"] or "", r["url"] or "", r["body"] or "").checked(
                    f"{path}:{n}"
                )
                for n, r in enumerate(reader, start=2)
            ]
    except FileNotFoundError:
        raise InputRejected(f"{path}: no such file") from None


def import_articles(
    session: Session,
    workspace_id: int,
    articles: Iterable[ArticleInput],
    *,
    clock: Clock,
    embedder: Embedder | None = None,
) -> ImportResult:
    """Add new articles and update changed ones (matched by URL); embed what changed."""
    existing = {
        a.url: a
        for a in session.scalars(
            select(HelpArticle).where(HelpArticle.workspace_id == workspace_id)
        )
    }
    now = clock.now()
    changed: list[HelpArticle] = []
    added = updated = unchanged = 0
    for item in _unique(articles):
        row = existing.get(item.url)
        if row is None:
            row = HelpArticle(
                workspace_id=workspace_id,
                title=item.title,
                url=item.url,
                body=item.body,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            added += 1
        elif (row.title, row.body) != (item.title, item.body):
            row.title, row.body, row.updated_at = item.title, item.body, now
            updated += 1
        else:
            unchanged += 1
            if row.embedding is not None or embedder is None:
                continue
        changed.append(row)
    _embed(changed, embedder)
    session.flush()
    return ImportResult(added, updated, unchanged)


def _unique(articles: Iterable[ArticleInput]) -> Iterator[ArticleInput]:
    seen: dict[str, ArticleInput] = {}
    for item in articles:
        seen[item.url] = item  # the last one of a URL wins
    yield from seen.values()


def article_text(title: str, body: str) -> str:
    """What is embedded for an article: its title, then the start of its body."""
    return f"{title}. {body[:1500]}"


def _embed(rows: list[HelpArticle], embedder: Embedder | None) -> None:
    if embedder is None or not rows:
        for row in rows:
            row.embedding = None
        return
    vectors = embedder.embed([article_text(r.title, r.body) for r in rows])
    for row, vector in zip(rows, vectors, strict=True):
        row.embedding = pack(vector)


def save_article(
    session: Session,
    workspace_id: int,
    item: ArticleInput,
    *,
    clock: Clock,
    embedder: Embedder | None = None,
    article_id: int | None = None,
    actor_agent_id: int | None = None,
) -> HelpArticle:
    """Add one article, or change the article ``article_id`` of the workspace (its URL too),
    by hand. The keyword index follows by itself (triggers on SQLite, expression indexes on
    PostgreSQL); the embedding is computed again, or cleared when no embedder is at hand so a
    stale vector never matches the old text. Logged, with the actor."""
    item = item.checked("article")
    clash = session.scalar(
        select(HelpArticle.id).where(
            HelpArticle.workspace_id == workspace_id, HelpArticle.url == item.url
        )
    )
    if clash is not None and clash != article_id:
        raise InputRejected(f"another article already has the URL {item.url}")
    now = clock.now()
    if article_id is None:
        row = HelpArticle(workspace_id=workspace_id, created_at=now)
        session.add(row)
        kind = "help_article.added"
    else:
        found = session.get(HelpArticle, article_id)
        if found is None or found.workspace_id != workspace_id:
            raise InputRejected(f"no help article {article_id} in this workspace")
        row, kind = found, "help_article.changed"
    changed = (row.title, row.url, row.body) != (item.title, item.url, item.body)
    row.title, row.url, row.body, row.updated_at = item.title, item.url, item.body, now
    if changed or row.embedding is None:
        _embed([row], embedder)
    session.flush()
    _log(session, workspace_id, kind, row, clock, actor_agent_id)
    return row


def delete_article(
    session: Session,
    workspace_id: int,
    article_id: int,
    *,
    clock: Clock,
    actor_agent_id: int | None = None,
) -> None:
    """Remove an article (and so its keyword-index entry and embedding); logged."""
    row = session.get(HelpArticle, article_id)
    if row is None or row.workspace_id != workspace_id:
        raise InputRejected(f"no help article {article_id} in this workspace")
    _log(session, workspace_id, "help_article.deleted", row, clock, actor_agent_id)
    session.delete(row)
    session.flush()


def _log(
    session: Session,
    workspace_id: int,
    kind: str,
    row: HelpArticle,
    clock: Clock,
    actor_agent_id: int | None,
) -> None:
    from heedful.services.events import record_event

    record_event(
        session,
        kind,
        workspace_id=workspace_id,
        actor=f"agent:{actor_agent_id}" if actor_agent_id else "system",
        actor_agent_id=actor_agent_id,
        now=clock.now(),
        subject=("help_article", row.id),
        data={"title": row.title, "url": row.url},
    )
