"""Bluesky text rules: lengths in graphemes, rich-text facets in UTF-8 byte offsets."""

from __future__ import annotations

import re
from typing import Any

import regex

MAX_POST_GRAPHEMES = 300
MAX_CHAT_GRAPHEMES = 1000
_GRAPHEME = regex.compile(r"\X")
_LINK = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")


def grapheme_length(text: str) -> int:
    """What a person sees as characters (an emoji with modifiers is one), as Bluesky counts."""
    return len(_GRAPHEME.findall(text))


def link_facets(text: str) -> list[dict[str, Any]]:
    """``app.bsky.richtext.facet`` entries that make the links in ``text`` clickable."""
    facets = []
    for match in _LINK.finditer(text):
        start = len(text[: match.start()].encode("utf-8"))
        end = start + len(match.group().encode("utf-8"))
        facets.append(
            {
                "$type": "app.bsky.richtext.facet",
                "index": {"byteStart": start, "byteEnd": end},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": match.group()}],
            }
        )
    return facets


def _link_span(facet: dict[str, Any], size: int) -> tuple[int, int, str] | None:
    index = facet.get("index")
    features = facet.get("features")
    if not isinstance(index, dict) or not isinstance(features, list):
        return None
    uri = next(
        (
            f.get("uri")
            for f in features
            if isinstance(f, dict) and f.get("$type") == "app.bsky.richtext.facet#link"
        ),
        None,
    )
    start, end = index.get("byteStart"), index.get("byteEnd")
    if not (isinstance(uri, str) and isinstance(start, int) and isinstance(end, int)):
        return None
    return (start, end, uri) if 0 <= start < end <= size else None


def expand_links(text: str, facets: list[dict[str, Any]]) -> str:
    """Replace shortened link text ("example.com/pa...") by the full URI of its facet."""
    data = text.encode("utf-8")
    spans = [span for facet in facets if (span := _link_span(facet, len(data)))]
    limit = len(data)
    for start, end, uri in sorted(spans, reverse=True):
        if end <= limit:  # overlapping facets are malformed: keep the text as it is
            data = data[:start] + uri.encode("utf-8") + data[end:]
            limit = start
    return data.decode("utf-8", "replace")
