"""HTML mail bodies to plain text, safely: nothing is fetched or run, scripts, styles and
head content are dropped, links keep their target, and quoted blocks (``<blockquote>``,
Gmail's ``gmail_quote``) come out ``>``-prefixed so the quote stripper can find them."""

from __future__ import annotations

import re
from html.parser import HTMLParser

MAX_HTML = 2_000_000  # characters: larger bodies are cut before parsing
SKIP = frozenset({"script", "style", "head", "title", "template", "noscript", "svg", "object"})
BLOCK = frozenset(
    {
        "p", "div", "section", "article", "header", "footer", "table", "tr", "ul", "ol",
        "h1", "h2", "h3", "h4", "h5", "h6", "pre", "hr", "form", "fieldset", "address",
        "center", "dl", "dt", "dd",
    }
)  # fmt: skip
VOID = frozenset({"br", "img", "hr", "meta", "link", "input", "col", "area", "base", "wbr"})
BLANKS = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
INLINE_SPACE = re.compile(r"[ \t\r\f\v\u00a0]+")


class _TextBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.skipping = 0
        self.quote_depth = 0
        self.pre = 0
        self.href: list[str | None] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in SKIP:
            self.skipping += tag not in VOID
            return
        if tag == "br":
            self.newline()
        elif tag == "li":
            self.break_line()
            self.write("- ")
        elif tag == "blockquote":
            self.break_line()
            self.quote_depth += 1
        elif tag in BLOCK:
            self.pre += tag == "pre"
            self.break_line(paragraph=tag == "p")
        elif tag in ("td", "th"):
            self.write(" ")
        elif tag == "a":
            self.href.append(dict(attrs).get("href"))

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "blockquote":
            self.break_line()
            self.quote_depth = max(0, self.quote_depth - 1)
        elif tag in BLOCK or tag == "li":
            self.pre -= tag == "pre" and self.pre > 0
            self.break_line(paragraph=tag == "p")
        elif tag == "a" and self.href:
            self._close_link(self.href.pop())

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.pre:
            for i, piece in enumerate(data.split("\n")):
                if i:
                    self.newline()
                self.write(piece)
            return
        self.write(INLINE_SPACE.sub(" ", data.replace("\n", " ")))

    def write(self, text: str) -> None:
        if not self.lines[-1] or self.lines[-1] == self.prefix:
            text = text.lstrip() if not self.pre else text
            if text:
                self.lines[-1] = self.prefix + text
            return
        self.lines[-1] += text

    @property
    def prefix(self) -> str:
        return "> " * self.quote_depth

    def newline(self) -> None:
        """A line break, as ``<br>`` makes: always, even after an empty line."""
        self.lines[-1] = self.lines[-1].rstrip()
        self.lines.append("")

    def break_line(self, *, paragraph: bool = False) -> None:
        """Start a new line unless already at the start of one (blocks, list items); a
        paragraph also leaves a blank line."""
        if self.lines[-1].strip(" >"):
            self.newline()
        if paragraph and len(self.lines) > 1 and self.lines[-2].strip(" >"):
            self.newline()

    def _close_link(self, href: str | None) -> None:
        if not href or not href.startswith(("http://", "https://")):
            return
        shown = self.lines[-1]
        if href not in shown and href.rstrip("/") not in shown:
            self.write(f" <{href}>")


def html_to_text(html: str) -> str:
    builder = _TextBuilder()
    builder.feed(html[:MAX_HTML])
    builder.close()
    lines = [line.rstrip() for line in builder.lines]
    return BLANKS.sub("\n\n", "\n".join(lines)).strip()
