"""Pure types shared by every layer: no database, no HTTP."""

from heedful.domain.enums import (
    AgentRole,
    ConversationStatus,
    Direction,
    MessageKind,
    Visibility,
)
from heedful.domain.events import Attachment, Author, InboundEvent

__all__ = [
    "AgentRole",
    "Attachment",
    "Author",
    "ConversationStatus",
    "Direction",
    "InboundEvent",
    "MessageKind",
    "Visibility",
]
