"""``/api/v1/me``: who the token or session belongs to, and their workspaces."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from heedful.web.access import visible_workspaces
from heedful.web.deps import SessionDep, ViewerDep

router = APIRouter(prefix="/api/v1", tags=["me"])


@router.get("/me", summary="The signed-in agent and their workspaces")
def me(session: SessionDep, viewer: ViewerDep) -> dict[str, Any]:
    return {
        "id": viewer.agent_id,
        "name": viewer.name,
        "email": viewer.email,
        "initials": viewer.initials,
        "role": viewer.role,
        "workspaces": [
            {"slug": w.slug, "name": w.name, "role": viewer.roles.get(w.id)}
            for w in visible_workspaces(session, viewer)
        ],
    }
