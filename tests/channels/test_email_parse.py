"""E-mail parsing over every recorded message: each one parses, or is ignored / refused with
a reason (the table says which); then the details — threading, charsets, quoted replies,
HTML, attachments, bounces, broken headers."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage

import pytest

from heedful.channels.email.adapter import EmailAdapter
from heedful.channels.email.config import EmailConfig
from heedful.channels.email.htmltext import html_to_text
from heedful.channels.email.quotes import strip_quoted
from heedful.channels.testing import event_problems, payload_files
from heedful.clock import FrozenClock
from heedful.domain import Direction, InboundEvent, MessageKind, Visibility
from heedful.errors import InputRejected
from tests.channels.conftest import payload
from tests.conftest import SHARED_DATA

FOLDER = "email"
NOW = datetime(2026, 11, 20, 16, 5, tzinfo=UTC)

# file -> (events, ignored, rejected)
EXPECTED = {
    "djmailbox__message_with_long_content.eml": (1, 0, 0),
    "djmailbox__message_with_single_byte_encoding.eml": (1, 0, 0),
    "flanker__bounce__gmail-invalid-address.eml": (0, 1, 0),  # bounce
    "flanker__bounce__mailbox-full.eml": (0, 1, 0),  # bounce
    "flanker__from-encoding.eml": (1, 0, 0),
    "flanker__missing-final-boundary.eml": (1, 0, 0),
    "flanker__multi-received-headers.eml": (1, 0, 0),
    "flanker__quoted-printable.eml": (1, 0, 0),
    "imaptools__attachment_8bit.eml": (1, 0, 0),
    "imaptools__attachment_emails__attachment_with_encoded_name.eml": (1, 0, 0),
    "imaptools__error_emails__bad_date_header.eml": (1, 0, 0),
    "imaptools__error_emails__empty_in_reply_to.eml": (1, 0, 0),
    "imaptools__error_emails__encoding_madness.eml": (1, 0, 0),
    "imaptools__error_emails__multiple_references_with_one_invalid.eml": (1, 0, 0),
    "imaptools__multi_charset__japanese_iso_2022.eml": (1, 0, 0),
    "imaptools__multi_charset__ks_c_5601-1987.eml": (1, 0, 0),
    "imaptools__plain_emails__raw_email_reply.eml": (1, 0, 0),
    "imaptools__rfc2822__example06.eml": (1, 0, 0),
    "mailparser__legacy__001.eml": (1, 0, 0),
    "mailparser__legacy__012.eml": (1, 0, 0),
    "mailparser__malformed__005.eml": (0, 0, 1),  # no header fields at all: nobody to answer
    "mailparser__malformed__015.eml": (1, 0, 0),
    "talon__standard_replies__apple_mail_2.eml": (1, 0, 0),
    "talon__standard_replies__gmail.eml": (1, 0, 0),
    "talon__standard_replies__outlook.eml": (1, 0, 0),
    "talon__standard_replies__thunderbird.eml": (1, 0, 0),
}


def adapter(address: str = "care@example.com") -> EmailAdapter:
    return EmailAdapter(EmailConfig(address=address), clock=FrozenClock(NOW))


def parse(name: str, **headers: str) -> InboundEvent:
    (event,) = adapter().parse(payload(FOLDER, name).read_bytes(), headers).events
    return event


def problems(event: InboundEvent) -> list[str]:
    # The shared check expects private == dm; an e-mail is private too.
    return [p for p in event_problems(event, "email") if not p.startswith("kind email")]


def _present() -> list[str]:
    folder = SHARED_DATA / "payloads" / FOLDER
    return [p.name for p in payload_files(folder)] if folder.is_dir() else []


@pytest.mark.parametrize("name", sorted(set(EXPECTED) | set(_present())))
def test_every_message_parses_or_is_ignored_or_refused_with_a_reason(name: str) -> None:
    try:
        result = adapter().parse(payload(FOLDER, name).read_bytes())
    except InputRejected as exc:
        assert exc.reason.strip()
        counts = (0, 0, 1)
    else:
        assert [p for e in result.events for p in problems(e)] == []
        assert all(
            e.kind is MessageKind.EMAIL and e.visibility is Visibility.PRIVATE
            for e in result.events
        )
        assert all(item.reason.strip() for item in result.ignored)
        counts = (len(result.events), len(result.ignored), 0)
    assert name in EXPECTED, f"new payload {name} gives {counts}: decide and add it to EXPECTED"
    assert counts == EXPECTED[name]


def test_message_id_is_the_external_id_and_references_give_the_root() -> None:
    event = parse("imaptools__plain_emails__raw_email_reply.eml")
    assert event.external_id == "473FFE27.20003@xxx.org"
    assert event.in_reply_to == "348F04F142D69C21-291E56D292BC@xxxx.net"
    assert event.references == (
        "473FF3B8.9020707@xxx.org",
        "348F04F142D69C21-291E56D292BC@xxxx.net",
    )
    assert event.thread_ref == "473FF3B8.9020707@xxx.org"
    assert event.subject == "Re: Test reply email"
    assert event.extra["thread_subject"] == "test reply email"


def test_a_new_message_is_its_own_thread_root() -> None:
    event = parse("flanker__quoted-printable.eml")
    assert event.in_reply_to is None
    assert event.thread_ref == event.external_id


def test_invalid_ids_are_dropped_and_repeated_headers_merged() -> None:
    event = parse("imaptools__error_emails__multiple_references_with_one_invalid.eml")
    assert event.references == ("foo@bar.net", "baz@bar.net")  # "<invalid.   something@…>" dropped
    assert event.thread_ref == "foo@bar.net"
    assert parse("imaptools__error_emails__empty_in_reply_to.eml").in_reply_to is None
    assert (
        parse("imaptools__error_emails__bad_date_header.eml").in_reply_to is None
    )  # a bare address


def test_a_broken_date_falls_back_to_when_the_mail_was_received() -> None:
    event = parse("imaptools__error_emails__bad_date_header.eml")
    assert event.created_at == datetime(2010, 12, 11, 3, 20, 19, tzinfo=UTC)  # newest Received hop
    assert event.extra["date_source"] == "received"


def test_no_date_uses_the_imap_arrival_time_then_the_clock() -> None:
    name = "talon__standard_replies__outlook.eml"
    arrived = parse(name, **{"X-Heedful-Received-At": "2026-11-19T08:00:00+00:00"})
    assert arrived.created_at == datetime(2026, 11, 19, 8, 0, tzinfo=UTC)
    assert parse(name).created_at == NOW


def test_dates_with_named_zones_become_utc() -> None:
    event = parse("djmailbox__message_with_single_byte_encoding.eml")  # "11:30:01 PST"
    assert event.created_at == datetime(2012, 1, 30, 19, 30, 1, tzinfo=UTC)


def test_a_message_without_message_id_gets_a_stable_one() -> None:
    first = parse("talon__standard_replies__outlook.eml")
    again = parse("talon__standard_replies__outlook.eml")
    assert first.external_id == again.external_id
    assert first.external_id.endswith("@no-message-id.heedful.invalid")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("imaptools__multi_charset__japanese_iso_2022.eml", "すみません。"),
        ("imaptools__multi_charset__ks_c_5601-1987.eml", "스티해"),
        (
            "djmailbox__message_with_single_byte_encoding.eml",
            "Это сообщение имеет неправильную кодировка.",
        ),
    ],
)
def test_any_charset_is_read(name: str, text: str) -> None:
    assert parse(name).text == text


def test_utf7_and_windows_1252_quoted_printable() -> None:
    for name in ("mailparser__legacy__001.eml", "mailparser__legacy__012.eml"):
        event = parse(name)
        assert event.subject == "Die Hasen und die Frösche (Microsoft Outlook 00)"
        assert event.text.startswith("Die Hasen und die Frösche\n\nDie Hasen klagten einst über")


def test_encoded_and_raw_8bit_sender_names() -> None:
    assert parse("imaptools__attachment_8bit.eml").author.display_name == "Каукин Владимир"
    latin1 = parse("flanker__from-encoding.eml").author
    assert latin1.display_name == "Ingo Lütkebohle"
    assert latin1.external_id == latin1.handle == "ingo@blank.pages.de"
    assert parse("imaptools__multi_charset__japanese_iso_2022.eml").subject == "まみむめも"


@pytest.mark.parametrize(
    "name",
    [
        "talon__standard_replies__gmail.eml",
        "talon__standard_replies__outlook.eml",
        "talon__standard_replies__apple_mail_2.eml",
        "talon__standard_replies__thunderbird.eml",  # bottom-posted under the quote
    ],
)
def test_quoted_originals_are_stripped(name: str) -> None:
    event = parse(name)
    assert event.text == "Hello"
    assert event.extra["quoted_text_removed"] is True


def test_name_wrote_quote_with_a_bottom_posted_answer() -> None:
    event = parse("flanker__from-encoding.eml")
    assert event.text.startswith("Isn't that the case for almost every other server")
    assert "Marc Slemko wrote" not in event.text


def test_forwarded_messages_are_content_not_quotes() -> None:
    event = parse("flanker__multi-received-headers.eml")
    assert "Forwarded message" in event.text
    assert "quoted_text_removed" not in event.extra


def test_quote_stripping_can_be_turned_off() -> None:
    raw = payload(FOLDER, "talon__standard_replies__gmail.eml").read_bytes()
    config = EmailConfig(address="care@example.com", strip_quotes=False)
    (event,) = EmailAdapter(config, clock=FrozenClock(NOW)).parse(raw).events
    assert "wrote:" in event.text


def test_attachments_are_references_not_text() -> None:
    (forwarded,) = parse("imaptools__attachment_8bit.eml").attachments
    assert (forwarded.filename, forwarded.content_type, forwarded.ref) == (
        "Message01.eml",
        "message/rfc822",
        "mime:2",
    )
    assert forwarded.size and forwarded.size > 1000
    (song,) = parse("imaptools__attachment_emails__attachment_with_encoded_name.eml").attachments
    assert song.filename and song.filename.startswith("01 Quien Te Dij")
    assert song.content_type == "application/octet-stream"
    event = parse("imaptools__attachment_8bit.eml")
    assert "Return-Path" not in event.text  # the attached message is not inlined


def test_signature_parts_are_not_attachments() -> None:
    event = parse("mailparser__malformed__015.eml")
    assert event.attachments == ()
    assert event.text == "There was a day \na happy day"


def test_missing_final_boundary_still_reads_the_body() -> None:
    assert parse("flanker__missing-final-boundary.eml").text == "Some body"


def test_bounces_are_ignored_naming_the_failed_recipient_and_the_bounced_message() -> None:
    gmail = adapter().parse(
        payload(FOLDER, "flanker__bounce__gmail-invalid-address.eml").read_bytes()
    )
    (ignored,) = gmail.ignored
    assert "bounce" in ignored.reason
    assert "awfawfawfawfawfaw@someserverhere.com" in ignored.reason
    assert "550 5.1.0" in ignored.reason
    assert ignored.ref == "CAKsfaBUUGqVZiaMrmH3TRPfq1odQPtM7Ey5YW1SgyJJRHtAjgw@mail.gmail.com"
    aol = adapter().parse(payload(FOLDER, "flanker__bounce__mailbox-full.eml").read_bytes())
    assert "user@aol.com" in aol.ignored[0].reason
    assert "MAILBOX FULL" in aol.ignored[0].reason
    assert aol.ignored[0].ref == "4E326A95.3010907@example.com"


def test_automatic_replies_are_ignored() -> None:
    mail = EmailMessage()
    mail["From"] = "kim@example.org"
    mail["Subject"] = "Out of office"
    mail["Auto-Submitted"] = "auto-replied"
    mail.set_content("I am away until Monday.")
    (ignored,) = adapter().parse(mail.as_bytes()).ignored
    assert "automatic reply" in ignored.reason


def test_mail_from_the_brands_own_address_is_outbound() -> None:
    event = (
        EmailAdapter(EmailConfig(address="Mary@Example.net"), clock=FrozenClock(NOW))
        .parse(payload(FOLDER, "imaptools__rfc2822__example06.eml").read_bytes())
        .events[0]
    )
    assert event.direction is Direction.OUTBOUND
    assert event.extra["reply_to"] == "smith@home.example"


def test_html_only_mail_becomes_safe_text() -> None:
    mail = EmailMessage()
    mail["From"] = "Kim <kim@example.org>"
    mail["Message-ID"] = "<html-1@example.org>"
    mail.set_content(
        "<html><head><title>t</title><style>p{color:red}</style></head><body>"
        "<script>alert('x')</script><p>My order <b>#123</b> is late&nbsp;&amp; broken.</p>"
        "<p>See <a href='https://shop.example/o/123'>my order</a></p>"
        "<div class='gmail_quote'>On Mon, Kim wrote:<blockquote>old text</blockquote></div>"
        "</body></html>",
        subtype="html",
    )
    (event,) = adapter().parse(mail.as_bytes()).events
    assert (
        event.text == "My order #123 is late & broken.\n\nSee my order <https://shop.example/o/123>"
    )
    assert event.extra["html_only"] is True


def test_html_lists_breaks_and_preformatted_text() -> None:
    html = "<ul><li>one</li><li>two</li></ul>a<br>b<pre>x\n  y</pre>"
    assert html_to_text(html) == "- one\n- two\na\nb\nx\n  y"


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("Thanks\n\nOn Mon, Apr 2, 2012 at 6:26 PM, Megan <m@x.com>\nwrote:\n> Hi", "Thanks"),
        ("Danke\n\nAm 02.04.2012 um 18:26 schrieb Megan <m@x.com>:\n> Hallo", "Danke"),
        ("Ok\n\n-----Original Message-----\nFrom: a\nSent: b\nTo: c\n\nold", "Ok"),
        ("Yes\n\n________________________________\nFrom: Shop\nSent: Monday\n\nold", "Yes"),
        ("Top\n> q1\nanswer\n> q2", "Top\n> q1\nanswer"),  # interleaved: only the tail goes
        ("> everything is quoted", "> everything is quoted"),
    ],
    ids=[
        "gmail-wrapped",
        "german",
        "original-message",
        "outlook-rule",
        "interleaved",
        "all-quoted",
    ],
)
def test_quote_styles(text: str, kept: str) -> None:
    assert strip_quoted(text).text == kept


def test_empty_and_headerless_input_is_refused() -> None:
    with pytest.raises(InputRejected, match="empty"):
        adapter().parse(b"   ")
    with pytest.raises(InputRejected, match="no sender"):
        adapter().parse(payload(FOLDER, "mailparser__malformed__005.eml").read_bytes())


def test_reply_to_names_where_answers_go_unless_it_is_the_sender_or_us() -> None:
    list_post = adapter().parse(payload(FOLDER, "flanker__from-encoding.eml").read_bytes())
    (event,) = list_post.events
    assert event.author.external_id == "ingo@blank.pages.de"
    assert event.extra["reply_to"] == "new-httpd@apache.org"  # the mailing list

    same = payload(FOLDER, "imaptools__attachment_emails__attachment_with_encoded_name.eml")
    assert "reply_to" not in adapter().parse(same.read_bytes()).events[0].extra  # = From

    mail = EmailMessage()
    mail["From"] = "Form <noreply@forms.example>"
    mail["Reply-To"] = "Kim <Kim@Example.org>, care@example.com, ops@example.org, kim@example.org"
    mail["Message-ID"] = "<form-1@forms.example>"
    mail.set_content("Ticket from the web form")
    (form,) = adapter().parse(mail.as_bytes()).events
    assert form.extra["reply_to"] == "kim@example.org, ops@example.org"  # never ourselves
