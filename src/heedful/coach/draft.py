"""What the coach is asked about: a draft reply and its context."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

DEFAULT_CHANNEL = "x"


@dataclass(frozen=True, slots=True)
class Draft:
    """A reply an agent is about to send.

    ``customer`` is the customer's message (or messages, joined) the draft answers; ``to`` is
    a key for the contact it goes to (used to tell "sent to this person before" from "sent to
    others"); ``now`` is when it would be sent (default: the coach's clock); ``earlier`` are
    the brand's earlier replies in the same conversation, oldest first (an apology made there
    need not be repeated in every follow-up).
    """

    text: str
    customer: str = ""
    channel: str = DEFAULT_CHANNEL
    public: bool = True
    signature_required: bool = False
    to: str | None = None
    now: datetime | None = None
    earlier: tuple[str, ...] = ()
