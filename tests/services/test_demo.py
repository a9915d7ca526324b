"""The demo shows every pillar with real data: promises made by named agents, most kept in time
by a later reply, some broken and re-raised, statuses where a working week leaves them."""

from __future__ import annotations

from sqlalchemy import func, select

from heedful.clock import FrozenClock
from heedful.services.demo import create_demo
from heedful.store.db import Database
from heedful.store.tables import Conversation, Message, Promise


def test_the_demo_tracks_the_promises_its_replies_made(db: Database, clock: FrozenClock) -> None:
    with db.write() as session:
        create_demo(session, clock)
    with db.session() as session:
        states = dict(
            session.execute(select(Promise.state, func.count()).group_by(Promise.state)).all()
        )
        assert states.get("kept", 0) >= 10 and states.get("broken", 0) >= 1
        for promise in session.scalars(select(Promise).where(Promise.state == "kept")):
            keeper = session.get(Message, promise.settled_by_message_id)
            assert keeper is not None and keeper.conversation_id == promise.conversation_id
            assert keeper.created_at > promise.created_at and promise.owner_id is not None
        broken = session.scalars(select(Promise).where(Promise.state == "broken")).all()
        for promise in broken:  # re-raised: back in the queue
            conversation = session.get(Conversation, promise.conversation_id)
            assert conversation is not None and conversation.status != "resolved"
