"""Real mail servers for the e-mail channel's tests, private to each test run.

* :func:`dovecot` starts Debian's Dovecot with its own configuration on a free loopback port
  (plain IMAP, a passwd-file user, maildir storage in a temporary folder) and stops it after.
  When Dovecot is not installed the test skips with the reason; under ``CI=true`` it fails,
  since CI must run it (``scripts/install-system-deps.sh`` installs ``dovecot-imapd``).
* :func:`smtp_sink` runs aiosmtpd in-process on a free loopback port and keeps every message
  it accepts (envelope and parsed message), or answers with the failure a test asks for.
"""

from __future__ import annotations

import email
import email.policy
import imaplib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import IN_CI

USER = "care@example.com"
PASSWORD = "imap-test-password"
CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
first_valid_uid = 1
first_valid_gid = 1
auth_failure_delay = 0
{users}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def require_dovecot() -> str:
    binary = shutil.which("dovecot") or next(
        (p for p in ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot") if os.path.exists(p)), None
    )
    if binary is None:
        reason = "Dovecot is not installed (apt-get install -y dovecot-imapd)"
        if IN_CI:
            pytest.fail(f"{reason}: CI must run the IMAP tests")
        pytest.skip(reason)
    return binary


@dataclass
class ImapServer:
    host: str
    port: int
    user: str
    password: str
    config_file: Path
    mailbox: str = "INBOX"  # where append() puts messages unless told otherwise

    @contextmanager
    def client(self) -> Iterator[imaplib.IMAP4]:
        conn = imaplib.IMAP4(self.host, self.port, timeout=10)
        conn.login(self.user, self.password)
        try:
            yield conn
        finally:
            conn.logout()

    def append(self, raw: bytes, when: datetime | None = None, mailbox: str | None = None) -> None:
        with self.client() as conn:
            stamp = imaplib.Time2Internaldate(when.timestamp()) if when else None
            status, data = conn.append(mailbox or self.mailbox, "", stamp, raw)  # type: ignore[arg-type]
            assert status == "OK", data

    def create(self, mailbox: str) -> None:
        with self.client() as conn:
            status, data = conn.create(mailbox)
            assert status == "OK", data

    def set_uidvalidity(self, mailbox: str, value: int) -> None:
        """What a server does after a restore or a mailbox rebuild: all UIDs change meaning."""
        subprocess.run(
            ["doveadm", "-c", str(self.config_file), "mailbox", "update", "-u", self.user,
             "--uid-validity", str(value), mailbox],
            check=True, capture_output=True, timeout=20,
        )  # fmt: skip


def _identity() -> tuple[int, int, str]:
    """The uid/gid mail is stored as (never root: Dovecot refuses it) and the service users."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        users = f"default_login_user = {me.pw_name}\ndefault_internal_user = {me.pw_name}"
        return me.pw_uid, me.pw_gid, users
    mail = pwd.getpwnam("mail")
    return mail.pw_uid, mail.pw_gid, ""


@contextmanager
def dovecot() -> Iterator[ImapServer]:
    binary = require_dovecot()
    root = Path(tempfile.mkdtemp(prefix="heedful-dovecot-"))
    root.chmod(0o755)
    uid, gid, users = _identity()
    port = free_port()
    (root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}\n")
    (root / "home").mkdir()
    os.chown(root / "home", uid, gid)
    config = root / "dovecot.conf"
    config.write_text(CONFIG.format(root=root, port=port, uid=uid, gid=gid, users=users))
    process = subprocess.Popen(
        [binary, "-F", "-c", str(config)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    try:
        _wait_for(port, process, root)
        yield ImapServer("127.0.0.1", port, USER, PASSWORD, config)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout:
            process.stdout.close()
        shutil.rmtree(root, ignore_errors=True)


def _wait_for(port: int, process: subprocess.Popen[bytes], root: Path) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        if process.poll() is not None:
            output = process.stdout.read().decode(errors="replace") if process.stdout else ""
            log = (root / "dovecot.log").read_text() if (root / "dovecot.log").exists() else ""
            pytest.fail(f"Dovecot exited at start: {output} {log}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail("Dovecot did not open its IMAP port within 15 s")


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        parsed = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@dataclass
class SmtpSink:
    """An aiosmtpd handler that keeps what it accepts; ``refuse_rcpt`` / ``refuse_data`` make
    it answer like a server that says no."""

    received: list[Received] = field(default_factory=list)
    refuse_rcpt: str | None = None  # e.g. "550 5.1.1 No such user"
    refuse_data: str | None = None  # e.g. "451 4.3.0 Try again later"

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: Any
    ) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.refuse_data:
            return self.refuse_data
        content = envelope.original_content or envelope.content
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(content)))
        return "250 Message accepted"


@dataclass
class SmtpServer:
    host: str
    port: int
    sink: SmtpSink


@contextmanager
def smtp_sink(*, login: tuple[str, str] | None = None) -> Iterator[SmtpServer]:
    """aiosmtpd on a free port; with ``login`` it accepts AUTH with those credentials only."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    def authenticate(
        server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and login is not None
            and (data.login.decode(), data.password.decode()) == login
        )
        return AuthResult(success=ok, handled=False)

    sink = SmtpSink()
    options: dict[str, Any] = {}
    if login:
        options = {"authenticator": authenticate, "auth_require_tls": False}
    controller = Controller(sink, hostname="127.0.0.1", port=free_port(), **options)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, sink)
    finally:
        controller.stop()
