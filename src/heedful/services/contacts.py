"""Contacts: linking and unlinking identities (two handles, one person)."""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.errors import ValidationFailed
from heedful.services.events import record_event
from heedful.store.tables import Contact, ContactIdentity, Conversation


def link_identity(
    session: Session,
    identity: ContactIdentity,
    contact: Contact,
    *,
    clock: Clock,
    actor: str = "system",
    actor_agent_id: int | None = None,
) -> None:
    """Move ``identity`` to ``contact`` (the same person). Conversations started by the
    identity follow it; a contact left with no identity is deleted."""
    if identity.workspace_id != contact.workspace_id:
        raise ValidationFailed("an identity can only be linked to a contact of its own workspace")
    previous = identity.contact_id
    if previous == contact.id:
        return
    identity.contact_id = contact.id
    session.execute(
        update(Conversation)
        .where(Conversation.contact_id == previous, Conversation.channel == identity.channel)
        .values(contact_id=contact.id)
    )
    record_event(
        session,
        "contact.identity_linked",
        workspace_id=contact.workspace_id,
        actor=actor,
        actor_agent_id=actor_agent_id,
        now=clock.now(),
        subject=("contact", contact.id),
        data={"identity_id": identity.id, "from_contact_id": previous},
    )
    session.flush()
    left = session.scalar(
        select(func.count())
        .select_from(ContactIdentity)
        .where(ContactIdentity.contact_id == previous)
    )
    if not left:
        old = session.get(Contact, previous)
        if old is not None:
            remaining = session.scalar(
                select(func.count())
                .select_from(Conversation)
                .where(Conversation.contact_id == previous)
            )
            if not remaining:
                session.delete(old)


def unlink_identity(
    session: Session,
    identity: ContactIdentity,
    *,
    clock: Clock,
    actor: str = "system",
    actor_agent_id: int | None = None,
) -> Contact:
    """Give ``identity`` a contact of its own again (it was not the same person)."""
    siblings = session.scalar(
        select(func.count())
        .select_from(ContactIdentity)
        .where(ContactIdentity.contact_id == identity.contact_id)
    )
    if (siblings or 0) <= 1:
        raise ValidationFailed("this identity is the contact's only one: nothing to unlink")
    contact = Contact(
        workspace_id=identity.workspace_id,
        display_name=identity.display_name or identity.handle,
        created_at=clock.now(),
    )
    session.add(contact)
    session.flush()
    old = identity.contact_id
    identity.contact_id = contact.id
    session.execute(
        update(Conversation)
        .where(Conversation.contact_id == old, Conversation.channel == identity.channel)
        .values(contact_id=contact.id)
    )
    record_event(
        session,
        "contact.identity_unlinked",
        workspace_id=identity.workspace_id,
        actor=actor,
        actor_agent_id=actor_agent_id,
        now=clock.now(),
        subject=("contact", old),
        data={"identity_id": identity.id, "new_contact_id": contact.id},
    )
    return contact
