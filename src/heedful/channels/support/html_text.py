"""HTML to plain text, safely: for platforms that send rendered HTML (Mastodon statuses).

Only text comes out: tags, comments, scripts and styles are dropped, entities decoded, block
elements become line breaks. Hostile markup (unclosed tags, nested junk, ``<script>``) can only
lose text, never inject it; the result is never rendered as HTML by Heedful anyway.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from heedful.channels.support.jsonvalues import clean_text

_BLOCKS = frozenset(
    {"p", "div", "blockquote", "pre", "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6"}
)
_SKIP = frozenset({"script", "style", "template", "head", "title", "iframe", "object"})
_VOID = frozenset({"br", "img", "hr", "input", "meta", "link", "wbr", "source", "area"})


class _TextCollector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self.skip_depth += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in _BLOCKS:
            self.parts.append("\n\n" if tag == "p" else "\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n\n" if tag == "p" else "\n")

    def handle_data(self, data: str) -> None:
        if not self.skip_depth:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    """The readable text of an HTML fragment: paragraphs separated by one blank line."""
    collector = _TextCollector()
    collector.feed(html)
    collector.close()
    text = "".join(collector.parts).replace("\r\n", "\n").replace("\xa0", " ")
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return clean_text(text.strip())
