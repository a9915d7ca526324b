"""A promise found in an outbound message (see heedful.care.promises for the extractor)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum


class PromiseState(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class ExtractedPromise:
    """A commitment an agent made in a message, as the extractor found it."""

    span: str  # the words of the commitment, as written
    start: int  # character offsets of ``span`` in the message text
    end: int
    action: str  # what was promised, normalised: "call", "refund", "reply", "dm", "investigate"…
    due_at: datetime | None  # aware UTC; None when no time was given
    vague: bool  # True when no time was given ("we'll look into it", "soon")
    # How exactly the words pin the due time down: 15 minutes for "in 30 minutes" or "by 5pm",
    # 3 hours for "tomorrow morning", 12 hours for "on Monday", a day for "next week". None
    # when vague.
    tolerance: timedelta | None = None
    time_text: str | None = None  # the time phrase as written ("within 5 working days")
