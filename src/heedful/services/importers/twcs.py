"""The "Customer Support on Twitter" (TWCS, Kaggle ``twcs.csv``) format.

Columns: ``tweet_id, author_id, inbound, created_at, text, response_tweet_id,
in_response_to_tweet_id`` (others are ignored). Brand accounts are the ``inbound=False``
authors; their tweets are the brand's outbound replies. Times look like
``Tue Oct 31 22:10:47 +0000 2017`` (ISO-8601 is accepted too; TWCS times without an offset
are UTC). Reading is streamed: memory stays flat whatever the file size.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

from heedful.domain import Author, Direction, InboundEvent, MessageKind, Visibility
from heedful.domain.events import MAX_ID_CHARS, MAX_TEXT_CHARS, validate_event
from heedful.errors import InputRejected
from heedful.services.importers.base import FileReader, Row

REQUIRED = ("tweet_id", "author_id", "inbound", "created_at", "text", "in_response_to_tweet_id")
MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
MONTH_DIGITS = {name: f"{number:02d}" for name, number in MONTHS.items()}
MENTION = re.compile(r"@(\w{1,50})")
TWEET_ID = re.compile(r"^\d{1,30}$")
CHANNEL = "x"
FIELD_LIMIT = 16 * 1024 * 1024  # one field may be huge (it is then quarantined, not fatal)
# enum members read once (``MessageKind.REPLY`` goes through the enum's descriptor per access)
REPLY, POST = MessageKind.REPLY, MessageKind.POST
INBOUND, OUTBOUND = Direction.INBOUND, Direction.OUTBOUND
PUBLIC = Visibility.PUBLIC


def parse_twcs_time(value: str) -> datetime:
    """``Tue Oct 31 22:10:47 +0000 2017`` or ISO-8601 (UTC when no offset).

    The one layout TWCS files use, in UTC, is rearranged for ``datetime.fromisoformat`` (C,
    about half the cost of splitting and converting six numbers, at one call per row); other
    offsets, and anything that shortcut refuses, take the general path."""
    if (
        len(value) == 30
        and value[20:26] == "+0000 "
        and value[3] == value[7] == value[10] == value[19] == " "
        and value[13] == value[16] == ":"
        and (month_digits := MONTH_DIGITS.get(value[4:7])) is not None
    ):
        with suppress(ValueError):
            return datetime.fromisoformat(
                f"{value[26:]}-{month_digits}-{value[8:10]}T{value[11:19]}+00:00"
            )
    parts = value.split()
    if len(parts) == 6 and parts[1] in MONTHS:
        _, month, day, clock_time, offset, year = parts
        hh, mm, ss = clock_time.split(":")
        stamp = datetime(int(year), MONTHS[month], int(day), int(hh), int(mm), int(ss), tzinfo=UTC)
        if offset == "+0000":
            return stamp
        sign = -1 if offset.startswith("-") else 1
        return stamp - timedelta(hours=int(offset[1:3]), minutes=int(offset[3:5])) * sign
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _tweet_id(value: str, column: str) -> str:
    if value.endswith(".0"):  # pandas-written exports turn id columns into floats
        value = value[:-2]
    if not (value.isascii() and value.isdigit() and len(value) <= 30):
        value = value.strip()
        if not TWEET_ID.match(value):
            raise InputRejected(f"{column} {value[:40]!r} is not a tweet id")
    return value


def _inbound(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"true", "1", "yes"}:
        return True
    if lowered in {"false", "0", "no"}:
        return False
    raise InputRejected(f"inbound {value[:20]!r} is neither True nor False")


class TwcsReader(FileReader):
    """Iterates a TWCS file as :class:`Row` objects; ``position`` is the bytes read so far."""

    def __init__(self, stream: BinaryIO, name: str) -> None:
        self.stream = stream
        self.name = name
        self.text = io.TextIOWrapper(stream, encoding="utf-8", errors="surrogateescape", newline="")
        csv.field_size_limit(FIELD_LIMIT)
        self.reader = csv.reader(self.text)
        try:
            self.columns = self._header()
        except BaseException:
            self.text.detach()  # the caller still owns (and closes) the stream
            raise

    def close(self) -> None:
        self.text.close()

    def _header(self) -> dict[str, int]:
        try:
            header = next(self.reader)
        except StopIteration:
            raise InputRejected(f"{self.name} is empty: expected a TWCS header row") from None
        names = [h.strip().lstrip("\ufeff") for h in header]
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            raise InputRejected(
                f"{self.name} is not a TWCS file: missing column(s) {', '.join(missing)} "
                f"(found: {', '.join(names[:12])})"
            )
        self.width = len(names)
        columns = {name: names.index(name) for name in REQUIRED}
        # the fields a row is made of, picked in one call (in REQUIRED's order)
        self.pick = itemgetter(*(columns[c] for c in REQUIRED))
        return columns

    def __iter__(self) -> Iterator[Row]:
        number = 0
        while True:
            number += 1
            try:
                fields = next(self.reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield Row(f"row {number}", raw=str(exc).encode(), reason=f"unparseable CSV: {exc}")
                continue
            yield self._row(number, fields)

    def _row(self, number: int, fields: list[str]) -> Row:
        locator = f"row {number}"
        try:
            event = self._event(fields, locator)
        except InputRejected as exc:
            return Row(locator, raw=_raw(fields), reason=exc.reason)
        if not _surely_valid(event):
            reason = validate_event(event, MAX_TEXT_CHARS)
            if reason is not None:
                return Row(locator, raw=_raw(fields), reason=reason)
        return Row(locator, event=event)

    def _event(self, fields: list[str], locator: str) -> InboundEvent:
        if len(fields) != self.width:
            if not fields or fields == [""]:
                raise InputRejected("empty row")
            raise InputRejected(f"row has {len(fields)} fields, the header has {self.width}")
        joined = "".join(fields)
        if not joined.isascii() and _has_surrogates(joined):
            raise InputRejected("not valid UTF-8 text")
        tweet_raw, author_raw, inbound_raw, created_raw, text, parent_raw = self.pick(fields)
        tweet_id = _tweet_id(tweet_raw, "tweet_id")
        author = author_raw.strip()
        if not author:
            raise InputRejected("author_id is empty")
        if inbound_raw == "True":
            inbound = True
        elif inbound_raw == "False":
            inbound = False
        else:
            inbound = _inbound(inbound_raw)
        try:
            created = parse_twcs_time(created_raw)
        except (ValueError, KeyError, IndexError):
            raise InputRejected(f"created_at {created_raw[:40]!r} is not a date") from None
        parent_raw = parent_raw.strip()
        parent = _tweet_id(parent_raw, "in_response_to_tweet_id") if parent_raw else None
        mention = MENTION.search(text) if inbound else None
        return InboundEvent(
            channel=CHANNEL,
            external_id=tweet_id,
            author=Author(external_id=author, handle=author),
            text=text,
            created_at=created,
            kind=REPLY if parent or not inbound else POST,
            direction=INBOUND if inbound else OUTBOUND,
            visibility=PUBLIC,
            in_reply_to=parent,
            account_ref=mention.group(1) if mention else None,
            raw_ref=f"{self.name}#{locator}",
        )


def _surely_valid(event: InboundEvent) -> bool:
    """True when :func:`validate_event` would pass this event, checked in three tests instead
    of a dozen: a TWCS event's ids are digits of at most 30, its account ref a mention of at
    most 50 characters, its time aware UTC and it has no display name, thread or follower
    count (``_event`` builds it so); only the author id and the text can be out of bounds.
    When this says False, ``validate_event`` gives the reason (or passes it after all)."""
    text = event.text
    return (
        len(event.author.external_id) <= MAX_ID_CHARS
        and len(text) <= MAX_TEXT_CHARS
        and "\x00" not in text
    )


def _has_surrogates(value: str) -> bool:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def _raw(fields: list[str]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(fields)
    return buffer.getvalue().encode("utf-8", errors="surrogateescape")


def open_twcs(path: Path) -> TwcsReader:
    stream = path.open("rb")
    try:
        return TwcsReader(stream, path.name)
    except BaseException:
        stream.close()
        raise
