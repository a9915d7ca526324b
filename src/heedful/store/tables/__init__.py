"""All tables, one module per aggregate. Importing this package registers them on the metadata."""

from heedful.store.tables.agent import Agent, Membership
from heedful.store.tables.care import (
    AgentCapacity,
    AgentShift,
    BusinessHours,
    DraftPresence,
    HandoverNote,
    Promise,
    SlaEscalation,
    SlaPolicyRow,
)
from heedful.store.tables.coach import HelpArticle
from heedful.store.tables.contact import Contact, ContactIdentity
from heedful.store.tables.conversation import Conversation
from heedful.store.tables.delivery import ChannelState, OutboxItem, RawEvent
from heedful.store.tables.event import Event
from heedful.store.tables.message import Message
from heedful.store.tables.quarantine import Quarantine
from heedful.store.tables.triage import (  # triage area
    ConversationTriage,
    MessageTriage,
    TriageProgress,
)
from heedful.store.tables.web import ApiToken, InternalNote, LoginAttempt, SavedView, WebSession
from heedful.store.tables.workspace import ChannelAccount, Workspace

__all__ = [
    "Agent",
    "AgentCapacity",
    "AgentShift",
    "ApiToken",
    "BusinessHours",
    "ChannelAccount",
    "ChannelState",
    "Contact",
    "ContactIdentity",
    "Conversation",
    "ConversationTriage",
    "DraftPresence",
    "Event",
    "HandoverNote",
    "HelpArticle",
    "InternalNote",
    "LoginAttempt",
    "Membership",
    "Message",
    "MessageTriage",
    "OutboxItem",
    "Promise",
    "Quarantine",
    "RawEvent",
    "SavedView",
    "SlaEscalation",
    "SlaPolicyRow",
    "TriageProgress",
    "WebSession",
    "Workspace",
]
