"""Mail that no person wrote: delivery failures (bounces) and automatic replies.

A bounce is not a customer message: it says an e-mail Heedful sent did not arrive. It is
ignored as a message, with a reason naming the failed recipient and the server's answer, and
with the bounced message's Message-ID as the ignored item's ``ref`` so the core can mark
that outbound reply as undelivered. Automatic replies (``Auto-Submitted``, vacation
responders) are ignored with their reason too, so they never reopen a conversation."""

from __future__ import annotations

import re
from email.message import Message

from heedful.channels.base import Ignored
from heedful.channels.email.headers import addresses, header_text, raw_values
from heedful.channels.email.mime import part_text

DAEMONS = frozenset({"mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon"})
BOUNCE_SUBJECT = re.compile(
    r"delivery status notification \(failure\)|undeliver(ed|able)|returned mail|"
    r"mail delivery (failed|failure|subsystem)|failure notice|delivery failure",
    re.IGNORECASE,
)
STATUS = re.compile(r"^\s*(Diagnostic-Code|Status)\s*:\s*(.+)$", re.IGNORECASE | re.MULTILINE)
SMTP_REPLY = re.compile(r"\b([45]\d\d[ -][45]\.\d{1,3}\.\d{1,3}\b.*)$", re.MULTILINE)
FINAL_RECIPIENT = re.compile(r"^\s*Final-Recipient\s*:\s*(?:rfc822;)?\s*(\S+)", re.I | re.M)
ORIGINAL_ID = re.compile(
    r"^\s*Message-ID\s*:\s*<([^<>\s]+@[^<>\s]+)>", re.IGNORECASE | re.MULTILINE
)
AUTO_HEADERS = ("X-Autoreply", "X-Autorespond")
MAX_REASON = 240


def automated(msg: Message) -> Ignored | None:
    """An ``Ignored`` with its reason when no person wrote ``msg``; None otherwise."""
    if _is_bounce(msg):
        return Ignored(_bounce_reason(msg), ref=_bounced_message_id(msg))
    auto = (header_text(msg, "Auto-Submitted") or "no").split(";")[0].strip().lower()
    if auto != "no":
        return Ignored(f"automatic reply (Auto-Submitted: {auto}): not written by a person")
    precedence = (header_text(msg, "Precedence") or "").lower()
    if precedence == "auto_reply" or any(raw_values(msg, h) for h in AUTO_HEADERS):
        return Ignored("automatic reply (vacation or auto-responder): not written by a person")
    return None


def _is_bounce(msg: Message) -> bool:
    if msg.get_content_type() == "multipart/report" and (
        str(msg.get_param("report-type", "")).lower() == "delivery-status"
    ):
        return True
    if raw_values(msg, "X-Failed-Recipients"):
        return True
    sender = addresses(msg, "From")
    local = sender[0][1].split("@")[0] if sender else ""
    return local in DAEMONS and bool(BOUNCE_SUBJECT.search(header_text(msg, "Subject") or ""))


def _bounce_reason(msg: Message) -> str:
    report = _report_text(msg)
    recipients = [v.strip() for v in raw_values(msg, "X-Failed-Recipients")]
    recipients += FINAL_RECIPIENT.findall(report)
    status = STATUS.findall(report)
    answer = status[-1][1].strip() if status else _smtp_answer(report)
    who = ", ".join(dict.fromkeys(recipients)) or "an unknown recipient"
    reason = f"delivery failure report (bounce) for {who}"
    if answer:
        reason += f": {answer}"
    return reason[:MAX_REASON]


def _smtp_answer(text: str) -> str | None:
    found = SMTP_REPLY.search(text)
    return found.group(1).strip() if found else None


def _bounced_message_id(msg: Message) -> str | None:
    """The Message-ID of the mail that bounced, from the returned headers or quoted copy."""
    found = ORIGINAL_ID.search(_returned_headers(msg) + "\n" + _report_text(msg))
    return found.group(1) if found else None


def _returned_headers(msg: Message) -> str:
    chunks: list[str] = []
    for part in msg.walk():
        if part is not msg and part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            inner = part.get_payload()
            first = inner[0] if isinstance(inner, list) and inner else inner
            chunks.append(first.as_string() if isinstance(first, Message) else str(first))
    return "\n".join(chunks)


def _report_text(msg: Message) -> str:
    """All the readable text of a report: its text parts and the delivery-status part."""
    chunks: list[str] = []
    for part in msg.walk():
        if part.get_content_type() == "message/delivery-status":
            payload = part.get_payload()
            if isinstance(payload, list):
                chunks.extend(str(p) for p in payload)
        elif part.get_content_maintype() == "text":
            chunks.append(part_text(part))
    return "\n".join(chunks)
