"""E-mail through the whole spine with real servers: the polling job reads a Dovecot mailbox
into threaded conversations, and an agent's reply leaves through the outbox to aiosmtpd with
the headers that keep it in the customer's thread."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from heedful.clock import FrozenClock
from heedful.config import Settings
from heedful.domain import Visibility
from heedful.services.channel_accounts import configure_channel_account
from heedful.services.replies import send_reply
from heedful.services.workspaces import add_channel_account, create_workspace
from heedful.store.crypto import SecretBox
from heedful.store.db import Database
from heedful.store.tables import ChannelAccount, Conversation, Message, OutboxItem
from heedful.workers.context import JobContext
from heedful.workers.inprocess import InProcessQueue
from heedful.workers.registry import build_registry
from heedful.workers.runtime import build_context
from tests.channels.conftest import payload
from tests.channels.mail_servers import ImapServer, SmtpServer, dovecot, smtp_sink

NOW = datetime(2026, 11, 20, 16, 5, tzinfo=UTC)
MAILS = [  # two customers' replies in threads of their own (In-Reply-To and References)
    "imaptools__rfc2822__example06.eml",
    "imaptools__plain_emails__raw_email_reply.eml",
]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def servers() -> Iterator[tuple[ImapServer, SmtpServer]]:
    with dovecot() as imap, smtp_sink() as smtp:
        yield imap, smtp


@pytest.fixture
def jobs(settings: Settings, db: Database, clock: FrozenClock) -> Iterator[JobContext]:
    queue = InProcessQueue(build_registry(), clock)
    context = build_context(settings, db, clock, queue, worker_id="email-test")
    yield context
    context.channels.close()


def connect(
    db: Database, settings: Settings, clock: FrozenClock, imap: ImapServer, smtp: SmtpServer
) -> int:
    with db.write() as session:
        workspace = create_workspace(session, slug="acme", name="Acme", clock=clock)
        account = add_channel_account(
            session, workspace, channel="email", external_id="care@example.com", clock=clock
        )
        values = {
            "address": "care@example.com",
            "display_name": "Acme Care",
            "imap_host": imap.host,
            "imap_port": imap.port,
            "imap_security": "none",
            "imap_username": imap.user,
            "imap_password": imap.password,
            "smtp_host": smtp.host,
            "smtp_port": smtp.port,
            "smtp_security": "none",
            "timeout_seconds": 10,
        }
        box = SecretBox(settings.secret_key_value())
        configure_channel_account(session, account, values, box=box, clock=clock)
        return account.id


def run(jobs: JobContext) -> None:
    queue = jobs.queue
    assert isinstance(queue, InProcessQueue)
    queue.run_pending()


def test_polled_mail_is_threaded_and_the_reply_goes_out_in_the_thread(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    servers: tuple[ImapServer, SmtpServer],
    jobs: JobContext,
) -> None:
    imap, smtp = servers
    account_id = connect(db, settings, clock, imap, smtp)
    for name in MAILS:
        imap.append(payload("email", name).read_bytes(), when=NOW - timedelta(hours=1))

    run(jobs)  # polling.tick → polling.poll → ingest

    with db.session() as session:
        stored = list(session.scalars(select(Message).order_by(Message.created_at)))
        account = session.get(ChannelAccount, account_id)
        assert account is not None and account.cursor["last_uid"] == 2
    assert [m.external_id for m in stored] == ["3456@example.net", "473FFE27.20003@xxx.org"]
    assert all(m.kind == "email" and m.visibility == "private" for m in stored)
    latest = stored[-1]

    with db.write() as session:
        conversation = session.get(Conversation, latest.conversation_id)
        assert conversation is not None
        sent = send_reply(
            session,
            agent=None,
            conversation=conversation,
            text="Thanks — we have fixed your order. ^AB",
            visibility=Visibility.PRIVATE,
            clock=clock,
            queue=jobs.queue,
        )
    run(jobs)

    (received,) = smtp.sink.received
    mail = received.message
    assert received.rcpt_tos == ["xxxxxxxx@xxx.org"]
    assert mail["In-Reply-To"] == "<473FFE27.20003@xxx.org>"
    assert "<473FF3B8.9020707@xxx.org>" in mail["References"]  # the thread's root
    assert mail["Subject"] == "Re: Test reply email"
    with db.session() as session:
        item = session.get(OutboxItem, sent.outbox_id)
        assert item is not None and item.state == "sent"
        assert f"<{item.external_id}>" == mail["Message-ID"]
