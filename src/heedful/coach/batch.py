"""Reading coach input from JSON Lines: sent-reply history files and batch requests. Each bad
line is reported with its number and reason; the good ones are still used."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, Field, StrictBool, ValidationError

from heedful.coach.canned import SentReply, SentReplyIndex
from heedful.coach.draft import DEFAULT_CHANNEL, Draft
from heedful.coach.engine import Coach
from heedful.errors import InputRejected

CHANNELS = ("x", "mastodon", "bluesky", "facebook", "instagram", "reddit", "email", "review")


class HistoryItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    to: str | int | None = None
    text: str
    sent_at: datetime | None = None

    def as_sent(self) -> SentReply:
        to = None if self.to is None else str(self.to)
        return SentReply(self.text, to, self.sent_at)


class BatchItem(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: Any
    reply: str
    customer: str | None = ""
    channel: str | None = DEFAULT_CHANNEL
    public: StrictBool | None = True
    signature_required: StrictBool | None = False
    to: str | int | None = None
    history: list[HistoryItem] = Field(default_factory=list)

    def draft(self) -> Draft:
        channel = (self.channel or DEFAULT_CHANNEL).lower()
        if channel not in CHANNELS:
            raise InputRejected(f"unknown channel {channel!r} (one of {', '.join(CHANNELS)})")
        return Draft(
            text=self.reply,
            customer=self.customer or "",
            channel=channel,
            public=True if self.public is None else self.public,
            signature_required=bool(self.signature_required),
            to=None if self.to is None else str(self.to),
        )


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    reason: str
    id: Any = None


def read_lines(path: Path) -> Iterator[tuple[int, str]]:
    """Numbered non-blank lines of a UTF-8 file; a missing or unreadable file is refused."""
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    yield number, line
    except FileNotFoundError:
        raise InputRejected(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputRejected(f"{path}: cannot read it ({exc})") from None


def parse_json(line: str) -> Any:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        raise InputRejected(f"not JSON ({exc.msg})") from None


def explain(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(p) for p in first["loc"]) or "line"
    return f"{where}: {first['msg']}"


def read_history(path: Path) -> tuple[list[SentReply], list[LineError]]:
    """A history file: one ``{"to": …, "text": …}`` per line (``sent_at`` optional)."""
    replies: list[SentReply] = []
    errors: list[LineError] = []
    for number, line in read_lines(path):
        try:
            replies.append(HistoryItem.model_validate(parse_json(line)).as_sent())
        except InputRejected as exc:
            errors.append(LineError(number, exc.reason))
        except ValidationError as exc:
            errors.append(LineError(number, explain(exc)))
    return replies, errors


def build_index(replies: Iterable[SentReply]) -> SentReplyIndex:
    index = SentReplyIndex()
    index.add_many(replies)
    return index


def check_batch_line(
    coach: Coach, line: str, shared: list[SentReply], shared_index: SentReplyIndex | None
) -> dict[str, Any]:
    """One batch line in, one result out: ``{"id", "findings"}``; raises ``InputRejected``."""
    raw = parse_json(line)
    if not isinstance(raw, dict):
        raise InputRejected("each line must be a JSON object")
    try:
        item = BatchItem.model_validate(raw)
    except ValidationError as exc:
        raise _with_id(InputRejected(explain(exc)), raw.get("id")) from None
    try:
        draft = item.draft()
    except InputRejected as exc:
        raise _with_id(exc, item.id) from None
    index = shared_index
    if item.history:
        index = build_index([*shared, *(h.as_sent() for h in item.history)])
    findings = coach.check(draft, index)
    return {"id": item.id, "findings": [f.as_dict() for f in findings]}


def _with_id(exc: InputRejected, item_id: Any) -> InputRejected:
    exc.item_id = item_id  # type: ignore[attr-defined]
    return exc
