"""Facebook Pages: feed comments and posts, mentions, ratings and Messenger conversations."""
