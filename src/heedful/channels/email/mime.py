"""The MIME tree of a message: the text a person wrote, and the rest as attachment references.

Walks the tree without descending into attached messages (``message/rfc822`` is an
attachment), picks one alternative of ``multipart/alternative`` (plain text, else HTML turned
into text), takes the root of ``multipart/related`` and the first part of
``multipart/signed``, and lists every other leaf as an :class:`Attachment` with its name,
type, decoded size and its MIME part number (``ref="mime:1.2"``) — the bytes stay in the raw
message, never in the text."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message

from heedful.channels.email.charsets import decode_text
from heedful.channels.email.headers import decode_words
from heedful.channels.email.htmltext import html_to_text
from heedful.domain import Attachment

SIGNATURE_TYPES = frozenset({"application/pgp-signature", "application/pkcs7-signature"})
REPORT_TYPES = frozenset({"message/delivery-status", "message/disposition-notification"})


@dataclass
class Body:
    texts: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    html_only: bool = False

    @property
    def text(self) -> str:
        return "\n\n".join(t for t in self.texts if t.strip())


def read_body(msg: Message) -> Body:
    body = Body()
    _walk(msg, "1" if not msg.is_multipart() else "", body)
    return body


def _walk(part: Message, number: str, body: Body) -> None:
    ctype = part.get_content_type()
    if part.is_multipart() and ctype != "message/rfc822":
        _walk_multipart(part, number, body)
    elif part.get_content_maintype() == "multipart":
        # A multipart whose boundary never appears: its payload is plain text, if anything.
        body.texts.append(part_text(part))
    elif _is_inline_text(part):
        text = part_text(part)
        if ctype == "text/html":
            body.html_only = body.html_only or not body.texts
            text = html_to_text(text)
        body.texts.append(text)
    elif ctype not in SIGNATURE_TYPES and ctype not in REPORT_TYPES:
        body.attachments.append(_attachment(part, number or "1"))


def _walk_multipart(part: Message, number: str, body: Body) -> None:
    children = list(_children(part, number))
    subtype = part.get_content_subtype()
    if subtype == "alternative" and children:
        children = [_best_alternative(children)]
    elif subtype == "signed" and children:
        children = children[:1]
    for child, child_number in children:
        _walk(child, child_number, body)


def _children(part: Message, number: str) -> Iterator[tuple[Message, str]]:
    payload = part.get_payload()
    if not isinstance(payload, list):
        return
    for index, child in enumerate(payload, start=1):
        if isinstance(child, Message):
            yield child, f"{number}.{index}" if number else str(index)


def _best_alternative(children: list[tuple[Message, str]]) -> tuple[Message, str]:
    """Plain text when there is a non-empty one, else the richest (last) alternative."""
    for child, number in children:
        if child.get_content_type() == "text/plain" and part_text(child).strip():
            return child, number
    return children[-1]


def _is_inline_text(part: Message) -> bool:
    if part.get_content_maintype() != "text" or part.get_content_subtype() not in (
        "plain",
        "html",
    ):
        return False
    return part.get_content_disposition() != "attachment" and not _filename(part)


def part_text(part: Message) -> str:
    data = part.get_payload(decode=True)
    if not isinstance(data, bytes):
        return ""
    text = decode_text(data, part.get_content_charset())
    if part.get_param("format", "", header="content-type") == "flowed":
        delsp = str(part.get_param("delsp", "", header="content-type")).lower() == "yes"
        text = unflow(text, delsp=delsp)
    return text


def unflow(text: str, *, delsp: bool) -> str:
    """Join RFC 3676 ``format=flowed`` soft line breaks (a line ending in a space)."""
    out: list[str] = []
    for line in text.replace("\r\n", "\n").split("\n"):
        depth = _quote_depth(line)
        previous = out[-1] if out else ""
        if previous.endswith(" ") and previous != "-- " and _quote_depth(previous) == depth:
            continuation = line[depth:].lstrip(" ") if depth else line
            out[-1] = (previous[:-1] if delsp else previous) + continuation
        else:
            out.append(line)
    return "\n".join(out)


def _quote_depth(line: str) -> int:
    return len(line) - len(line.lstrip(">"))


def _attachment(part: Message, number: str) -> Attachment:
    return Attachment(
        filename=_filename(part),
        content_type=part.get_content_type(),
        size=_size(part),
        ref=f"mime:{number}",
    )


def _filename(part: Message) -> str | None:
    try:
        name = part.get_filename() or part.get_param("name", None, header="content-type")
    except (ValueError, LookupError, TypeError):
        return None
    if isinstance(name, tuple):  # RFC 2231 value the stdlib could not decode
        charset, _, value = name
        name = decode_text(str(value).encode("latin-1", "replace"), charset)
    return decode_words(str(name)) if name else None


def _size(part: Message) -> int | None:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        if isinstance(inner, list) and inner and isinstance(inner[0], Message):
            try:
                return len(inner[0].as_bytes())
            except (ValueError, LookupError, UnicodeError):
                return None
    data = part.get_payload(decode=True)
    return len(data) if isinstance(data, bytes) else None
