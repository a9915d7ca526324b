"""Strip the quoted original from a reply, so the inbox shows what the customer wrote.

Recognised: "On <date>, <name> wrote:" headers (Gmail, Thunderbird, Apple Mail — also when
wrapped over two lines, quoted, or in German, French, Spanish, Italian, Dutch, Portuguese,
Scandinavian), "-----Original Message-----" separators, Outlook's "From: / Sent: / To:"
header blocks (with or without the underscore rule above them), and trailing ``>`` blocks.
Bottom-posted and interleaved replies keep the customer's own lines. Forwarded messages are
content, not quotes, and are kept. When stripping would leave nothing, the text is kept whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

WROTE = r"wrote|schrieb|a écrit|escribió|ha scritto|schreef|escreveu|skrev|kirjoitti|napisał"
INTRO = r"On|Am|Le|El|Il|Op|Em|På|Den|W dniu"
ON_WROTE = re.compile(  # the verb ends the line ("wrote:") or the name follows ("schrieb X:")
    rf"^[>\s]*({INTRO})\s.{{0,300}}?\b({WROTE})(\s[^:]{{0,120}})?\s*:\s*$",
    re.IGNORECASE,
)
ORIGINAL = re.compile(
    r"^[>\s]*-{2,}\s*(Original Message|Original message|Ursprüngliche Nachricht|"
    r"Message d'origine|Mensaje original|Messaggio originale|Oorspronkelijk bericht)\s*-{2,}\s*$",
    re.IGNORECASE,
)
NAME_WROTE = re.compile(rf"^[>\s]*\S.{{0,120}}\s({WROTE})\s*:\s*$", re.IGNORECASE)
RULE = re.compile(r"^\s*_{20,}\s*$")
FROM = re.compile(r"^\s*\*?(From|Von|De|Da|Van|Från|Fra)\s*:\*?\s*\S", re.IGNORECASE)
SENT = re.compile(
    r"^\s*\*?(Sent|Date|Gesendet|Datum|Envoyé|Enviado|Fecha|Inviato|Verzonden|Skickat|Sendt)"
    r"\s*:\*?",
    re.IGNORECASE,
)
TO_OR_SUBJECT = re.compile(
    r"^\s*\*?(To|Subject|An|Betreff|À|Objet|Para|Asunto|A|Oggetto|Aan|Onderwerp|Till|Ämne|Til|"
    r"Emne)\s*:\*?",
    re.IGNORECASE,
)
FORWARD = re.compile(
    r"(-{2,}\s*Forwarded message\s*-{2,}|Begin forwarded message:|-{2,}\s*Weitergeleitete)",
    re.IGNORECASE,
)
HEADER_BLOCK_SPAN = 6  # lines after "From:" within which "Sent:" and "To:" must follow


@dataclass(frozen=True, slots=True)
class Stripped:
    text: str
    removed: bool


def strip_quoted(text: str) -> Stripped:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = text.split("\n")
    found = _reply_header(lines)
    if found is None:
        kept = _drop_trailing_quote(lines)
    elif found[1] == "wrote":
        kept = lines[: found[0]] + _own_lines(lines[found[0] + found[2] :])
    else:
        kept = lines[: found[0]]
    result = "\n".join(kept).strip()
    if not result:
        return Stripped(text.strip(), removed=False)
    return Stripped(result, removed=result != text.strip())


def _reply_header(lines: list[str]) -> tuple[int, str, int] | None:
    """(index, style, number of header lines) of the first reply header, or None."""
    for i, line in enumerate(lines):
        if ON_WROTE.match(line):
            return i, "wrote", 1
        if i + 1 < len(lines) and _starts_on(line) and ON_WROTE.match(f"{line} {lines[i + 1]}"):
            return i, "wrote", 2
        if NAME_WROTE.match(line) and _quote_follows(lines, i):
            return i, "wrote", 1
        if ORIGINAL.match(line):
            return i, "original", 1
        if RULE.match(line) and i + 1 < len(lines) and FROM.match(lines[i + 1]):
            return i, "outlook", 1
        if FROM.match(line) and _is_header_block(lines, i) and not _forwarded(lines, i):
            return i, "outlook", 1
    return None


def _quote_follows(lines: list[str], start: int) -> bool:
    """True when the next non-blank line is quoted: "Marc wrote:" then "> …"."""
    following = [x for x in lines[start + 1 : start + 4] if x.strip()]
    return bool(following) and following[0].lstrip().startswith(">")


def _starts_on(line: str) -> bool:
    return bool(re.match(rf"^[>\s]*({INTRO})\s", line, re.IGNORECASE))


def _is_header_block(lines: list[str], start: int) -> bool:
    window = lines[start + 1 : start + 1 + HEADER_BLOCK_SPAN]
    return any(SENT.match(x) for x in window) and any(TO_OR_SUBJECT.match(x) for x in window)


def _forwarded(lines: list[str], start: int) -> bool:
    before = [x for x in lines[max(0, start - 3) : start] if x.strip()]
    return bool(before) and bool(FORWARD.search(before[-1]))


def _own_lines(tail: list[str]) -> list[str]:
    """What the customer wrote below or between quoted lines (bottom posting)."""
    own = [line for line in tail if not line.lstrip().startswith(">")]
    return own if any(line.strip() for line in own) else []


def _drop_trailing_quote(lines: list[str]) -> list[str]:
    end = len(lines)
    while end and (not lines[end - 1].strip() or lines[end - 1].lstrip().startswith(">")):
        end -= 1
    return lines[:end]
