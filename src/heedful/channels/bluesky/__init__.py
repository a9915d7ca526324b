"""Bluesky (AT Protocol): mention/reply/quote notifications, chat (``chat.bsky.convo.*``) for
private messages, ``searchPosts`` listening, replies with root/parent strong refs."""
