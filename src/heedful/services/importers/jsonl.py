"""JSON Lines of normalized events: one object per line, the shape ``heedful channels parse``
prints (see docs/import-jsonl.md). The way to bring in any other source."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

import orjson

from heedful.domain import event_from_json
from heedful.domain.events import MAX_TEXT_CHARS, validate_event
from heedful.errors import InputRejected
from heedful.services.importers.base import FileReader, Row


class JsonlReader(FileReader):
    def __init__(self, stream: BinaryIO, name: str) -> None:
        self.stream = stream
        self.name = name

    def __iter__(self) -> Iterator[Row]:
        for number, line in enumerate(self.stream, 1):
            if not line.strip():
                continue
            yield self._row(number, line)

    def _row(self, number: int, line: bytes) -> Row:
        locator = f"line {number}"
        raw = line.rstrip(b"\r\n")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            return Row(
                locator, raw=raw, reason=f"not valid UTF-8 ({exc.reason} at byte {exc.start})"
            )
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            return Row(locator, raw=raw, reason=f"not JSON: {exc}")
        try:
            event = event_from_json(data)
        except InputRejected as exc:
            return Row(locator, raw=raw, reason=exc.reason)
        if event.raw_ref is None:
            from dataclasses import replace

            event = replace(event, raw_ref=f"{self.name}#{locator}")
        reason = validate_event(event, MAX_TEXT_CHARS)
        if reason is not None:
            return Row(locator, raw=raw, reason=reason)
        return Row(locator, event=event)


def open_jsonl(path: Path) -> JsonlReader:
    return JsonlReader(path.open("rb"), path.name)
