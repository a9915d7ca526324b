"""A JSON response rendered by orjson (fast, and aware datetimes come out as ISO-8601)."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi.responses import Response


class FastJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content, option=orjson.OPT_NON_STR_KEYS)
