"""One RFC 5322 message (bytes) to one normalized event, or a deliberate refusal.

* ``external_id`` is the Message-ID (without angle brackets); a message without one gets a
  stable stand-in derived from its bytes, so a re-poll never duplicates it.
* ``in_reply_to`` / ``references`` come from the headers of the same names (only well-formed
  ids); ``thread_ref`` is the thread's root: the first References id, else In-Reply-To, else
  the message itself.
* ``created_at`` is the Date header; when that is missing or unreadable, the time the server
  received the mail (``X-Heedful-Received-At`` from the poller, else the newest ``Received``
  hop), else the clock.
* The text is what the person wrote: plain text (or HTML turned into text) with the quoted
  original stripped; attachments are references, never inlined.
* Bounces and automatic replies are ignored with their reason (see :mod:`bounce`).
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from collections.abc import Mapping
from datetime import datetime
from email.message import Message
from typing import Any

from heedful.channels.base import REPLY_TO_KEY, ParseResult
from heedful.channels.email.bounce import automated
from heedful.channels.email.headers import (
    addresses,
    header_date,
    header_text,
    message_ids,
    raw_values,
    received_date,
)
from heedful.channels.email.mime import read_body
from heedful.channels.email.quotes import strip_quoted
from heedful.channels.support.headers import header
from heedful.channels.support.times import from_iso
from heedful.clock import Clock
from heedful.domain import Author, Direction, InboundEvent, MessageKind, Visibility
from heedful.errors import InputRejected

CHANNEL = "email"
RECEIVED_AT_HEADER = "X-Heedful-Received-At"  # ISO-8601, set by the poller (INTERNALDATE)
MAX_MESSAGE = 50 * 1024 * 1024
MAX_TEXT = 200_000
SENDER_HEADERS = ("From", "Sender", "Reply-To", "Return-Path")
REPLY_PREFIX = re.compile(
    r"^(\s*(re|fw|fwd|aw|wg|sv|vs|rv|tr|antw|odp|ynt|res)(\[\d+\])?\s*:\s*)+", re.IGNORECASE
)


def load_message(raw: bytes) -> Message:
    if not raw.strip():
        raise InputRejected("empty message")
    if len(raw) > MAX_MESSAGE:
        raise InputRejected(f"message of {len(raw)} bytes is over the {MAX_MESSAGE} limit")
    msg = email.message_from_bytes(raw, policy=email.policy.compat32)
    if not msg.keys():
        raise InputRejected("no header fields: this is not an e-mail message")
    return msg


def parse_message(
    raw: bytes,
    *,
    clock: Clock,
    own_address: str = "",
    headers: Mapping[str, str] | None = None,
    strip_quotes: bool = True,
) -> ParseResult:
    msg = load_message(raw)
    skip = automated(msg)
    if skip is not None:
        return ParseResult(ignored=(skip,))
    author = _author(msg)
    body = read_body(msg)
    stripped = strip_quoted(body.text) if strip_quotes else None
    text = stripped.text if stripped else body.text.strip()
    message_id = _message_id(msg, raw)
    replying_to = message_ids(msg, "In-Reply-To")
    references = tuple(message_ids(msg, "References"))
    own = own_address.strip().lower()
    event = InboundEvent(
        channel=CHANNEL,
        external_id=message_id,
        author=author,
        text=text[:MAX_TEXT],
        created_at=_created_at(msg, headers, clock),
        kind=MessageKind.EMAIL,
        direction=Direction.OUTBOUND if own and author.external_id == own else Direction.INBOUND,
        visibility=Visibility.PRIVATE,
        in_reply_to=replying_to[-1] if replying_to else (references[-1] if references else None),
        thread_ref=(references or tuple(replying_to) or (message_id,))[0],
        references=references,
        account_ref=own or None,
        subject=header_text(msg, "Subject"),
        attachments=tuple(body.attachments),
        extra=_extra(msg, body.html_only, stripped.removed if stripped else False, author, own),
    )
    return ParseResult(events=(event,))


def _author(msg: Message) -> Author:
    for name in SENDER_HEADERS:
        found = addresses(msg, name)
        if found:
            display, address = found[0]
            return Author(external_id=address, handle=address, display_name=display or None)
    raise InputRejected("no sender address (From, Sender, Reply-To or Return-Path)")


def _message_id(msg: Message, raw: bytes) -> str:
    ids = message_ids(msg, "Message-ID")
    if ids:
        return ids[0]
    digest = hashlib.sha256(raw).hexdigest()[:32]
    return f"sha256-{digest}@no-message-id.heedful.invalid"


def _created_at(msg: Message, headers: Mapping[str, str] | None, clock: Clock) -> datetime:
    dated = header_date(header_text(msg, "Date"))
    if dated is not None:
        return dated
    received_at = header(headers, RECEIVED_AT_HEADER)
    if received_at:
        return from_iso(received_at)
    return received_date(msg) or clock.now()


def _extra(
    msg: Message, html_only: bool, quotes_removed: bool, author: Author, own: str
) -> dict[str, Any]:
    extra: dict[str, Any] = {}
    reply_to = reply_addresses(msg, own)
    if reply_to and reply_to != [author.external_id]:
        extra[REPLY_TO_KEY] = ", ".join(reply_to)  # where answers must go (not the From)
    cc = [address for _, address in addresses(msg, "Cc")]
    if cc:
        extra["cc"] = cc
    if html_only:
        extra["html_only"] = True
    if quotes_removed:
        extra["quoted_text_removed"] = True
    precedence = (header_text(msg, "Precedence") or "").lower()
    if precedence in ("bulk", "junk", "list"):
        extra["precedence"] = precedence  # mailing list or bulk mail: triage may deprioritise
    if raw_values(msg, "List-Id"):
        extra["list_id"] = header_text(msg, "List-Id")
    if not header_date(header_text(msg, "Date")):
        extra["date_source"] = "received"
    subject_key = thread_subject(header_text(msg, "Subject"))
    if subject_key:
        extra["thread_subject"] = subject_key  # for clients that send no threading headers
    return extra


def reply_addresses(msg: Message, own: str = "") -> list[str]:
    """The Reply-To addresses (a mailing list, a ticket form's submitter, a shared inbox), in
    order, once each; never the account's own address (that would answer ourselves)."""
    found = [address for _, address in addresses(msg, "Reply-To") if address != own]
    return list(dict.fromkeys(found))


def thread_subject(subject: str | None) -> str | None:
    """The subject without reply/forward prefixes, lower-cased: "Re: Fwd: Order" → "order"."""
    if not subject:
        return None
    return REPLY_PREFIX.sub("", subject).strip().lower() or None
