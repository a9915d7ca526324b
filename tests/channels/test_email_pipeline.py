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
from heedful.store.tables import (
    ChannelAccount,
    ContactIdentity,
    Conversation,
    Message,
    OutboxItem,
)
from heedful.workers.context import JobContext
from heedful.workers.inprocess import InProcessQueue
from heedful.workers.registry import build_registry
from heedful.workers.runtime import build_context
from tests.channels.conftest import payload
from tests.channels.mail_servers import ImapServer, SmtpServer, dovecot, smtp_sink
from tests.workers.helpers import reply

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


REPLY_TO_MAILS = {  # Message-ID → (From, Reply-To): answers go to the Reply-To
    # a person's second address
    "3456@example.net": ("mary@example.net", "smith@home.example"),
    # a mailing list: the post is from a member, answers go to the list
    "33C7E4E1.2A12445E@blank.pages.de": ("ingo@blank.pages.de", "new-httpd@apache.org"),
}


def test_a_reply_goes_to_the_reply_to_address_with_the_thread_kept(
    db: Database,
    settings: Settings,
    clock: FrozenClock,
    servers: tuple[ImapServer, SmtpServer],
    jobs: JobContext,
) -> None:
    imap, smtp = servers
    connect(db, settings, clock, imap, smtp)
    for name in ("imaptools__rfc2822__example06.eml", "flanker__from-encoding.eml"):
        imap.append(payload("email", name).read_bytes(), when=NOW - timedelta(hours=1))
    run(jobs)
    with db.session() as session:
        stored = {m.external_id: m for m in session.scalars(select(Message))}
        authors = {
            m.external_id: session.scalar(
                select(ContactIdentity.external_id).where(
                    ContactIdentity.id == m.author_identity_id
                )
            )
            for m in stored.values()
        }
    assert {mid: authors[mid] for mid in REPLY_TO_MAILS} == {
        mid: sender for mid, (sender, _) in REPLY_TO_MAILS.items()
    }  # the person who wrote stays the author

    for message_id in REPLY_TO_MAILS:
        reply(
            db,
            stored[message_id].conversation_id,
            clock,
            "Thanks, we are on it. ^AB",
            jobs.queue,
            Visibility.PRIVATE,
        )
        run(jobs)

    mary, ingo = smtp.sink.received
    assert mary.rcpt_tos == ["smith@home.example"]
    assert mary.message["To"] == "smith@home.example"
    assert mary.message["In-Reply-To"] == "<3456@example.net>"
    assert mary.message["References"] == "<1234@local.machine.example> <3456@example.net>"
    assert ingo.rcpt_tos == ["new-httpd@apache.org"]
    assert ingo.message["In-Reply-To"] == "<33C7E4E1.2A12445E@blank.pages.de>"
    assert (
        "<Pine.BSF.3.95q.970712135859.28530B-100000@valis.worldgate.com>"
        in (ingo.message["References"])
    )
    with db.session() as session:
        requests = [item.request["recipient"] for item in session.scalars(select(OutboxItem))]
    assert requests == ["smith@home.example", "new-httpd@apache.org"]


def test_the_reply_address_is_kept_once_and_survives_a_replay(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    from heedful.channels.email.adapter import EmailAdapter
    from heedful.channels.email.config import EmailConfig
    from heedful.services.pipeline import receive
    from heedful.services.reply_addresses import REPLY_ADDRESS_EVENT, reply_address
    from heedful.store.tables import Event

    raw = payload("email", "imaptools__rfc2822__example06.eml").read_bytes()
    events = EmailAdapter(EmailConfig(address="care@example.com"), clock=clock).parse(raw).events
    with db.write() as session:
        workspace = create_workspace(session, slug="acme", name="Acme", clock=clock)
        add_channel_account(
            session, workspace, channel="email", external_id="care@example.com", clock=clock
        )
        for _ in range(2):  # the second time: a replay, stores nothing new
            receive(session, workspace.id, events, clock=clock)
    with db.session() as session:
        (message,) = session.scalars(select(Message))
        logged = session.scalars(select(Event).where(Event.kind == REPLY_ADDRESS_EVENT)).all()
        assert reply_address(session, message) == "smith@home.example"
    assert [(e.subject_id, e.data) for e in logged] == [
        (message.id, {"address": "smith@home.example"})
    ]
