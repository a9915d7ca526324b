"""Promise extraction from outbound messages (narrow first version; growing)."""

from __future__ import annotations

import re
from datetime import datetime

from heedful.care.hours import BusinessCalendar
from heedful.domain.promises import ExtractedPromise

_COMMIT = re.compile(
    r"\b(?:I|we|someone|somebody)\s*(?:'ll|’ll| will| shall)\s+(?!not\b)[^.!?\n]+",
    re.IGNORECASE,
)


def extract_promises(
    text: str,
    sent_at: datetime,
    tz: str = "UTC",
    calendar: BusinessCalendar | None = None,
) -> list[ExtractedPromise]:
    """Commitments in ``text`` (narrow version: every "I'll/we'll …" is a vague promise)."""
    return [
        ExtractedPromise(
            span=m.group(0).strip(),
            start=m.start(),
            end=m.end(),
            action="other",
            due_at=None,
            vague=True,
        )
        for m in _COMMIT.finditer(text)
    ]
