"""Jinja2 templates: autoescaped, with a few filters for times and numbers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

TEMPLATES_DIR = Path(__file__).parent / "templates"


def compact_number(value: int | None) -> str:
    """332000 → "332k", 1500000 → "1.5M"."""
    if value is None:
        return "?"
    if value >= 1_000_000:
        return f"{value / 1_000_000:.1f}M".replace(".0M", "M")
    if value >= 10_000:
        return f"{value // 1000}k"
    if value >= 1000:
        return f"{value / 1000:.1f}k".replace(".0k", "k")
    return str(value)


def when(value: str | datetime | None) -> str:
    if value is None:
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment.astimezone(UTC).strftime("%d %b %Y %H:%M UTC")


def duration(value: timedelta | float | None) -> str:
    """A span in words an agent reads at a glance: "45 min", "3 h 05", "2 d 4 h"."""
    if value is None:
        return "–"
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    sign = "-" if seconds < 0 else ""
    minutes = int(abs(seconds) // 60)
    if minutes < 60:
        return f"{sign}{minutes} min"
    hours, mins = divmod(minutes, 60)
    if hours < 48:
        return f"{sign}{hours} h {mins:02d}"
    days, hours = divmod(hours, 24)
    return f"{sign}{days} d {hours} h"


def query_string(params: dict[str, Any], **changes: Any) -> str:
    merged = {**params, **changes}
    return urlencode({k: v for k, v in merged.items() if v not in (None, "", False)})


def build_templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(TEMPLATES_DIR))
    templates.env.filters["compact"] = compact_number
    templates.env.filters["when"] = when
    templates.env.filters["duration"] = duration
    templates.env.globals["query_string"] = query_string
    return templates


def render(request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    templates: Jinja2Templates = request.app.state.templates
    viewer = getattr(request.state, "viewer", None)
    context.setdefault("viewer", viewer)
    context.setdefault("csrf_token", viewer.csrf_token if viewer is not None else "")
    return templates.TemplateResponse(request, name, context, status_code=status_code)
