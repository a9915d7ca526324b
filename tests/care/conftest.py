"""A workspace with three people (two agents and a lead) for the care workflow's tests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.clock import FrozenClock
from heedful.domain import InboundEvent
from heedful.services.agents import add_member, create_agent
from heedful.services.ingest import IngestResult, ingest_events
from heedful.services.workspaces import create_workspace
from heedful.store.db import Database
from heedful.store.tables import Agent, Conversation, Event, Message


@dataclass
class World:
    db: Database
    clock: FrozenClock
    ws: int
    anna: int
    ben: int
    lena: int  # the team lead

    def ingest(self, events: Sequence[InboundEvent]) -> IngestResult:
        with self.db.write() as session:
            return ingest_events(session, self.ws, events, clock=self.clock)

    def conversation_of(self, session: Session, external_id: str) -> Conversation:
        message = session.scalar(select(Message).where(Message.external_id == external_id))
        assert message is not None
        conversation = session.get(Conversation, message.conversation_id)
        assert conversation is not None
        return conversation

    def message(self, session: Session, external_id: str) -> Message:
        found = session.scalar(select(Message).where(Message.external_id == external_id))
        assert found is not None
        return found

    def agent(self, session: Session, agent_id: int) -> Agent:
        found = session.get(Agent, agent_id)
        assert found is not None
        return found

    def events(self, kind: str) -> list[Event]:
        with self.db.session() as session:
            return list(session.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))


@pytest.fixture
def world(db: Database, clock: FrozenClock) -> World:
    with db.write() as session:
        ws = create_workspace(
            session, slug="acme", name="Acme", clock=clock, timezone="Europe/London"
        )
        ids = []
        for name, role in (("Anna Bell", "agent"), ("Ben Cole", "agent"), ("Lena Park", "lead")):
            agent = create_agent(
                session, email=f"{name.split()[0].lower()}@acme.test", name=name, clock=clock
            )
            add_member(session, agent, ws, role=role, clock=clock)
            ids.append(agent.id)
        return World(db, clock, ws.id, *ids)
