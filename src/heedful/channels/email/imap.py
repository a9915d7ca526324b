"""Reading a mailbox over IMAP by UID, read-only (nothing is flagged, moved or deleted).

UIDs only mean something together with the mailbox's UIDVALIDITY: the cursor stores both,
and when the server reports a new UIDVALIDITY the poller starts over from a date window
(the core drops what it already has by Message-ID)."""

from __future__ import annotations

import imaplib
import re
import ssl
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime

from heedful.channels.email.config import EmailConfig, Security
from heedful.errors import AuthFailed, ConfigError, PermanentFailure, TransientFailure

FETCH_ITEMS = "(UID INTERNALDATE BODY.PEEK[])"
UID = re.compile(rb"\bUID (\d+)")
INTERNALDATE = re.compile(rb'INTERNALDATE "([^"]+)"')
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class Fetched:
    uid: int
    raw: bytes
    received_at: datetime | None


class Mailbox:
    """An open, selected, read-only mailbox."""

    def __init__(self, conn: imaplib.IMAP4, name: str) -> None:
        self.conn = conn
        self.name = name
        self.uidvalidity = _number(conn, "UIDVALIDITY")
        self.uidnext = _number(conn, "UIDNEXT")

    def uids_after(self, last_uid: int) -> list[int]:
        # "n:*" always matches the newest message, even below n: filter again.
        return [u for u in self._search(f"UID {last_uid + 1}:*") if u > last_uid]

    def uids_since(self, day: date) -> list[int]:
        return self._search(f"SINCE {day.day}-{MONTHS[day.month - 1]}-{day.year}")

    def uids_with_header(self, name: str, value: str) -> list[int]:
        quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return self._search(f"HEADER {name} {quoted}")

    def fetch(self, uids: list[int]) -> list[Fetched]:
        if not uids:
            return []
        status, data = self.conn.uid("FETCH", ",".join(map(str, uids)), FETCH_ITEMS)
        _ok(status, data, f"FETCH in {self.name}")
        found = [_fetched(item) for item in data if isinstance(item, tuple)]
        return sorted((f for f in found if f is not None), key=lambda f: f.uid)

    def _search(self, criteria: str) -> list[int]:
        status, data = self.conn.uid("SEARCH", None, criteria)  # type: ignore[arg-type]
        _ok(status, data, f"SEARCH in {self.name}")
        return sorted(int(x) for x in b" ".join(d for d in data if d).split())


@contextmanager
def open_mailbox(config: EmailConfig) -> Iterator[Mailbox]:
    with _imap_errors(config):
        conn = _connect(config)
        try:
            _login(conn, config)
            status, data = conn.select(_quoted(config.mailbox), readonly=True)
            if status != "OK":
                raise PermanentFailure(f"mailbox {config.mailbox!r} cannot be opened: {data!r}")
            yield Mailbox(conn, config.mailbox)
        finally:
            _close(conn)


def _connect(config: EmailConfig) -> imaplib.IMAP4:
    if not config.imap_host:
        raise ConfigError("this e-mail account has no IMAP server configured")
    timeout, context = config.timeout_seconds, ssl.create_default_context()
    if config.imap_security is Security.TLS:
        return imaplib.IMAP4_SSL(
            config.imap_host, config.imap_port, ssl_context=context, timeout=timeout
        )
    conn = imaplib.IMAP4(config.imap_host, config.imap_port, timeout=timeout)
    if config.imap_security is Security.STARTTLS:
        conn.starttls(ssl_context=context)
    return conn


def _login(conn: imaplib.IMAP4, config: EmailConfig) -> None:
    try:
        conn.login(config.imap_username, config.imap_password.get_secret_value())
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:
        where = f"IMAP server {config.imap_host}:{config.imap_port}"
        raise AuthFailed(f"{where} refused the login of {config.imap_username!r}") from exc


def _close(conn: imaplib.IMAP4) -> None:
    try:
        conn.logout()
    except (imaplib.IMAP4.error, OSError):
        conn.shutdown()


@contextmanager
def _imap_errors(config: EmailConfig) -> Iterator[None]:
    where = f"IMAP server {config.imap_host}:{config.imap_port}"
    try:
        yield
    except imaplib.IMAP4.abort as exc:
        raise TransientFailure(f"{where} dropped the connection: {exc}") from exc
    except imaplib.IMAP4.error as exc:
        raise TransientFailure(f"{where} refused a command: {exc}") from exc
    except ssl.SSLCertVerificationError as exc:
        raise AuthFailed(
            f"{where}: its TLS certificate is not trusted ({exc.verify_message})"
        ) from exc
    except OSError as exc:
        raise TransientFailure(f"{where}: {type(exc).__name__}: {exc}") from exc


def _ok(status: str, data: object, what: str) -> None:
    if status != "OK":
        raise TransientFailure(f"IMAP {what} failed: {data!r}")


def _number(conn: imaplib.IMAP4, name: str) -> int:
    _, values = conn.response(name)
    try:
        return int(values[0]) if values and values[0] else 0
    except (TypeError, ValueError):
        return 0


def _fetched(item: tuple[bytes, bytes]) -> Fetched | None:
    head, raw = item
    uid = UID.search(head)
    if not uid:
        return None
    stamp = INTERNALDATE.search(head)
    return Fetched(int(uid.group(1)), raw, _internaldate(stamp.group(1)) if stamp else None)


def _internaldate(value: bytes) -> datetime | None:
    try:
        return datetime.strptime(value.decode().strip(), "%d-%b-%Y %H:%M:%S %z")
    except ValueError:
        return None


def _quoted(name: str) -> str:
    if re.fullmatch(r"[A-Za-z0-9._/-]+", name):
        return name
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'
