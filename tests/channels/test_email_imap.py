"""IMAP polling against a real, private Dovecot: recorded messages APPENDed, polled by UID,
polled again (nothing new), new mail (only that), batches, UIDVALIDITY changes, failures."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from heedful.channels.base import OutboundMessage
from heedful.channels.email.adapter import EmailAdapter
from heedful.channels.email.config import EmailConfig, Security
from heedful.channels.email.smtp import compose
from heedful.clock import FrozenClock
from heedful.domain import Visibility
from heedful.errors import AuthFailed, PermanentFailure, TransientFailure, Unsupported
from tests.channels.conftest import payload
from tests.channels.mail_servers import ImapServer, dovecot, free_port

NOW = datetime(2026, 11, 20, 16, 5, tzinfo=UTC)
RECENT = NOW - timedelta(hours=1)
REPLY = "imaptools__plain_emails__raw_email_reply.eml"
GMAIL = "talon__standard_replies__gmail.eml"
KOREAN = "imaptools__multi_charset__ks_c_5601-1987.eml"
OUTLOOK = "talon__standard_replies__outlook.eml"  # no Date header
BOUNCE = "flanker__bounce__mailbox-full.eml"
HEADERLESS = "mailparser__malformed__005.eml"


def eml(name: str) -> bytes:
    return payload("email", name).read_bytes()


@pytest.fixture(scope="module")
def dovecot_server() -> Iterator[ImapServer]:
    with dovecot() as server:
        yield server


@pytest.fixture
def imap(dovecot_server: ImapServer) -> ImapServer:
    """The module's Dovecot with a fresh, empty mailbox of this test's own (UIDs from 1)."""
    mailbox = f"Test{uuid.uuid4().hex[:12]}"
    dovecot_server.create(mailbox)
    return dataclasses.replace(dovecot_server, mailbox=mailbox)


def adapter(server: ImapServer, **settings: object) -> EmailAdapter:
    config = EmailConfig.model_validate(
        {
            "address": "care@example.com",
            "imap_host": server.host,
            "imap_port": server.port,
            "imap_security": Security.NONE,
            "imap_username": server.user,
            "imap_password": server.password,
            "mailbox": server.mailbox,
            "timeout_seconds": 10,
            **settings,
        }
    )
    return EmailAdapter(config, clock=FrozenClock(NOW))


def test_poll_reads_new_mail_once_then_only_what_is_new(imap: ImapServer) -> None:
    for name in (REPLY, GMAIL, KOREAN):
        imap.append(eml(name), when=RECENT)
    mail = adapter(imap)

    first = mail.poll({})
    again = mail.poll(first.cursor)
    imap.append(eml(OUTLOOK), when=RECENT)
    later = mail.poll(again.cursor)

    assert [e.external_id for e in first.events] == [
        "473FFE27.20003@xxx.org",
        "CAKsfaBW4hj0Gek6TwbR3erng4P1y0CZzJ0d=pXtCNnYnbe7PLg@mail.gmail.com",
        "from@example.com",
    ]
    assert first.events[2].text == "스티해"
    validity = first.cursor["uidvalidity"]
    assert first.cursor["last_uid"] == 3
    assert first.events[0].raw_ref == f"imap:{imap.mailbox}:{validity}:1"
    assert again.events == () and again.cursor["last_uid"] == 3
    (new,) = later.events
    assert new.text == "Hello"
    assert new.created_at == RECENT  # no Date header: the server's INTERNALDATE
    assert later.cursor == {
        "uidvalidity": validity,
        "last_uid": 4,
        "last_received_at": RECENT.isoformat(),
    }


def test_polling_never_marks_mail_as_read(imap: ImapServer) -> None:
    imap.append(eml(REPLY), when=RECENT)
    adapter(imap).poll({})
    with imap.client() as conn:
        conn.select(imap.mailbox)
        _, data = conn.search(None, "UNSEEN")
    assert data[0].split() == [b"1"]


def test_bounces_and_refused_messages_are_reported_and_passed(imap: ImapServer) -> None:
    for name in (BOUNCE, HEADERLESS, REPLY):
        imap.append(eml(name), when=RECENT)

    result = adapter(imap).poll({})

    assert [e.external_id for e in result.events] == ["473FFE27.20003@xxx.org"]
    bounce, refused = result.ignored
    assert "bounce" in bounce.reason and bounce.ref == "4E326A95.3010907@example.com"
    assert refused.reason.startswith("message refused: no sender")
    assert refused.ref is not None and refused.ref.endswith(":2")
    assert result.cursor["last_uid"] == 3


def test_a_backlog_drains_in_batches(imap: ImapServer) -> None:
    for name in (REPLY, GMAIL, KOREAN, OUTLOOK, "imaptools__rfc2822__example06.eml"):
        imap.append(eml(name), when=RECENT)
    mail = adapter(imap, batch_size=2)

    sizes, cursor = [], {}
    for _ in range(4):
        result = mail.poll(cursor)
        sizes.append(len(result.events))
        cursor = dict(result.cursor)

    assert sizes == [2, 2, 1, 0]
    assert cursor["last_uid"] == 5


def test_the_first_poll_reads_only_the_initial_window(imap: ImapServer) -> None:
    imap.append(eml(REPLY), when=NOW - timedelta(days=30))
    imap.append(eml(GMAIL), when=RECENT)

    result = adapter(imap, initial_sync_days=7).poll({})

    assert [e.subject for e in result.events] == ["Re: Test"]
    assert result.cursor["last_uid"] == 2


def test_an_empty_mailbox_starts_after_what_exists(imap: ImapServer) -> None:
    imap.append(eml(REPLY), when=NOW - timedelta(days=30))
    mail = adapter(imap, initial_sync_days=1)

    first = mail.poll({})
    imap.append(eml(GMAIL), when=RECENT)
    second = mail.poll(first.cursor)

    assert first.events == () and first.cursor["last_uid"] == 1
    assert [e.subject for e in second.events] == ["Re: Test"]


def test_a_new_uidvalidity_restarts_from_the_last_seen_date(imap: ImapServer) -> None:
    imap.append(eml(REPLY), when=RECENT)
    mail = adapter(imap)
    first = mail.poll({})

    imap.set_uidvalidity(imap.mailbox, int(first.cursor["uidvalidity"]) + 1000)
    imap.append(eml(GMAIL), when=RECENT)
    second = mail.poll(first.cursor)

    assert second.cursor["uidvalidity"] == first.cursor["uidvalidity"] + 1000
    assert "UIDVALIDITY changed" in second.ignored[0].reason
    # Both are read again; the core keeps one copy of each by Message-ID.
    assert {e.subject for e in second.events} == {"Re: Test reply email", "Re: Test"}
    assert mail.poll(second.cursor).events == ()


def test_a_missing_mailbox_is_permanent(imap: ImapServer) -> None:
    with pytest.raises(PermanentFailure, match="cannot be opened"):
        adapter(imap, mailbox="Nope").poll({})


def test_no_server_is_transient() -> None:
    config = EmailConfig(
        imap_host="127.0.0.1", imap_port=free_port(), imap_security=Security.NONE, timeout_seconds=5
    )
    with pytest.raises(TransientFailure):
        EmailAdapter(config, clock=FrozenClock(NOW)).poll({})


def test_a_wrong_password_is_an_auth_failure_that_never_shows_it() -> None:
    # A server of its own: Dovecot slows down an address after failed logins.
    with dovecot() as server, pytest.raises(AuthFailed, match="refused the login") as raised:
        adapter(server, imap_password="s3cret-value").poll({})
    assert "s3cret-value" not in str(raised.value)
    assert "s3cret-value" not in repr(adapter(server, imap_password="s3cret-value").config)


def test_find_delivered_checks_the_sent_folder_for_our_message_id(imap: ImapServer) -> None:
    mail = adapter(imap, sent_mailbox=imap.mailbox)
    sent = OutboundMessage(77, "On its way", Visibility.PRIVATE, recipient="kim@example.org")
    imap.append(compose(sent, mail.config, NOW).as_bytes(), when=RECENT)  # the server filed it

    found = mail.find_delivered(sent, NOW - timedelta(minutes=5))
    missing = mail.find_delivered(dataclasses.replace(sent, outbox_id=78), NOW)

    assert found is not None and found.external_id.startswith("heedful.77.")
    assert missing is None
    with pytest.raises(Unsupported, match="sent_mailbox"):
        adapter(imap).find_delivered(sent, NOW)
