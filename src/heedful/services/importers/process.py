"""Reading an import's file in a child process, while this one stores what it read.

An import's Python work has two halves: reading (CSV or JSON parsing, dates, validation) and
storing (threading, building rows). In one process they take turns on the GIL, and worse than
turns: each time the storing thread lets the GIL go while the database works, the reading
thread takes it and keeps it for a whole switch interval, so a reading thread cost an import
more than its own time (measured on 200,000 TWCS rows into SQLite: 13 s streamed from a thread,
9.5 s with the same rows read beforehand; reading alone takes 2 s). In a child process the
reading runs on another core, and this process only decodes the rows it is sent: about a
quarter of the cost of reading them.

The child (``python -m heedful.services.importers.process FORMAT PATH ROWS_AHEAD``) imports
no database code. It writes frames to its standard output: an 8-byte little-endian length,
then a pickle of one of

- ``("ready", None)`` once the file is open and its header accepted;
- ``("rejected", reason)`` instead, when the file is refused as a whole (no TWCS header…);
- ``("rows", position, rows)``: up to ROWS_PER_FRAME encoded rows, and the bytes read so far;
- ``("end", position)`` after the last row;
- ``("failed", message)`` when reading fails part-way (an I/O error).

A child that stops without its "end" frame (killed, out of memory) is an error, never a short
file. The frames come from our own child, so unpickling them trusts nothing the file says.
When this process ends or is killed, the child's next write fails and it exits.
"""

from __future__ import annotations

import importlib
import os
import pickle
import queue
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

from heedful.domain import Author, Direction, InboundEvent, MessageKind, Visibility
from heedful.errors import HeedfulError, InputRejected
from heedful.services.importers.base import FileReader, Row

# The formats a child can read: module and opener (a function of a path returning a reader).
FORMATS = {
    "twcs": ("heedful.services.importers.twcs", "open_twcs"),
    "jsonl": ("heedful.services.importers.jsonl", "open_jsonl"),
}
ROWS_PER_FRAME = 1000
# Rows the child may have read ahead of what this process took: at least two batches, so that
# it reads the next one while this process stores the last (see _Sender).
ROWS_AHEAD = 16_000
HEADER = struct.Struct("<Q")
SWITCH_INTERVAL = 0.0002  # seconds (see main)
KINDS = {member.value: member for member in MessageKind}
DIRECTIONS = {member.value: member for member in Direction}
VISIBILITIES = {member.value: member for member in Visibility}


class ReaderFailed(HeedfulError):
    """The file could not be read to its end (the rows read before were imported)."""


def encode_row(row: Row) -> tuple[Any, ...]:
    """A row as plain values (a pickled event costs four times as much to load)."""
    event = row.event
    if event is None:
        return (row.locator, None, row.raw, row.reason)
    author = event.author
    return (
        row.locator,
        (
            event.channel,
            event.external_id,
            (author.external_id, author.handle, author.display_name, author.followers),
            event.text,
            event.created_at,
            event.kind.value,
            event.direction.value,
            event.visibility.value,
            event.in_reply_to,
            event.thread_ref,
            event.references,
            event.account_ref,
            event.subject,
            event.url,
            event.unsolicited,
            event.rating,
            event.language,
            event.attachments,
            event.raw_ref,
            dict(event.extra) if event.extra else None,
        ),
        row.raw,
        row.reason,
    )


def decode_row(encoded: tuple[Any, ...]) -> Row:
    locator, fields, raw, reason = encoded
    if fields is None:
        return Row(locator, None, raw, reason)
    (channel, external_id, author, text, created_at, kind, direction, visibility,
     in_reply_to, thread_ref, references, account_ref, subject, url, unsolicited, rating,
     language, attachments, raw_ref, extra) = fields  # fmt: skip
    event = InboundEvent(
        channel,
        external_id,
        Author(*author),
        text,
        created_at,
        KINDS[kind],
        DIRECTIONS[direction],
        VISIBILITIES[visibility],
        in_reply_to,
        thread_ref,
        references,
        account_ref,
        subject,
        url,
        unsolicited,
        rating,
        language,
        attachments,
        raw_ref,
        extra if extra is not None else {},
    )
    return Row(locator, event, raw, reason)


