"""Admin pages for what shapes the agents' work: the help articles the coach suggests
(``/admin/articles``) and the triage weights that order the queue (``/admin/triage``).

Articles are written by the coach's own article service (``heedful.coach.help.articles``),
which keeps the keyword index and the embeddings in step with the text; triage settings are
checked by the triage area's :class:`TriageSettings` before they are stored.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.datastructures import FormData

from heedful.clock import Clock
from heedful.coach.help.articles import ArticleInput, delete_article, save_article
from heedful.coach.help.embeddings import Embedder
from heedful.errors import InputRejected, NotFound, ValidationFailed
from heedful.services.workspace_settings import set_area_settings
from heedful.store.tables import HelpArticle, Workspace
from heedful.triage.priority import PriorityWeights
from heedful.triage.service import SETTINGS_AREA, workspace_triage_settings
from heedful.triage.taxonomy import BUILTIN_TOPICS
from heedful.triage.workspace import TriageSettings
from heedful.web.access import Viewer
from heedful.web.deps import ClockDep, SessionDep, ViewerDep, WriteSessionDep
from heedful.web.ui.admin import admin_workspace, render_admin

router = APIRouter(include_in_schema=False)


# -- help articles ----------------------------------------------------------------------------


def article_embedder() -> Embedder | None:
    """The embedder for articles saved by hand: the same one the composer's suggestions use,
    so a changed article is found by meaning at once (None: keywords only)."""
    from heedful.coach.help.embeddings import default_embedder

    return default_embedder()


def _article_input(form: FormData) -> ArticleInput:
    def text(name: str, limit: int) -> str:
        value = form.get(name)
        return value[:limit].replace("\r\n", "\n") if isinstance(value, str) else ""

    item = ArticleInput(text("title", 400), text("url", 1100), text("body", 200_000))
    url = item.url.strip()
    if url and not url.lower().startswith(("https://", "http://")):
        raise InputRejected("article: the URL must start with https:// or http://")
    return item


def _access_article(session: Session, ws: Workspace, article_id: int) -> HelpArticle:
    row = session.get(HelpArticle, article_id)
    if row is None or row.workspace_id != ws.id:
        raise NotFound(f"no help article {article_id}")
    return row


def _articles_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    ws: Workspace,
    *,
    typed: dict[str, str] | None = None,
    editing: HelpArticle | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    articles = session.scalars(
        select(HelpArticle).where(HelpArticle.workspace_id == ws.id).order_by(HelpArticle.title)
    ).all()
    if typed is None:
        typed = (
            {"title": editing.title, "url": editing.url, "body": editing.body}
            if editing
            else {"title": "", "url": "", "body": ""}
        )
    return render_admin(
        request,
        session,
        viewer,
        ws,
        "admin_articles.html",
        section="articles",
        section_title="Help articles",
        status_code=status_code,
        articles=articles,
        editing=editing,
        typed=typed,
        **context,
    )


@router.get("/admin/articles", response_class=HTMLResponse)
def articles_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    workspace: Annotated[str, Query(max_length=64)] = "",
    saved: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    ws = admin_workspace(session, viewer, workspace)
    notice = {"added": "Article added.", "changed": "Article saved.", "deleted": "Article deleted."}
    return _articles_page(request, session, viewer, ws, saved=notice.get(saved, ""))


@router.get("/admin/articles/{article_id}", response_class=HTMLResponse)
def article_page(
    article_id: int,
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    workspace: Annotated[str, Query(max_length=64)] = "",
) -> HTMLResponse:
    ws = admin_workspace(session, viewer, workspace)
    row = _access_article(session, ws, article_id)
    return _articles_page(request, session, viewer, ws, editing=row)


@router.post("/admin/articles")
async def add_article_route(
    request: Request, session: WriteSessionDep, viewer: ViewerDep, clock: ClockDep
) -> Response:
    """Add a help article for the coach to suggest."""
    return await _save_article(request, session, viewer, clock, None)


@router.post("/admin/articles/{article_id}")
async def change_article_route(
    article_id: int,
    request: Request,
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
) -> Response:
    """Change an article's title, URL or text (its index entries follow)."""
    return await _save_article(request, session, viewer, clock, article_id)


