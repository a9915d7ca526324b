"""Instagram professional accounts: comments, @mentions and Instagram Direct messages."""
