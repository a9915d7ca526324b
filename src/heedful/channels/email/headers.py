"""Reading header fields robustly: RFC 2047 words in any charset, raw 8-bit bytes, broken
dates, message ids that are not message ids.

Values are read from the raw header lines (``raw_items``), never through the stdlib's
structured header classes, which replace undecodable bytes with U+FFFD."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.header import decode_header
from email.message import Message
from email.utils import getaddresses, parsedate_to_datetime

from heedful.channels.email.charsets import decode_text

MSG_ID = re.compile(r"<([^<>\s@]+@[^<>\s@]+)>")
FOLD = re.compile(r"\r?\n[ \t]*")
SPACES = re.compile(r"\s+")
SURROGATES = re.compile("[\udc80-\udcff]")


def raw_values(msg: Message, name: str) -> list[str]:
    wanted = name.lower()
    return [str(value) for key, value in msg.raw_items() if key.lower() == wanted]


def repair_8bit(value: str) -> str:
    """Header bytes that were not ASCII arrive surrogate-escaped: read them as UTF-8, or as
    Windows-1252 when they are not UTF-8."""
    if not SURROGATES.search(value):
        return value
    return decode_text(value.encode("utf-8", "surrogateescape"), None)


def decode_words(value: str) -> str:
    """Unfold a header value and decode its RFC 2047 encoded words."""
    value = FOLD.sub(" ", repair_8bit(value))
    try:
        parts = decode_header(value)
    except (ValueError, LookupError, AssertionError):
        return SPACES.sub(" ", value).strip()
    text = "".join(
        decode_text(chunk, charset) if isinstance(chunk, bytes) else chunk
        for chunk, charset in parts
    )
    return SPACES.sub(" ", text).strip()


def header_text(msg: Message, name: str) -> str | None:
    values = raw_values(msg, name)
    if not values:
        return None
    return decode_words(values[0]) or None


def addresses(msg: Message, name: str) -> list[tuple[str, str]]:
    """(display name, lower-cased address) pairs of an address header; unusable entries dropped.

    The address part is taken from the undecoded value (encoded words never hold it), the
    display name from the decoded one."""
    found: list[tuple[str, str]] = []
    for raw in raw_values(msg, name):
        unfolded = FOLD.sub(" ", repair_8bit(raw))
        for display, address in getaddresses([unfolded]):
            address = address.strip().lower()
            if "@" in address and " " not in address:
                found.append((decode_words(display), address))
    return found


def message_ids(msg: Message, name: str) -> list[str]:
    """Every well-formed ``<local@domain>`` id in all ``name`` headers, in order, without the
    angle brackets; a bare address or an id broken by spaces is not one."""
    ids: list[str] = []
    for raw in raw_values(msg, name):
        for found in MSG_ID.findall(FOLD.sub(" ", repair_8bit(raw))):
            if found not in ids:
                ids.append(found)
    return ids


def header_date(value: str | None) -> datetime | None:
    """An RFC 5322 date as aware UTC; None when missing or unreadable. A date without a zone
    (``-0000``) is taken as UTC."""
    if not value or not value.strip():
        return None
    try:
        parsed = parsedate_to_datetime(FOLD.sub(" ", value).strip())
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def received_date(msg: Message) -> datetime | None:
    """When the topmost (latest) ``Received`` hop that carries a readable date saw the mail."""
    for raw in raw_values(msg, "Received"):
        _, _, stamp = FOLD.sub(" ", raw).rpartition(";")
        when = header_date(stamp)
        if when is not None:
            return when
    return None
