"""Every recorded Facebook / Instagram webhook body parses into well-formed events or is
ignored with a reason; the table says which, so changing a decision is a deliberate edit."""

from __future__ import annotations

import pytest

from heedful.channels.facebook.adapter import FacebookAdapter
from heedful.channels.instagram.adapter import InstagramAdapter
from heedful.channels.meta.adapter import MetaAdapter
from heedful.channels.meta.hydrate import needs_hydration
from heedful.channels.replay import parse_payload_file
from heedful.channels.testing import all_problems, payload_files
from heedful.domain import Direction, InboundEvent, MessageKind, Visibility
from heedful.errors import InputRejected
from tests.channels.conftest import payload
from tests.conftest import SHARED_DATA

FOLDER = "facebook_instagram"

# file -> (events, ignored); every file in the folder must be listed here.
EXPECTED = {
    "restfb__feed-comment-add-211.json": (1, 0),
    "restfb__feed-comment-add-with-photo.json": (1, 0),
    "restfb__feed-comment-edited-25.json": (1, 0),  # an update of the same comment id
    "restfb__feed-comment-hide.json": (0, 1),
    "restfb__feed-comment-remove-25.json": (0, 1),
    "restfb__feed-comment-unhide.json": (0, 1),
    "restfb__feed-post-add-25.json": (1, 0),
    "restfb__feed-reaction-add.json": (0, 1),
    "restfb__feed-share-add-25.json": (1, 0),
    "restfb__feed-status-add-25.json": (1, 0),
    "restfb__instagram__messaging-seen.json": (0, 1),
    "restfb__instagram__wh-comments-2021.json": (1, 0),
    "restfb__instagram__wh-mentions.json": (1, 0),  # ids only: hydrated before ingest
    "restfb__mention-post-add-real.json": (1, 0),  # no author: hydrated before ingest
    "restfb__messaging-delivery-basic.json": (0, 1),
    "restfb__messaging-message-basic-echo.json": (1, 0),
    "restfb__messaging-message-basic.json": (1, 0),
    "restfb__messaging-message-fallback-attachment.json": (1, 0),
    "restfb__messaging-message-media-attachment.json": (1, 0),
    "restfb__messaging-message-quickreply.json": (1, 0),
    "restfb__messaging-message-reply-1.json": (1, 0),
    "restfb__messaging-message-reply-2.json": (1, 0),
    "restfb__messaging-postback-basic.json": (1, 0),
    "restfb__messaging-reaction-1.json": (0, 1),
    "restfb__messaging-read-basic.json": (0, 1),
    "restfb__ratings-rating-add-25.json": (1, 0),
}


def adapter_for(name: str) -> MetaAdapter:  # type: ignore[type-arg]
    return (InstagramAdapter if "instagram__" in name else FacebookAdapter).unconfigured()  # type: ignore[return-value]


def parse(name: str) -> list[InboundEvent]:
    return list(adapter_for(name).parse(payload(FOLDER, name).read_bytes()).events)


def _present() -> list[str]:
    folder = SHARED_DATA / "payloads" / FOLDER
    return [p.name for p in payload_files(folder)] if folder.is_dir() else []


@pytest.mark.parametrize("name", sorted(set(EXPECTED) | set(_present())))
def test_every_payload_is_parsed_or_ignored_with_a_reason(name: str) -> None:
    adapter = adapter_for(name)
    outcome = parse_payload_file(adapter, payload(FOLDER, name))

    complete = [e for e in outcome.events if not needs_hydration(e)]
    assert all_problems(complete, adapter.slug) == []
    assert all(item.reason.strip() for item in outcome.ignored)
    counts = (len(outcome.events), len(outcome.ignored))
    assert name in EXPECTED, f"new payload {name} gives {counts}: decide and add it to EXPECTED"
    assert counts == EXPECTED[name], [i.reason for i in outcome.ignored]
    assert outcome.rejected == []


def test_the_other_platforms_payload_is_refused_with_a_reason() -> None:
    body = payload(FOLDER, "restfb__instagram__wh-comments-2021.json").read_bytes()
    with pytest.raises(InputRejected, match=r"'instagram'.*reads 'page'"):
        FacebookAdapter.unconfigured().parse(body)


@pytest.mark.parametrize("body", [b"", b"not json", b"[]", b'{"object": "page"}'])
def test_bodies_that_are_not_webhooks_are_refused(body: bytes) -> None:
    with pytest.raises(InputRejected):
        FacebookAdapter.unconfigured().parse(body)


def test_customer_comment_threads_under_its_post() -> None:
    (event,) = parse("restfb__feed-post-add-25.json")
    assert event.kind is MessageKind.POST
    assert event.direction is Direction.INBOUND
    assert event.author.external_id == "8423678347823"
    assert event.author.display_name == "John Doe"
    assert event.account_ref == "1234567890321"
    assert event.thread_ref == event.external_id == "1234567890321_7293787835232"


