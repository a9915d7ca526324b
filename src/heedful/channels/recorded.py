"""Recorded HTTP traffic: read vcr cassettes (and plain payload files) into response bodies.

Four recorder formats are understood, all of them "a list of request/response pairs":
vcrpy YAML (bodies may be ``!!binary`` gzip), vcrpy JSON, betamax JSON (PRAW) and R vcr
JSON (``http_interactions``). Compressed bodies are recognised by their magic bytes, not by a
``Content-Encoding`` header that recorders often keep after decoding the body.

Used by ``heedful channels parse`` (a cassette is parsed interaction by interaction) and by
:mod:`heedful.channels.testing`, which serves recorded responses from a local HTTP server.
"""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from heedful.errors import InputRejected

CASSETTE_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class RecordedInteraction:
    """One recorded request and the response the platform gave (body decompressed)."""

    index: int  # 1-based, as the payload READMEs number them
    method: str
    url: str
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)  # response headers, lower-case
    request_headers: Mapping[str, str] = field(default_factory=dict)
    request_body: bytes = b""

    @property
    def path(self) -> str:
        return urlsplit(self.url).path

    @property
    def label(self) -> str:
        return f"interaction {self.index} ({self.method} {self.path} -> {self.status})"


@dataclass(frozen=True, slots=True)
class RecordedFile:
    """A payload file: either one body (webhook/API response/.eml) or a cassette."""

    path: Path
    body: bytes | None = None
    interactions: tuple[RecordedInteraction, ...] = ()

    @property
    def is_cassette(self) -> bool:
        return self.body is None


def read_recorded(path: Path) -> RecordedFile:
    """Read a payload file; a cassette is recognised by its suffix or its JSON shape."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputRejected(f"cannot read {path}: {exc.strerror or exc}") from None
    if path.suffix.lower() in CASSETTE_SUFFIXES:
        return RecordedFile(path, interactions=_interactions(_load_yaml(raw, path), path))
    if path.suffix.lower() == ".json":
        document = _try_json(raw)
        if _looks_like_cassette(document):
            return RecordedFile(path, interactions=_interactions(document, path))
    return RecordedFile(path, body=raw)


def load_cassette(path: Path) -> tuple[RecordedInteraction, ...]:
    recorded = read_recorded(path)
    if not recorded.is_cassette:
        raise InputRejected(f"{path.name} is not a recorded cassette")
    return recorded.interactions


def _load_yaml(raw: bytes, path: Path) -> Any:
    try:
        return yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))  # noqa: S506
    except yaml.YAMLError as exc:
        reason = str(exc).splitlines()[0]
        raise InputRejected(f"{path.name} is not readable YAML ({reason})") from None


def _try_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except ValueError:
        return None


def _looks_like_cassette(document: Any) -> bool:
    if not isinstance(document, dict):
        return False
    items = document.get("interactions", document.get("http_interactions"))
    return (
        isinstance(items, list)
        and bool(items)
        and all(isinstance(i, dict) and "request" in i and "response" in i for i in items)
    )


def _interactions(document: Any, path: Path) -> tuple[RecordedInteraction, ...]:
    if not _looks_like_cassette(document):
        raise InputRejected(f"{path.name} is not a vcr cassette (no interactions)")
    items = document.get("interactions", document.get("http_interactions"))
    return tuple(_interaction(n, item) for n, item in enumerate(items, start=1))


def _interaction(index: int, item: dict[str, Any]) -> RecordedInteraction:
    request, response = item["request"], item["response"]
    return RecordedInteraction(
        index=index,
        method=str(request.get("method", "GET")).upper(),
        url=str(request.get("uri") or request.get("url") or ""),
        status=_status(response.get("status")),
        body=_body(response.get("body")),
        headers=_headers(response.get("headers")),
        request_headers=_headers(request.get("headers")),
        request_body=_body(request.get("body")),
    )


def _status(value: Any) -> int:
    if isinstance(value, dict):
        value = value.get("code", value.get("status_code"))
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def _headers(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    out: dict[str, str] = {}
    for key, raw in value.items():
        items = raw if isinstance(raw, list) else [raw]
        out[str(key).lower()] = ", ".join(str(v) for v in items)
    return out


def _body(value: Any) -> bytes:
    if isinstance(value, dict):
        if isinstance(value.get("base64_string"), str):
            return decompress(base64.b64decode(value["base64_string"]))
        value = value.get("string")
    if value is None:
        return b""
    if isinstance(value, bytes):
        return decompress(value)
    return str(value).encode("utf-8")


def decompress(data: bytes) -> bytes:
    """Undo gzip/zlib when the bytes say so; anything else is returned as it is."""
    if data[:2] == b"\x1f\x8b":
        return gzip.decompress(data)
    if data[:1] == b"\x78" and len(data) > 2 and (data[0] * 256 + data[1]) % 31 == 0:
        try:
            return zlib.decompress(data)
        except zlib.error:
            return data
    return data