class ReaderProcess(FileReader):
    """A file reader (``FORMATS[fmt]``) run in a child process; iterating it yields its rows.

    Opening raises :class:`InputRejected` when the child refuses the file as a whole, like
    the format's own opener. A failure part-way raises :class:`ReaderFailed`."""

    reads_ahead = True

    def __init__(self, fmt: str, path: Path, *, rows_ahead: int = ROWS_AHEAD) -> None:
        if fmt not in FORMATS:
            raise ValueError(f"no reader for {fmt!r}")
        self.name = path.name
        self._position = 0
        self._errors = tempfile.TemporaryFile()  # noqa: SIM115 - the child's stderr, closed in close()
        self.child = subprocess.Popen(  # noqa: S603 - this interpreter, our module, a path
            [sys.executable, "-m", __name__, fmt, str(path), str(max(rows_ahead, ROWS_PER_FRAME))],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._errors,
        )
        assert self.child.stdout is not None
        self.frames: IO[bytes] = self.child.stdout
        try:
            first = self._frame()
            if first[0] == "rejected":
                raise InputRejected(first[1])
            if first[0] != "ready":
                raise self._failure(first)
        except BaseException:
            self.close()
            raise

    @property
    def position(self) -> int:
        return self._position

    def __iter__(self) -> Iterator[Row]:
        while True:
            frame = self._frame()
            if frame[0] == "rows":
                self._position = frame[1]
                yield from [decode_row(encoded) for encoded in frame[2]]
            elif frame[0] == "end":
                self._position = frame[1]
                return
            else:
                raise self._failure(frame)

    def close(self) -> None:
        if self.child.poll() is None:  # stopped before the end (an error, ^C): stop reading
            self.child.kill()
        self.child.wait()
        self.frames.close()
        self._errors.close()

    def _frame(self) -> tuple[Any, ...]:
        header = self.frames.read(HEADER.size)
        if len(header) < HEADER.size:
            raise self._failure(None)
        (length,) = HEADER.unpack(header)
        payload = self.frames.read(length)
        if len(payload) < length:
            raise self._failure(None)
        frame: tuple[Any, ...] = pickle.loads(payload)  # noqa: S301 - from our own child
        return frame

    def _failure(self, frame: tuple[Any, ...] | None) -> ReaderFailed:
        if frame is not None and frame[0] == "failed":
            return ReaderFailed(f"reading {self.name} failed: {frame[1]}")
        status = self.child.wait()
        self._errors.seek(0)
        said = self._errors.read().decode(errors="replace").strip().splitlines()
        last = f": {said[-1]}" if said else ""
        return ReaderFailed(
            f"the process reading {self.name} stopped before the end of the file "
            f"(exit status {status}){last}"
        )


class _Sender:
    """Writes frames from a thread of the child, up to ``ahead`` of them waiting: the
    parent takes a batch's rows (several frames) at once and then stores them, and the child
    must go on reading meanwhile, not wait on a full pipe."""

    def __init__(self, out: BinaryIO, ahead: int) -> None:
        self.out = out
        self.pending: queue.Queue[bytes | None] = queue.Queue(maxsize=ahead)
        self.broken: BaseException | None = None
        self.thread = threading.Thread(target=self._write, name="frames", daemon=True)
        self.thread.start()

    def send(self, frame: tuple[Any, ...]) -> None:
        if self.broken is not None:
            raise self.broken
        self.pending.put(pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL))

    def close(self) -> None:
        """Wait until every frame is written."""
        self.pending.put(None)
        self.thread.join()
        if self.broken is not None:
            raise self.broken

    def _write(self) -> None:
        while (payload := self.pending.get()) is not None:
            if self.broken is None:  # after a failure, only drain the queue
                try:
                    self.out.write(HEADER.pack(len(payload)) + payload)
                    self.out.flush()
                except OSError as exc:
                    self.broken = exc


def _serve(fmt: str, path: Path, out: BinaryIO, rows_ahead: int) -> None:
    module, name = FORMATS[fmt]
    opener = getattr(importlib.import_module(module), name)
    sender = _Sender(out, -(-rows_ahead // ROWS_PER_FRAME))
    try:
        reader: FileReader = opener(path)
    except InputRejected as exc:
        sender.send(("rejected", exc.reason))
        sender.close()
        return
    with reader:
        sender.send(("ready", None))
        try:
            encoded: list[tuple[Any, ...]] = []
            for row in reader:
                encoded.append(encode_row(row))
                if len(encoded) >= ROWS_PER_FRAME:
                    sender.send(("rows", reader.position, encoded))
                    encoded = []
            if encoded:
                sender.send(("rows", reader.position, encoded))
        except (OSError, ValueError) as exc:  # an I/O or decoding error of the file itself
            if isinstance(exc, BrokenPipeError):
                raise
            sender.send(("failed", f"{type(exc).__name__}: {exc}"))
        else:
            sender.send(("end", reader.position))
    sender.close()


def main(argv: list[str]) -> int:
    fmt, path, rows_ahead = argv
    # The thread writing frames needs the GIL for a moment after each write, while the reading
    # thread keeps it busy: at Python's default 5 ms switch interval each frame waited for it,
    # and so did the import (measured: a second of an import's 13 s).
    sys.setswitchinterval(SWITCH_INTERVAL)
    try:
        _serve(fmt, Path(path), sys.stdout.buffer, int(rows_ahead))
    except (BrokenPipeError, KeyboardInterrupt):  # the import stopped: nobody reads any more
        # and nobody will: stdout must not be flushed into the closed pipe on the way out
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
