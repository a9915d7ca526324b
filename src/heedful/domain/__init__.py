"""Pure types shared by every layer: no database, no HTTP."""

from heedful.domain.enums import (
    AgentRole,
    ConversationStatus,
    Direction,
    MessageKind,
    Visibility,
)
from heedful.domain.events import Attachment, Author, InboundEvent, event_from_json

__all__ = [
    "AgentRole",
    "Attachment",
    "Author",
    "ConversationStatus",
    "Direction",
    "InboundEvent",
    "MessageKind",
    "Visibility",
    "event_from_json",
]
