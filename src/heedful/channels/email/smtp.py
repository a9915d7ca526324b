"""Answering by e-mail: compose a reply that threads in every client, and hand it to SMTP.

The Message-ID is derived from the outbox id (and the account's address), so a reply resent
after a crash carries the same id and the customer's client shows it once."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, formataddr

from heedful.channels.base import OutboundMessage
from heedful.channels.email.config import EmailConfig, Security
from heedful.channels.email.parse import REPLY_PREFIX
from heedful.errors import AuthFailed, PermanentFailure, TransientFailure

MAX_REFERENCES = 20  # keep the root and the newest ids, as RFC 5322 suggests


def outbound_message_id(outbox_id: int, address: str) -> str:
    """A stable, unique Message-ID (without brackets) for the outbox row ``outbox_id``."""
    domain = address.rpartition("@")[2] or "heedful.invalid"
    token = hashlib.sha256(f"{address.lower()}\0{outbox_id}".encode()).hexdigest()[:20]
    return f"heedful.{outbox_id}.{token}@{domain}"


def reply_subject(subject: str | None) -> str:
    """``Re: <original subject>``, without stacking ``Re: Re:`` or keeping ``Fwd:``."""
    base = REPLY_PREFIX.sub("", subject or "").strip()
    return f"Re: {base}" if base else "Re: your message"


def references_chain(references: Sequence[str], in_reply_to: str | None) -> list[str]:
    chain = [r for r in references if r]
    if in_reply_to and (not chain or chain[-1] != in_reply_to):
        chain = [r for r in chain if r != in_reply_to] + [in_reply_to]
    if len(chain) > MAX_REFERENCES:
        chain = chain[:1] + chain[-(MAX_REFERENCES - 1) :]
    return chain


def compose(message: OutboundMessage, config: EmailConfig, now: datetime) -> EmailMessage:
    if not message.recipient:
        raise PermanentFailure("an e-mail reply needs the customer's address (recipient)")
    if not config.address:
        raise PermanentFailure("this e-mail account has no sender address configured")
    mail = EmailMessage(policy=SMTP_POLICY)
    mail["From"] = formataddr((config.display_name, config.address))
    mail["To"] = message.recipient
    mail["Subject"] = reply_subject(message.subject)
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = f"<{outbound_message_id(message.outbox_id, config.address)}>"
    if message.in_reply_to:
        mail["In-Reply-To"] = f"<{message.in_reply_to}>"
    chain = references_chain(message.references, message.in_reply_to)
    if chain:
        mail["References"] = " ".join(f"<{ref}>" for ref in chain)
    mail.set_content(message.text)
    return mail


def deliver(config: EmailConfig, mail: EmailMessage) -> None:
    """Send ``mail`` through the account's SMTP server; failures as typed channel errors."""
    with _smtp_errors(config), _connect(config) as smtp:
        if config.smtp_username:
            smtp.login(config.smtp_username, config.smtp_password.get_secret_value())
        smtp.send_message(mail)


@contextmanager
def _connect(config: EmailConfig) -> Iterator[smtplib.SMTP]:
    if not config.smtp_host:
        raise PermanentFailure("this e-mail account has no SMTP server configured")
    timeout, context = config.timeout_seconds, ssl.create_default_context()
    smtp: smtplib.SMTP
    if config.smtp_security is Security.TLS:
        smtp = smtplib.SMTP_SSL(
            config.smtp_host, config.smtp_port, timeout=timeout, context=context
        )
    else:
        smtp = smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=timeout)
    try:
        if config.smtp_security is Security.STARTTLS:
            smtp.starttls(context=context)
        yield smtp
        smtp.quit()
    finally:
        smtp.close()


@contextmanager
def _smtp_errors(config: EmailConfig) -> Iterator[None]:
    where = f"SMTP server {config.smtp_host}:{config.smtp_port}"
    try:
        yield
    except smtplib.SMTPAuthenticationError as exc:
        raise AuthFailed(f"{where} refused the login ({exc.smtp_code})") from exc
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _ in exc.recipients.values()})
        raise _by_code(codes[0] if codes else 550, f"{where} refused the recipient") from exc
    except smtplib.SMTPResponseException as exc:
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else ""
        raise _by_code(exc.smtp_code, f"{where} answered {exc.smtp_code} {text}".strip()) from exc
    except ssl.SSLCertVerificationError as exc:
        raise AuthFailed(
            f"{where}: its TLS certificate is not trusted ({exc.verify_message})"
        ) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise TransientFailure(f"{where}: {type(exc).__name__}: {exc}") from exc


def _by_code(code: int, what: str) -> PermanentFailure | TransientFailure:
    """5xx answers are final, 4xx (greylisting, full queue) are worth retrying."""
    return PermanentFailure(what) if 500 <= code < 600 else TransientFailure(what)
