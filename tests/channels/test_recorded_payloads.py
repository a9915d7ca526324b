"""Every recorded payload of the X, Mastodon, Bluesky and Reddit folders parses into
well-formed events or is ignored with a reason: the table below says how many of each, so a
change in what a parser accepts is a deliberate edit here, and a new payload file fails until
someone decides what it should give (apprise-style: one harness, every file)."""

from __future__ import annotations

import pytest

from heedful.channels.registry import adapter_class
from heedful.channels.replay import parse_payload_file
from heedful.channels.testing import all_problems, payload_files
from tests.conftest import SHARED_DATA, shared_data

CHANNEL_OF_FOLDER = {
    "x_twitter": "x",
    "mastodon": "mastodon",
    "bluesky": "bluesky",
    "reddit": "reddit",
}

# file -> (events, ignored, rejected interactions)
EXPECTED = {
    "x_twitter/rtweet__mentions.json": (5, 0, 0),
    "x_twitter/tock__direct_message_event_received.json": (1, 0, 0),
    "x_twitter/tock__direct_message_indicate_typing_event.json": (0, 1, 0),
    "x_twitter/tock__incoming_tweet_with_mention.json": (1, 0, 0),
    "x_twitter/tweepy__test_client_create_and_delete_tweet.body1.json": (0, 1, 0),
    "x_twitter/tweepy__test_client_create_and_delete_tweet.body2.json": (0, 1, 0),
    "x_twitter/tweepy__test_client_create_and_delete_tweet.yaml": (0, 2, 0),
    "x_twitter/tweepy__test_client_get_tweet.body1.json": (0, 1, 0),
    "x_twitter/tweepy__test_client_get_tweet.yaml": (0, 1, 0),
    "x_twitter/tweepy__test_client_get_user.body1.json": (0, 1, 0),
    "x_twitter/tweepy__test_client_get_user.yaml": (0, 1, 0),
    "x_twitter/tweepy__test_client_get_users_mentions.body1.json": (0, 10, 0),
    "x_twitter/tweepy__test_client_get_users_mentions.yaml": (0, 10, 0),
    "x_twitter/tweepy__test_client_hide_and_unhide_reply.body1.json": (0, 1, 0),
    "x_twitter/tweepy__test_client_hide_and_unhide_reply.body2.json": (0, 1, 0),
    "x_twitter/tweepy__test_client_hide_and_unhide_reply.yaml": (0, 2, 0),
    "x_twitter/tweepy__test_client_search_recent_tweets.body1.json": (0, 10, 0),
    "x_twitter/tweepy__test_client_search_recent_tweets.yaml": (0, 10, 0),
    "x_twitter/tweepy__test_manage_and_lookup_direct_messages.body1.json": (0, 1, 0),
    "x_twitter/tweepy__test_manage_and_lookup_direct_messages.body2.json": (0, 1, 0),
    "x_twitter/tweepy__test_manage_and_lookup_direct_messages.body3.json": (0, 1, 0),
    "x_twitter/tweepy__test_manage_and_lookup_direct_messages.body4.json": (0, 1, 0),
    "x_twitter/tweepy__test_manage_and_lookup_direct_messages.body5.json": (0, 2, 0),
    "x_twitter/tweepy__test_manage_and_lookup_direct_messages.body6.json": (0, 2, 0),
    "x_twitter/tweepy__test_manage_and_lookup_direct_messages.yaml": (0, 8, 0),
    "x_twitter/tweepy__testupdateanddestroystatus.json": (4, 0, 0),
    "x_twitter/twittered__tweet_list_v2_example.json": (3, 0, 0),
    "x_twitter/xdocs__aaa__direct_message_events.json": (1, 0, 0),
    "x_twitter/xdocs__xaa__dm.received.json": (1, 0, 0),
    "x_twitter/xdocs__xaa__post.mention.create.json": (1, 0, 0),
    "mastodon/mastodonpy__entity__test_entity_notification.yaml": (1, 39, 0),
    "mastodon/mastodonpy__test_account.yaml": (0, 2, 0),
    "mastodon/mastodonpy__test_conversations.yaml": (6, 2, 0),
    "mastodon/mastodonpy__test_grouped_notifications.yaml": (3, 6, 0),
    "mastodon/mastodonpy__test_notifications.yaml": (4, 2, 0),
    "mastodon/mastodonpy__test_notifications_mentions_only.yaml": (3, 1, 0),
    "mastodon/mastodonpy__test_status.yaml": (2, 1, 0),
    "mastodon/mastodonpy__test_status_edit.yaml": (3, 4, 0),
    "mastodon/mastodonpy__test_status_missing.yaml": (0, 1, 0),
    "mastodon/mastodonpy__test_status_post__None-direct.yaml": (1, 1, 0),
    "mastodon/mastodonpy__test_status_reply.yaml": (2, 3, 0),
    "bluesky/atproto_dart__app.bsky.actor.getProfile.json": (0, 1, 0),
    "bluesky/atproto_dart__app.bsky.feed.getPosts.json": (1, 0, 0),
    "bluesky/atproto_dart__app.bsky.notification.listNotifications.json": (24, 176, 0),
    "bluesky/atproto_dart__chat.bsky.convo.getMessages.json": (1, 1, 0),
    "bluesky/atproto_dart__chat.bsky.convo.listConvos.json": (1, 0, 0),
    "bluesky/atproto_dart__chat.bsky.convo.sendMessage.json": (1, 0, 0),
    "bluesky/atproto_py__extended_post_record.json": (1, 0, 0),
    "bluesky/atproto_py__like_record.json": (0, 1, 0),
    "bluesky/atproto_py__post_record.json": (1, 0, 0),
    "bluesky/atproto_py__thread_view_post_with_embed_media.json": (1, 0, 0),
    "reddit/praw__TestComment.test_attributes.json": (1, 1, 0),
    "reddit/praw__TestComment.test_reply.json": (1, 1, 0),
    "reddit/praw__TestInbox.test_comment_replies.json": (64, 1, 0),
    "reddit/praw__TestInbox.test_mentions.json": (16, 1, 0),
    "reddit/praw__TestInbox.test_message.json": (1, 1, 0),
    "reddit/praw__TestInbox.test_unread.json": (62, 3, 0),
    "reddit/praw__TestRedditor.test_message.json": (0, 3, 0),
}


def _present_files() -> list[str]:
    found = []
    for folder in CHANNEL_OF_FOLDER:
        path = SHARED_DATA / "payloads" / folder
        if path.is_dir():
            found += [f"{folder}/{p.name}" for p in payload_files(path)]
    return found


@pytest.mark.parametrize("name", sorted(set(EXPECTED) | set(_present_files())))
def test_every_payload_is_parsed_or_ignored_with_a_reason(name: str) -> None:
    folder, filename = name.split("/", 1)
    channel = CHANNEL_OF_FOLDER[folder]
    outcome = parse_payload_file(
        adapter_class(channel).unconfigured(), shared_data("payloads", folder, filename)
    )

    assert all_problems(outcome.events, channel) == []
    assert all(item.reason.strip() for item in outcome.ignored)
    counts = (len(outcome.events), len(outcome.ignored), len(outcome.rejected))
    assert name in EXPECTED, f"new payload {name} gives {counts}: decide and add it to EXPECTED"
    assert counts == EXPECTED[name], outcome.rejected or [i.reason for i in outcome.ignored][:5]
