"""Mastodon (and compatible fediverse servers): mentions and direct messages by polling the
notifications API, hashtag/search listening, replies with in_reply_to_id and visibility."""
