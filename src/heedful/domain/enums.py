"""Enumerations stored in the database as their string values."""

from __future__ import annotations

from enum import StrEnum


class Direction(StrEnum):
    INBOUND = "in"  # from a customer (or anyone who is not the brand)
    OUTBOUND = "out"  # by the brand


class Visibility(StrEnum):
    PUBLIC = "public"  # anyone can read it: a post, a comment, a review, a public reply
    PRIVATE = "private"  # DM, private message, e-mail


class ConversationStatus(StrEnum):
    NEW = "new"  # nobody has touched it yet
    OPEN = "open"  # someone is working on it
    WAITING = "waiting"  # waiting on the customer: SLA clocks pause
    RESOLVED = "resolved"

    @property
    def is_open(self) -> bool:
        return self is not ConversationStatus.RESOLVED


class AgentRole(StrEnum):
    AGENT = "agent"
    LEAD = "lead"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return {"agent": 0, "lead": 1, "admin": 2}[self.value]

    def at_least(self, other: AgentRole) -> bool:
        return self.rank >= other.rank


class MessageKind(StrEnum):
    POST = "post"  # a top-level public post that addresses or mentions the brand
    REPLY = "reply"  # a reply in a public thread
    MENTION = "mention"  # an unsolicited mention found by listening
    COMMENT = "comment"  # a comment under a page post (Facebook, Instagram)
    DM = "dm"  # a private/direct message
    REVIEW = "review"  # a review on a review site
    EMAIL = "email"
    NOTE = "note"  # an internal note by an agent, never sent
    # An automatic message sent by Heedful (the out-of-hours acknowledgement): it goes out, but
    # it is not an answer from a person — SLA clocks, first response and "answered" ignore it.
    AUTO = "auto"
