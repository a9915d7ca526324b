"""Who is making the request. Sign-in, sessions and API tokens plug in here (issue: the agent's
web app); until then every request sees every workspace, as the CLI does."""

from __future__ import annotations

from fastapi import Request

from heedful.web.access import SYSTEM, Viewer


def current_viewer(request: Request) -> Viewer:
    return SYSTEM
