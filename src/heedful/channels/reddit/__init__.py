"""Reddit: inbox mentions, comment and post replies, private messages (t1_/t4_ fullnames);
replies through /api/comment; listening with site search."""
