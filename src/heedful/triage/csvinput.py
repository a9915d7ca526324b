"""Reading messages from a CSV file for batch triage, tolerant of bad rows and encodings.

Rows are read as UTF-8 (a byte-order mark is skipped); a field whose bytes are not valid in the
declared encoding is read as Windows-1252 instead and reported. A row without text, or one the
CSV parser rejects, is a bad row: reported, never fatal.
"""

from __future__ import annotations

import codecs
import csv
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from heedful.errors import InputRejected

FALLBACK_ENCODING = "cp1252"


@dataclass(frozen=True, slots=True)
class Row:
    number: int  # 1-based data row number (the header is row 0)
    row_id: object  # the id column's value, or the row number
    text: str | None  # None: bad row, see problem
    problem: str | None = None  # why the row is bad, or a warning about a repaired row


def _repair(value: str, encoding: str) -> tuple[str, bool]:
    """Undo surrogate escapes: decode the raw bytes as Windows-1252 instead."""
    if not any("\udc80" <= ch <= "\udcff" for ch in value):
        return value, False
    raw = value.encode(encoding, errors="surrogateescape")
    return raw.decode(FALLBACK_ENCODING, errors="replace"), True


def _open(path: Path, encoding: str) -> Iterator[list[str]]:
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))
    codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
    with path.open(encoding=codec, errors="surrogateescape", newline="") as handle:
        reader = csv.reader(handle)
        while True:
            try:
                yield next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield ["\x00csv-error", str(exc)]


def _columns(header: list[str], text_column: str, id_column: str | None) -> tuple[int, int | None]:
    names = [h.strip() for h in header]
    if text_column not in names:
        raise InputRejected(
            f"no column {text_column!r} in the header (columns: {', '.join(names)})"
        )
    if id_column is not None and id_column not in names:
        raise InputRejected(f"no column {id_column!r} in the header (columns: {', '.join(names)})")
    return names.index(text_column), names.index(id_column) if id_column is not None else None


def read_rows(
    path: Path, text_column: str, id_column: str | None = None, encoding: str = "utf-8"
) -> Iterator[Row]:
    """Every data row of the file, in order; bad ones carry ``text=None`` and a problem."""
    rows = _open(path, encoding)
    header = next(rows, None)
    if header is None:
        raise InputRejected(f"{path} is empty (expected a header row)")
    text_at, id_at = _columns(header, text_column, id_column)
    for number, fields in enumerate(rows, start=1):
        yield _row(number, fields, text_at, id_at, encoding)


def _row(number: int, fields: list[str], text_at: int, id_at: int | None, encoding: str) -> Row:
    if fields[:1] == ["\x00csv-error"]:
        return Row(number, number, None, f"unreadable CSV: {fields[1]}")
    row_id: object = number
    if id_at is not None:
        raw_id = fields[id_at].strip() if id_at < len(fields) else ""
        row_id = _repair(raw_id, encoding)[0] if raw_id else number
    raw = fields[text_at] if text_at < len(fields) else ""
    text, repaired = _repair(raw, encoding)
    if not text.strip():
        return Row(number, row_id, None, "missing text")
    warning = f"text is not valid {encoding}; read as Windows-1252" if repaired else None
    return Row(number, row_id, text, warning)


def count_rows(path: Path, encoding: str = "utf-8") -> int:
    """Data rows in the file (for the progress bar); cheap next to triage itself."""
    return max(0, sum(1 for _ in _open(path, encoding)) - 1)
