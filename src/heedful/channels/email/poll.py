"""One poll of the mailbox: the messages that arrived since the cursor, parsed.

Cursor: ``{"uidvalidity": int, "last_uid": int, "last_received_at": iso}``. The first poll
(or the first after the server changed UIDVALIDITY) reads the last ``initial_sync_days``
days; later polls read UIDs above ``last_uid``, at most ``batch_size`` per poll, oldest
first, so a backlog drains over a few polls and a crash re-reads at most one batch."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from heedful.channels.base import Ignored, ParseResult, PollResult
from heedful.channels.email.config import EmailConfig
from heedful.channels.email.imap import Fetched, Mailbox, open_mailbox
from heedful.channels.email.parse import RECEIVED_AT_HEADER
from heedful.channels.parsing import Collector
from heedful.channels.support.times import from_iso
from heedful.errors import InputRejected

Parser = Callable[[bytes, Mapping[str, str]], ParseResult]


def poll_mailbox(
    config: EmailConfig, cursor: Mapping[str, Any], parse: Parser, now: datetime
) -> PollResult:
    with open_mailbox(config) as box:
        uids, notes = _pending(box, cursor, config, now)
        batch = uids[: config.batch_size]
        fetched = box.fetch(batch)
        validity, uidnext = box.uidvalidity, box.uidnext
    out = Collector(ignored=list(notes))
    for item in fetched:
        _parse_one(out, item, parse, f"imap:{config.mailbox}:{validity}:{item.uid}")
    last_uid = batch[-1] if batch else _resume_point(cursor, validity, uidnext)
    return PollResult(
        events=tuple(out.events),
        cursor=_cursor(validity, last_uid, fetched, cursor),
        ignored=tuple(out.ignored),
    )


def _pending(
    box: Mailbox, cursor: Mapping[str, Any], config: EmailConfig, now: datetime
) -> tuple[list[int], list[Ignored]]:
    if cursor.get("uidvalidity") == box.uidvalidity and "last_uid" in cursor:
        return box.uids_after(int(cursor["last_uid"])), []
    since = now - timedelta(days=config.initial_sync_days)
    notes: list[Ignored] = []
    if cursor.get("uidvalidity") is not None:
        since = _last_seen(cursor) or since
        notes.append(
            Ignored(
                f"mailbox UIDVALIDITY changed ({cursor['uidvalidity']} → {box.uidvalidity}): "
                f"re-reading since {since.date().isoformat()}; known messages are dropped by id"
            )
        )
    return box.uids_since(since.date()), notes


def _parse_one(out: Collector, item: Fetched, parse: Parser, raw_ref: str) -> None:
    headers = {RECEIVED_AT_HEADER: item.received_at.isoformat()} if item.received_at else {}
    try:
        result = parse(item.raw, headers)
    except InputRejected as exc:
        out.skip(f"message refused: {exc.reason}", ref=raw_ref)
        return
    for event in result.events:
        out.add(dataclasses.replace(event, raw_ref=raw_ref))
    for ignored in result.ignored:
        out.add(ignored if ignored.ref else Ignored(ignored.reason, ref=raw_ref))


def _resume_point(cursor: Mapping[str, Any], validity: int, uidnext: int) -> int:
    """Nothing new: keep the old position, or start after the newest message that exists."""
    if cursor.get("uidvalidity") == validity and "last_uid" in cursor:
        return int(cursor["last_uid"])
    return max(uidnext - 1, 0)


def _cursor(
    validity: int, last_uid: int, fetched: list[Fetched], old: Mapping[str, Any]
) -> dict[str, Any]:
    times = [f.received_at for f in fetched if f.received_at]
    last_seen = max(times).isoformat() if times else old.get("last_received_at")
    cursor: dict[str, Any] = {"uidvalidity": validity, "last_uid": last_uid}
    if last_seen:
        cursor["last_received_at"] = last_seen
    return cursor


def _last_seen(cursor: Mapping[str, Any]) -> datetime | None:
    value = cursor.get("last_received_at")
    try:
        return from_iso(str(value)) if value else None
    except InputRejected:
        return None