def test_the_pages_own_comment_is_outbound_and_answers_its_parent() -> None:
    (event,) = parse("restfb__feed-comment-add-211.json")
    assert event.kind is MessageKind.COMMENT
    assert event.direction is Direction.OUTBOUND  # from.id is the Page itself
    assert event.in_reply_to == "1234567890321_901097836652708"
    assert event.thread_ref == "1234567890321_901097836652708"
    assert event.visibility is Visibility.PUBLIC


def test_comment_photo_is_an_attachment_link() -> None:
    (event,) = parse("restfb__feed-comment-add-with-photo.json")
    (photo,) = event.attachments
    assert photo.content_type == "image/*"
    assert photo.url and photo.url.startswith("https://scontent")


def test_an_edit_keeps_the_comment_id_and_says_so() -> None:
    (event,) = parse("restfb__feed-comment-edited-25.json")
    assert event.external_id == "900728623356296_900744590021366"
    assert event.extra["edited"] is True


def test_rating_is_a_review_with_stars() -> None:
    (event,) = parse("restfb__ratings-rating-add-25.json")
    assert event.kind is MessageKind.REVIEW
    assert event.rating == 3.0
    assert event.text == "Ja ziemlich coole Sache"
    assert event.author.external_id == "705955836155788"


def test_messenger_message_is_a_private_dm_in_the_customers_thread() -> None:
    (event,) = parse("restfb__messaging-message-basic.json")
    assert event.kind is MessageKind.DM
    assert event.visibility is Visibility.PRIVATE
    assert event.author.external_id == "987654321432"  # a JSON number in the payload
    assert event.thread_ref == "12345654332:987654321432"
    assert event.created_at.isoformat() == "2016-03-12T06:29:57.627000+00:00"


def test_echo_is_the_brands_own_outbound_message_in_the_same_thread() -> None:
    (echo,) = parse("restfb__messaging-message-basic-echo.json")
    (customer,) = parse("restfb__messaging-message-basic.json")
    assert echo.direction is Direction.OUTBOUND
    assert echo.author.external_id == "12345654332"
    assert echo.thread_ref == customer.thread_ref


def test_reply_to_quick_reply_postback_and_attachments() -> None:
    (reply,) = parse("restfb__messaging-message-reply-1.json")
    assert reply.in_reply_to == "very_long_id_representing_the_original_message"
    (story,) = parse("restfb__messaging-message-reply-2.json")
    assert story.extra["reply_to_story"] == {"id": "STORY_ID", "url": "EXAMPLE_URL"}
    (quick,) = parse("restfb__messaging-message-quickreply.json")
    assert quick.extra["quick_reply"] == "PAYLOAD_QUICK_REPLY"
    (postback,) = parse("restfb__messaging-postback-basic.json")
    assert postback.text == "USER_DEFINED_PAYLOAD"
    (media,) = parse("restfb__messaging-message-media-attachment.json")
    assert [(a.content_type, a.url) for a in media.attachments] == [("image/*", "IMAGE_URL")]
    (fallback,) = parse("restfb__messaging-message-fallback-attachment.json")
    assert fallback.attachments[0].url == "https://www.messenger.com/"


def test_receipts_and_reactions_are_ignored_with_reasons() -> None:
    for name, words in [
        ("restfb__messaging-delivery-basic.json", "delivery receipt"),
        ("restfb__messaging-read-basic.json", "read receipt"),
        ("restfb__instagram__messaging-seen.json", "read receipt"),
        ("restfb__messaging-reaction-1.json", "reaction"),
        ("restfb__feed-reaction-add.json", "reaction"),
        ("restfb__feed-comment-hide.json", "moderation"),
    ]:
        result = adapter_for(name).parse(payload(FOLDER, name).read_bytes())
        assert result.events == ()
        assert words in result.ignored[0].reason


def test_instagram_comment_has_username_and_media_thread() -> None:
    (event,) = parse("restfb__instagram__wh-comments-2021.json")
    assert event.channel == "instagram"
    assert event.author.handle == "testuser"
    assert event.in_reply_to == "987654321"  # parent comment
    assert event.thread_ref == "76543987"  # the media


def test_mentions_without_content_are_marked_for_hydration() -> None:
    (ig,) = parse("restfb__instagram__wh-mentions.json")
    (fb,) = parse("restfb__mention-post-add-real.json")
    assert ig.kind is fb.kind is MessageKind.MENTION
    assert needs_hydration(ig) and needs_hydration(fb)
    assert fb.text == "A test post message"
