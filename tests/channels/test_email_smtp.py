"""SMTP sending against a real aiosmtpd on loopback: threading headers, stable Message-IDs,
login, and the server's refusals as typed errors."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from heedful.channels.base import OutboundMessage
from heedful.channels.email.adapter import EmailAdapter
from heedful.channels.email.config import EmailConfig, Security
from heedful.channels.email.smtp import references_chain, reply_subject
from heedful.clock import FrozenClock
from heedful.domain import Direction, Visibility
from heedful.errors import AuthFailed, PermanentFailure, TransientFailure
from tests.channels.mail_servers import SmtpServer, free_port, smtp_sink

NOW = datetime(2026, 11, 20, 16, 5, tzinfo=UTC)
ROOT = "473FF3B8.9020707@xxx.org"
PARENT = "348F04F142D69C21-291E56D292BC@xxxx.net"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with smtp_sink() as server:
        yield server


def adapter(server_port: int, **settings: object) -> EmailAdapter:
    config = EmailConfig.model_validate(
        {
            "address": "care@example.com",
            "display_name": "Acme Care",
            "smtp_host": "127.0.0.1",
            "smtp_port": server_port,
            "smtp_security": Security.NONE,
            "timeout_seconds": 10,
            **settings,
        }
    )
    return EmailAdapter(config, clock=FrozenClock(NOW))


def reply(
    outbox_id: int = 41, text: str = "Sorry, Zoë — your refund is on its way. ^AB"
) -> OutboundMessage:
    return OutboundMessage(
        outbox_id,
        text,
        Visibility.PRIVATE,
        in_reply_to=PARENT,
        thread_ref=ROOT,
        recipient="customer@example.org",
        subject="Re: Test reply email",
        references=(ROOT, PARENT),
    )


def test_reply_threads_under_the_customers_message(smtp: SmtpServer) -> None:
    result = adapter(smtp.port).send(reply())

    (received,) = smtp.sink.received
    mail = received.message
    assert received.rcpt_tos == ["customer@example.org"]
    assert received.mail_from == "care@example.com"
    assert mail["From"] == "Acme Care <care@example.com>"
    assert mail["To"] == "customer@example.org"
    assert mail["Subject"] == "Re: Test reply email"
    assert mail["In-Reply-To"] == f"<{PARENT}>"
    assert mail["References"].split() == [f"<{ROOT}>", f"<{PARENT}>"]  # may be folded
    assert mail["Message-ID"] == f"<{result.external_id}>"
    assert result.external_id.endswith("@example.com")
    assert mail["Date"] == "Fri, 20 Nov 2026 16:05:00 +0000"
    assert mail.get_content().strip() == "Sorry, Zoë — your refund is on its way. ^AB"
    assert result.sent_at == NOW


def test_what_was_sent_reads_back_as_our_own_outbound_mail_in_the_thread(smtp: SmtpServer) -> None:
    mail = adapter(smtp.port)
    mail.send(reply())

    (event,) = mail.parse(smtp.sink.received[0].raw).events

    assert event.direction is Direction.OUTBOUND
    assert event.thread_ref == ROOT
    assert event.in_reply_to == PARENT


def test_a_resend_of_the_same_outbox_row_keeps_its_message_id(smtp: SmtpServer) -> None:
    mail = adapter(smtp.port)
    first, again, other = mail.send(reply(41)), mail.send(reply(41)), mail.send(reply(42))
    assert first.external_id == again.external_id != other.external_id
    ids = [r.message["Message-ID"] for r in smtp.sink.received]
    assert ids[0] == ids[1] != ids[2]


def test_login_when_the_server_demands_it() -> None:
    with smtp_sink(login=("care@example.com", "smtp-pass")) as server:
        adapter(server.port, smtp_username="care@example.com", smtp_password="smtp-pass").send(
            reply()
        )
        assert len(server.sink.received) == 1
        with pytest.raises(AuthFailed) as raised:
            adapter(server.port, smtp_username="care@example.com", smtp_password="nope").send(
                reply()
            )
        assert "nope" not in str(raised.value)


def test_a_refused_recipient_is_permanent(smtp: SmtpServer) -> None:
    smtp.sink.refuse_rcpt = "550 5.1.1 No such user"
    with pytest.raises(PermanentFailure, match="refused the recipient"):
        adapter(smtp.port).send(reply())


def test_a_temporary_refusal_is_transient(smtp: SmtpServer) -> None:
    smtp.sink.refuse_data = "451 4.3.0 Try again later"
    with pytest.raises(TransientFailure, match="451"):
        adapter(smtp.port).send(reply())


def test_no_server_is_transient() -> None:
    with pytest.raises(TransientFailure):
        adapter(free_port()).send(reply())


def test_what_cannot_be_an_email_is_refused(smtp: SmtpServer) -> None:
    mail = adapter(smtp.port)
    with pytest.raises(PermanentFailure, match="recipient"):
        mail.send(OutboundMessage(1, "hi", Visibility.PRIVATE))
    with pytest.raises(PermanentFailure, match="public"):
        mail.send(OutboundMessage(1, "hi", Visibility.PUBLIC, recipient="a@b.c"))
    assert smtp.sink.received == []


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("Order 123", "Re: Order 123"),
        ("Re: Order 123", "Re: Order 123"),
        ("RE: Re: Fwd: Order 123", "Re: Order 123"),
        ("AW: Bestellung", "Re: Bestellung"),
        (None, "Re: your message"),
    ],
)
def test_reply_subjects(subject: str | None, expected: str) -> None:
    assert reply_subject(subject) == expected


def test_references_keep_the_root_and_the_newest() -> None:
    chain = references_chain([f"m{i}@x" for i in range(30)], "parent@x")
    assert len(chain) == 20
    assert chain[0] == "m0@x" and chain[-1] == "parent@x"
    assert references_chain([], "p@x") == ["p@x"]
    assert references_chain(["p@x"], "p@x") == ["p@x"]


def test_a_reply_to_naming_several_addresses_reaches_each(smtp: SmtpServer) -> None:
    message = OutboundMessage(
        42,
        "We have your ticket. ^AB",
        Visibility.PRIVATE,
        in_reply_to="form-1@forms.example",
        recipient="kim@example.org, ops@example.org",  # a web form's Reply-To, as stored
    )

    adapter(smtp.port).send(message)

    (received,) = smtp.sink.received
    assert received.rcpt_tos == ["kim@example.org", "ops@example.org"]
    assert received.message["To"] == "kim@example.org, ops@example.org"
    assert received.message["In-Reply-To"] == "<form-1@forms.example>"
