"""Every API route of an app, flattened: what the authentication, CSRF and isolation matrices
iterate over, so a route added anywhere is covered without a new test."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.routing import APIRoute


@dataclass(frozen=True)
class RouteInfo:
    path: str  # with {params}
    methods: frozenset[str]
    params: tuple[str, ...]


def app_routes(app: FastAPI) -> list[RouteInfo]:
    try:  # FastAPI ≥ 0.16x keeps included routers nested
        from fastapi.routing import iter_route_contexts
    except ImportError:  # pragma: no cover - older FastAPI: app.routes is already flat
        flat = [r for r in app.routes if isinstance(r, APIRoute)]
        return [_info(r.path, r.methods, r.param_convertors) for r in flat]
    found = []
    for ctx in iter_route_contexts(app.routes):
        if isinstance(ctx.original_route, APIRoute):
            found.append(_info(ctx.path, ctx.methods, ctx.param_convertors))
    return found


def _info(path: str, methods: set[str] | None, convertors: dict[str, object]) -> RouteInfo:
    return RouteInfo(path, frozenset((methods or set()) - {"HEAD"}), tuple(convertors))
