"""All tables, one module per aggregate. Importing this package registers them on the metadata."""

from heedful.store.tables.agent import Agent, Membership
from heedful.store.tables.contact import Contact, ContactIdentity
from heedful.store.tables.conversation import Conversation
from heedful.store.tables.event import Event
from heedful.store.tables.message import Message
from heedful.store.tables.quarantine import Quarantine
from heedful.store.tables.workspace import ChannelAccount, Workspace

__all__ = [
    "Agent",
    "ChannelAccount",
    "Contact",
    "ContactIdentity",
    "Conversation",
    "Event",
    "Membership",
    "Message",
    "Quarantine",
    "Workspace",
]
