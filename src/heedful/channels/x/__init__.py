"""X (Twitter): mentions and DMs by polling API v2, Account Activity / X Activity webhooks,
replies and DMs through API v2. See doc.md for connecting an account."""