async def _save_article(
    request: Request,
    session: Session,
    viewer: Viewer,
    clock: Clock,
    article_id: int | None,
) -> Response:
    form = await request.form()
    ws = admin_workspace(session, viewer, str(form.get("workspace", "")))
    editing = _access_article(session, ws, article_id) if article_id is not None else None
    try:
        item = _article_input(form)
        save_article(
            session,
            ws.id,
            item,
            clock=clock,
            embedder=article_embedder(),
            article_id=article_id,
            actor_agent_id=viewer.agent_id,
        )
    except InputRejected as exc:  # refused before anything was written
        typed = {k: str(form.get(k, ""))[:200_000] for k in ("title", "url", "body")}
        return _articles_page(
            request,
            session,
            viewer,
            ws,
            typed=typed,
            editing=editing,
            status_code=422,
            error=exc.reason,
        )
    done = "changed" if editing else "added"
    return RedirectResponse(f"/admin/articles?workspace={ws.slug}&saved={done}", 303)


@router.post("/admin/articles/{article_id}/delete")
def delete_article_route(
    article_id: int,
    session: WriteSessionDep,
    viewer: ViewerDep,
    clock: ClockDep,
    workspace: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    """Remove an article: the coach stops suggesting it."""
    return _delete(session, viewer, clock, article_id, workspace)


def _delete(session: Session, viewer: Viewer, clock: Clock, article_id: int, slug: str) -> Response:
    ws = admin_workspace(session, viewer, slug)
    row = _access_article(session, ws, article_id)
    delete_article(session, ws.id, row.id, clock=clock, actor_agent_id=viewer.agent_id)
    return RedirectResponse(f"/admin/articles?workspace={ws.slug}&saved=deleted", 303)


# -- triage weights ---------------------------------------------------------------------------

# What each weight means, in the words of PriorityWeights' own comments.
WEIGHT_HELP = {
    "base": "points every message starts with",
    "complaint": "times the complaint probability, when it is a complaint",
    "severity_step": "per severity level above “no explicit reproach”",
    "negative": "times the negative tone",
    "urgent_topic": "complaint about an outage, money or access",
    "praise": "praise (usually negative: lowers the priority)",
    "repeat_per_message": "per earlier message from the person in 24 h",
    "repeat_cap": "most earlier messages counted",
    "unanswered_per_message": "per earlier unanswered message in 24 h",
    "repeat_week_per_message": "per earlier message in 7 days beyond the 24 h ones",
    "channel_hopping": "the person wrote about it on another channel too",
    "pile_on_per_person": "per other person joining the thread",
    "pile_on_cap": "most people counted joining in",
    "reach_per_decade": "per power of ten of followers above 1,000",
    "reach_above_brand": "the person has more followers than the brand",
    "brand_replied": "the brand already answered in the conversation",
}


def scalar_weights() -> list[str]:
    """The plain numeric weights of :class:`PriorityWeights` (not the per-signal map)."""
    return [name for name in PriorityWeights.model_fields if name != "signals"]


def triage_rows(settings: TriageSettings) -> dict[str, Any]:
    """The weights in force (defaults with the workspace's overrides) and the topic labels."""
    weights = settings.priority_weights()
    descriptions = {r.id: r.description for r in settings.registry().rules.values()}
    return {
        "weights": [
            {
                "id": name,
                "value": _show(getattr(weights, name)),
                "help": WEIGHT_HELP.get(name, ""),
                "whole": PriorityWeights.model_fields[name].annotation is int,
            }
            for name in scalar_weights()
        ],
        "signals": [
            {"id": sid, "value": _show(value), "help": descriptions.get(sid, "")}
            for sid, value in weights.signals.items()
        ],
        "topics": [
            {"id": tid, "label": label, "value": settings.topics.rename.get(tid, "")}
            for tid, label in BUILTIN_TOPICS.items()
        ],
        "custom_threshold": _show(settings.topics.custom_threshold),
    }


def _show(value: float) -> str:
    return f"{value:g}"


def triage_document(current: TriageSettings, form: FormData) -> dict[str, Any]:
    """The workspace's triage settings document with the form's weights and topic names.
    Only weights that differ from the defaults are stored, so improved defaults still reach
    a workspace that never touched them; its own phrase rules and custom topics are kept."""
    defaults = PriorityWeights(signals=current.registry().default_weights())
    weights: dict[str, Any] = {}
    for name in scalar_weights():
        whole = PriorityWeights.model_fields[name].annotation is int
        value = _form_number(form, f"w_{name}", name, whole=whole)
        if value != getattr(defaults, name):
            weights[name] = value
    signals = {}
    for sid, default in defaults.signals.items():
        value = _form_number(form, f"s_{sid}", f"signal {sid}", whole=False)
        if value != default:
            signals[sid] = value
    if signals:
        weights["signals"] = signals
    rename = {}
    for tid in BUILTIN_TOPICS:
        label = form.get(f"t_{tid}")
        label = label.strip()[:80] if isinstance(label, str) else ""
        if label and label != BUILTIN_TOPICS[tid]:
            rename[tid] = label
    threshold = _form_number(form, "custom_threshold", "custom topic threshold", whole=False)
    topics = current.topics.model_dump()
    topics.update({"rename": rename, "custom_threshold": threshold})
    document = current.model_dump(mode="json")
    document.update({"weights": weights, "topics": topics})
    return document


def _form_number(form: FormData, field: str, what: str, *, whole: bool) -> float | int:
    raw = form.get(field)
    text = raw.strip() if isinstance(raw, str) else ""
    if not text:
        raise ValidationFailed(f"{what}: a number is needed")
    try:
        value = float(text)
    except ValueError:
        raise ValidationFailed(f"{what}: {text[:20]!r} is not a number") from None
    if not math.isfinite(value) or abs(value) > 1000:
        raise ValidationFailed(f"{what}: use a number between -1000 and 1000")
    if whole:
        if value != int(value) or value < 0:
            raise ValidationFailed(f"{what}: a whole number of 0 or more is needed")
        return int(value)
    return value


def validate_triage(document: dict[str, Any]) -> None:
    """Refuse what the triage area would refuse when it reads the settings back."""
    try:
        TriageSettings.from_mapping(document).priority_weights()
    except (InputRejected, ValidationError, ValueError) as exc:
        raise ValidationFailed(str(exc)) from None


def _triage_page(
    request: Request,
    session: Session,
    viewer: Viewer,
    ws: Workspace,
    *,
    rows: dict[str, Any] | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    if rows is None:
        try:
            rows = triage_rows(workspace_triage_settings(session, ws.id))
        except InputRejected as exc:  # stored by hand and broken: show defaults, say so
            rows = triage_rows(TriageSettings())
            context.setdefault("error", f"{exc.reason}; the defaults are shown")
    return render_admin(
        request,
        session,
        viewer,
        ws,
        "admin_triage.html",
        section="triage",
        section_title="Triage weights",
        status_code=status_code,
        rows=rows,
        **context,
    )


@router.get("/admin/triage", response_class=HTMLResponse)
def triage_page(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    workspace: Annotated[str, Query(max_length=64)] = "",
    saved: Annotated[str, Query(max_length=10)] = "",
) -> HTMLResponse:
    ws = admin_workspace(session, viewer, workspace)
    notice = "Triage weights saved; they apply to messages triaged from now on." if saved else ""
    return _triage_page(request, session, viewer, ws, saved=notice)


@router.post("/admin/triage")
async def save_triage_route(
    request: Request, session: WriteSessionDep, viewer: ViewerDep, clock: ClockDep
) -> Response:
    """Save the priority weights and topic names (validated by the triage settings model)."""
    form = await request.form()
    ws = admin_workspace(session, viewer, str(form.get("workspace", "")))
    current = TriageSettings()
    try:
        current = workspace_triage_settings(session, ws.id)
        document = triage_document(current, form)
        set_area_settings(
            session,
            ws,
            SETTINGS_AREA,
            document,
            validate=validate_triage,
            clock=clock,
            actor_agent_id=viewer.agent_id,
        )
    except (ValidationFailed, InputRejected) as exc:
        rows = _typed_triage(current, form)
        return _triage_page(
            request, session, viewer, ws, rows=rows, status_code=422, error=str(exc)
        )
    return RedirectResponse(f"/admin/triage?workspace={ws.slug}&saved=1", 303)


def _typed_triage(current: TriageSettings, form: FormData) -> dict[str, Any]:
    """The form as typed, over the current rows (for showing a refused form again)."""
    rows = triage_rows(current)

    def typed(name: str) -> str:
        value = form.get(name)
        return value[:40] if isinstance(value, str) else ""

    for row in rows["weights"]:
        row["value"] = typed(f"w_{row['id']}")
    for row in rows["signals"]:
        row["value"] = typed(f"s_{row['id']}")
    for row in rows["topics"]:
        row["value"] = typed(f"t_{row['id']}")
    rows["custom_threshold"] = typed("custom_threshold")
    return rows
