"""What every file reader yields, kept free of the database layer: a reader also runs in a
child process of its own (see heedful.services.importers.process), which imports only this,
the domain types and its format's module."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from typing import BinaryIO, NamedTuple, Self

from heedful.domain import InboundEvent


class Row(NamedTuple):
    """One input row: an event, or the raw input and why it was refused. (A named tuple, not a
    frozen dataclass: an import builds one per row, and this is about twice as fast to build.)"""

    locator: str  # "row 17", "line 9"
    event: InboundEvent | None = None
    raw: bytes = b""
    reason: str | None = None


class FileReader(ABC):
    """Base of the file readers: a context manager over a binary stream that yields
    :class:`Row` objects, with the position (bytes read so far) for progress bars."""

    stream: BinaryIO
    name: str
    # True when the reader works ahead of its consumer on its own (in another process): the
    # import then takes its rows as they come, without a reading thread of its own.
    reads_ahead: bool = False

    @abstractmethod
    def __iter__(self) -> Iterator[Row]: ...

    @property
    def position(self) -> int:
        return self.stream.tell()

    def close(self) -> None:
        self.stream.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
