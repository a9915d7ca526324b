"""Planned ingest: a batch worked out on one connection and written on another, so that an
import plans batch N+1 while the database writes batch N (see
:func:`heedful.services.importers.runner.run_import`).

A plan is what :func:`heedful.services.ingest.ingest_events` would do to the store, worked
out without writing: the rows to insert, the identities to refresh, the conversations whose
timestamps to recompute. It is made from what is committed plus an :class:`Overlay`: what the
batch still being written will have stored once it commits, so that batch N+1 threads exactly
as it would after N (a reply to a message of N joins N's conversation; a customer of N writing
again within the window joins their open conversation; a conversation N folds into another is
read as that one). :func:`write_plan` then writes it in one transaction, and the result is the
serial path's, row for row (tests/services/importers/test_pipeline.py compares the two).

Two cases are not planned but handed back to the serial path (:class:`CannotPlan`): a batch
that edits stored messages, and one whose brand accounts do not exist yet (the first batches
of an import). And a plan is only good if nobody else wrote in between: the importer holds
the workspace's scope lock for that (``heedful.store.dialect.hold_scope``), and
:func:`write_plan` still refuses (:class:`Replan`) a plan whose identities or messages the
database no longer takes.

One difference with the serial path remains, by design: an agent who resolves or reopens a
conversation of the import while the batch before is being written can see the next batch
thread as if they had acted a moment later (the serial path has the same race, over a shorter
window).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.domain import ConversationStatus, InboundEvent
from heedful.services.ingest import (
    CONTACT,
    CONVERSATION,
    CONVERSATION_COLUMNS,
    IDENTITY,
    IDENTITY_COLUMNS,
    INBOUND,
    MESSAGE,
    MESSAGE_COLUMNS,
    IngestOptions,
    IngestResult,
    _Batch,
    _Identity,
    _IdentityRow,
    _Threader,
    chunked,
    identity_changes,
    new_conversation_keys,
    update_identities,
)
from heedful.store.bulk import (
    allocate_ids,
    dialect_name,
    in_values,
    insert_rows,
    insert_rows_racing,
    integrity_errors,
)

RESOLVED = ConversationStatus.RESOLVED.value
# where a new conversation's row holds what the overlay keeps of it
_CONTACT, _CHANNEL, _LAST_ACTIVITY = (
    CONVERSATION_COLUMNS.index(name) for name in ("contact_id", "channel", "last_activity_at")
)


class CannotPlan(Exception):
    """This batch takes the serial path: it edits stored messages or brings brand accounts
    not stored yet."""


class Replan(Exception):
    """The store refused a row the plan counted on (another writer stored it in between): the
    batch goes through the serial path instead."""


class ConversationState(NamedTuple):
    """What threading reads of a conversation, as it will be once a batch commits."""

    contact_id: int | None
    channel: str
    last_activity_at: datetime  # the newest message's time, as the recompute leaves it
    resolved: bool
    resolved_at: datetime | None


@dataclass
class Overlay:
    """What a batch being written will have stored once it commits."""

    messages: dict[tuple[str, str], int] = field(default_factory=dict)  # key → conversation
    replies: dict[tuple[str, str], set[int]] = field(default_factory=dict)  # parent → convs
    threads: dict[tuple[str, str], int] = field(default_factory=dict)  # thread → first conv
    identities: dict[tuple[str, str], _IdentityRow] = field(default_factory=dict)
    conversations: dict[int, ConversationState] = field(default_factory=dict)
    merged: dict[int, int] = field(default_factory=dict)  # folded conversation → the one kept
    top_ids: dict[str, int] = field(default_factory=dict)  # table → highest id it took


@dataclass
class Plan:
    workspace_id: int
    options: IngestOptions
    now: datetime
    result: IngestResult
    quarantined: list[tuple[bytes, str, str | None]] = field(default_factory=list)
    locked: list[InboundEvent] = field(default_factory=list)  # whose keys the write locks
    events: list[InboundEvent] = field(default_factory=list)  # to store, in time order
    contacts: list[tuple[Any, ...]] = field(default_factory=list)
    identities: list[tuple[Any, ...]] = field(default_factory=list)
    identity_changes: list[dict[str, Any]] = field(default_factory=list)
    conversations: list[tuple[Any, ...]] = field(default_factory=list)
    messages: list[tuple[Any, ...]] = field(default_factory=list)
    existing: set[int] = field(default_factory=set)  # stored conversations getting messages
    merges: list[tuple[int, int]] = field(default_factory=list)  # stored (folded, kept) pairs
    conv_of: dict[tuple[str, str], int] = field(default_factory=dict)
    stored: dict[tuple[str, str], int] = field(default_factory=dict)  # key → message id
    identity_of: dict[tuple[str, str], _Identity] = field(default_factory=dict)
    accounts: dict[tuple[str, str], int] = field(default_factory=dict)
    overlay: Overlay = field(default_factory=Overlay)


def plan_events(
    session: Session,
    workspace_id: int,
    events: Sequence[InboundEvent],
    *,
    clock: Clock,
    options: IngestOptions,
    overlay: Overlay,
) -> Plan:
    """Work out what ``ingest_events`` would store for ``events``, reading through
    ``session`` what is committed and from ``overlay`` what the batch in flight will add.
    Raises :class:`CannotPlan` for the cases the serial path must take."""
    return _Planner(session, workspace_id, clock, options, overlay).make(events)


def write_plan(session: Session, plan: Plan, clock: Clock) -> IngestResult:
    """Write a plan in the caller's transaction. Raises :class:`Replan` (the transaction must
    then be rolled back) when the database refuses a row the plan counted on."""
    batch = _Batch(session, plan.workspace_id, clock, plan.options)
    batch.now = plan.now
    batch.result = plan.result
    for raw, reason, locator in plan.quarantined:
        batch._quarantine(raw, reason, locator)
    if plan.locked:
        batch._lock(plan.locked)
    if plan.events:
        try:
            insert_rows(
                session,
                CONTACT,
                ("id", "workspace_id", "display_name", "created_at"),
                plan.contacts,
            )
            keys = ("workspace_id", "channel", "external_id")
            if len(
                insert_rows_racing(session, IDENTITY, IDENTITY_COLUMNS, plan.identities, keys)
            ) < len(plan.identities):
                raise Replan("an identity of the plan was created by another writer")
            update_identities(session, plan.identity_changes)
            insert_rows(session, CONVERSATION, CONVERSATION_COLUMNS, plan.conversations)
            if len(
                insert_rows_racing(session, MESSAGE, MESSAGE_COLUMNS, plan.messages, keys)
            ) < len(plan.messages):
                raise Replan("a message of the plan was stored by another writer")
        except integrity_errors(session) as exc:  # SQLite inserts with no fallback
            raise Replan(str(exc)) from exc
        batch._merge(plan.merges)
        batch._recompute(
            plan.existing, plan.events, plan.conv_of, plan.stored, plan.identity_of, plan.accounts
        )
    batch._log_batch()
    return batch.result


class _Planner(_Batch):
    """``_Batch`` with reads that see the overlay too, and writes kept in a plan."""

    def __init__(
        self,
        session: Session,
        workspace_id: int,
        clock: Clock,
        options: IngestOptions,
        overlay: Overlay,
    ) -> None:
        super().__init__(session, workspace_id, clock, options)
        self.overlay = overlay
        self.plan = Plan(workspace_id, options, self.now, self.result)
        self.sqlite = dialect_name(session) == "sqlite"

    def make(self, events: Sequence[InboundEvent]) -> Plan:
        self.run(events)  # the serial steps, with the hooks below reading and keeping
        return self.plan

    def _lock(self, events: list[InboundEvent]) -> None:
        self.plan.locked = list(events)  # locked by the write

    def _threader(
        self, events: list[InboundEvent], identities: dict[tuple[str, str], _Identity]
    ) -> _Threader:
        return _PlannedThreader(self, events, identities)

    def _log_batch(self) -> None:
        pass  # logged by the write, with its result

    # -- reads: the store, and what the batch in flight adds --------------------------------

    def _allocate(self, table: Table, count: int) -> list[int]:
        if count <= 0:
            return []
        if not self.sqlite:  # a sequence: any connection may draw from it
            ids = allocate_ids(self.session, table, count)
        else:  # max(id) + 1…, past what the batch in flight took (SQLite has one writer)
            stored = self.session.execute(
                select(func.coalesce(func.max(table.c.id), 0))
            ).scalar_one()
            top = max(int(stored), self.overlay.top_ids.get(table.name, 0))
            ids = list(range(top + 1, top + 1 + count))
        self.plan.overlay.top_ids[table.name] = ids[-1]
        return ids

    def _existing_message_ids(self, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        in_flight = self.overlay.messages
        found = {key for key in keys if key in in_flight}
        return found | super()._existing_message_ids(keys - found)

    def _load_identities(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], _IdentityRow]:
        in_flight = self.overlay.identities
        found = {key: in_flight[key] for key in keys if key in in_flight}
        found.update(super()._load_identities(keys - found.keys()))
        return found

    # -- writes, kept --------------------------------------------------------------------

    def _quarantine(self, raw: bytes, reason: str, locator: str | None) -> None:
        self.plan.quarantined.append((raw, reason, locator))

    def _apply_edits(self, edits: list[InboundEvent]) -> None:
        raise CannotPlan("the batch edits stored messages")

    def _create_accounts(self, *args: Any) -> dict[tuple[str, str], int]:
        raise CannotPlan("the batch brings brand accounts not stored yet")

    def _create_identities(
        self, keys: list[tuple[str, str]], events: list[InboundEvent]
    ) -> dict[tuple[str, str], _IdentityRow]:
        contact_ids = self._allocate(CONTACT, len(events))
        identity_ids = self._allocate(IDENTITY, len(events))
        now, ws = self.now, self.ws
        created: dict[tuple[str, str], _IdentityRow] = {}
        for key, iid, cid, e in zip(keys, identity_ids, contact_ids, events, strict=True):
            a = e.author
            self.plan.contacts.append((cid, ws, a.display_name or a.handle, now))
            self.plan.identities.append(
                (
                    iid,
                    ws,
                    cid,
                    e.channel,
                    a.external_id,
                    a.handle,
                    a.display_name,
                    a.followers,
                    now,
                    now,
                )
            )
            created[key] = _IdentityRow(iid, cid, a.handle, a.display_name, a.followers)
        return created

    def _refresh_identities(
        self,
        latest: dict[tuple[str, str], InboundEvent],
        known: dict[tuple[str, str], _IdentityRow],
    ) -> None:
        changes = identity_changes(latest, known, self.now)
        self.plan.identity_changes = changes
        after = self.plan.overlay.identities
        for key in latest:
            after[key] = known[key]
        by_id = {row.id: key for key, row in after.items()} if changes else {}
        for change in changes:
            key = by_id[change["_id"]]
            row = after[key]
            after[key] = _IdentityRow(
                row.id,
                row.contact_id,
                change["handle"],
                change["display_name"],
                change["followers"],
            )

    def _store(
        self,
        events: list[InboundEvent],
        assignment: dict[tuple[str, str], int],
        threader: _Threader,
        identities: dict[tuple[str, str], _Identity],
        accounts: dict[tuple[str, str], int],
    ) -> None:
        plan = self.plan
        plan.merges = threader.merges()
        new_keys = new_conversation_keys(assignment)
        ids, plan.conversations = self._conversation_rows(
            new_keys, events, assignment, identities, accounts
        )
        created = dict(zip(new_keys, ids, strict=True))
        conv_of = {key: (created[k] if k < 0 else k) for key, k in assignment.items()}
        message_ids, plan.messages = self._message_rows(events, conv_of, identities, accounts)
        stored = {
            (e.channel, e.external_id): mid for mid, e in zip(message_ids, events, strict=True)
        }
        touched = set(conv_of.values())
        plan.events, plan.conv_of, plan.stored = events, conv_of, stored
        plan.identity_of, plan.accounts = identities, accounts
        plan.existing = touched - set(ids)
        result = self.result
        result.conversations_created = len(ids)
        result.stored = len(events)
        result.message_ids = sorted(message_ids)
        result.conversation_ids = touched
        self._plan_overlay(events, conv_of, identities)

    def _plan_overlay(
        self,
        events: list[InboundEvent],
        conv_of: dict[tuple[str, str], int],
        identities: dict[tuple[str, str], _Identity],
    ) -> None:
        """What this batch will have stored once written (the next batch is planned on it)."""
        after = self.plan.overlay
        for row in self.plan.conversations:
            after.conversations[row[0]] = ConversationState(
                row[_CONTACT], row[_CHANNEL], row[_LAST_ACTIVITY], False, None
            )
        for e in events:
            conv = conv_of[(e.channel, e.external_id)]
            after.messages[(e.channel, e.external_id)] = conv
            if e.in_reply_to:
                after.replies.setdefault((e.channel, e.in_reply_to), set()).add(conv)
            if e.thread_ref:
                ref = (e.channel, e.thread_ref)
                after.threads[ref] = min(after.threads.get(ref, conv), conv)
        if self.plan.existing:
            self._plan_existing(events, conv_of, identities)

    def _plan_existing(
        self,
        events: list[InboundEvent],
        conv_of: dict[tuple[str, str], int],
        identities: dict[tuple[str, str], _Identity],
    ) -> None:
        """The stored conversations that get messages, as the write will leave them: the
        contact filled in if it had none, the last activity recomputed from their messages,
        reopened if resolved and the customer wrote since."""
        existing = self.plan.existing
        folded = {loser: winner for loser, winner in self.plan.merges}
        self.plan.overlay.merged = folded
        before = self._states_before(existing | folded.keys())
        newest: dict[int, datetime] = {}
        for loser, winner in folded.items():  # its messages are the winner's now
            newest[winner] = max(
                newest.get(winner, before[loser].last_activity_at), before[loser].last_activity_at
            )
        newest_in: dict[int, datetime] = {}
        first_contact: dict[int, int] = {}
        for e in events:
            conv = conv_of[(e.channel, e.external_id)]
            if conv not in existing:
                continue
            newest[conv] = max(newest.get(conv, e.created_at), e.created_at)
            if e.direction is INBOUND:
                newest_in[conv] = max(newest_in.get(conv, e.created_at), e.created_at)
                first_contact.setdefault(
                    conv, identities[(e.channel, e.author.external_id)].contact_id
                )
        after = self.plan.overlay.conversations
        for conv in existing:
            state = before[conv]
            contact = state.contact_id if state.contact_id is not None else first_contact.get(conv)
            last = max(state.last_activity_at, newest[conv])
            resolved, resolved_at = state.resolved, state.resolved_at
            wrote = newest_in.get(conv)
            if resolved and wrote is not None and (resolved_at is None or wrote >= resolved_at):
                resolved, resolved_at = False, None
            after[conv] = ConversationState(contact, state.channel, last, resolved, resolved_at)

    def _states_before(self, ids: set[int]) -> dict[int, ConversationState]:
        in_flight = self.overlay.conversations
        states = {conv: in_flight[conv] for conv in ids if conv in in_flight}
        wanted = sorted(ids - states.keys())
        c, m = CONVERSATION.c, MESSAGE.c
        for part in chunked(wanted):
            newest = dict(
                self.session.execute(
                    select(m.conversation_id, func.max(m.created_at))
                    .where(in_values(self.session, m.conversation_id, part, name="convs"))
                    .group_by(m.conversation_id)
                ).all()
            )
            rows = self.session.execute(
                select(
                    c.id, c.contact_id, c.channel, c.status, c.resolved_at, c.last_activity_at
                ).where(in_values(self.session, c.id, part, name="convs"))
            )
            for conv, contact, channel, status, resolved_at, last_activity in rows:
                states[conv] = ConversationState(
                    contact,
                    channel,
                    newest.get(conv, last_activity),
                    status == RESOLVED,
                    resolved_at,
                )
        return states


class _PlannedThreader(_Threader):
    """Threading lookups that see the batch in flight too: its messages, and the stored
    conversations it folds into others (what the store still files under a folded
    conversation is read as filed under the one kept)."""

    batch: _Planner

    def _kept(self, conv: int) -> int:
        return self.batch.overlay.merged.get(conv, conv)

    def _stored_conversations_of(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        in_flight = self.batch.overlay.messages
        found = {key: in_flight[key] for key in keys if key in in_flight}
        for key, conv in super()._stored_conversations_of(keys - found.keys()).items():
            found[key] = self._kept(conv)
        return found

    def _stored_thread_conversations(self) -> dict[tuple[str, str], int]:
        found = super()._stored_thread_conversations()  # folds applied through _kept
        in_flight = self.batch.overlay.threads
        for ref in {
            (e.channel, e.thread_ref) for e in self.events if e.thread_ref
        } & in_flight.keys():
            found[ref] = min(found.get(ref, in_flight[ref]), in_flight[ref])
        return found

    def _stored_waiting_children(self) -> dict[tuple[str, str], set[int]]:
        found = {
            key: {self._kept(conv) for conv in convs}
            for key, convs in super()._stored_waiting_children().items()
        }
        in_flight = self.batch.overlay.replies
        if in_flight:
            for e in self.events:
                key = (e.channel, e.external_id)
                if key in in_flight:
                    found[key] = found.get(key, set()) | in_flight[key]
        return found

    def _open_conversations(
        self, contacts: dict[str, set[int]]
    ) -> Iterator[tuple[int, int, str, datetime]]:
        in_flight = self.batch.overlay.conversations
        folded = self.batch.overlay.merged
        for row in super()._open_conversations(contacts):
            if row[0] not in in_flight and row[0] not in folded:  # as before the batch in flight
                yield row
        for conv, state in in_flight.items():
            if (
                not state.resolved
                and state.contact_id is not None
                and state.contact_id in contacts.get(state.channel, ())
            ):
                yield conv, state.contact_id, state.channel, state.last_activity_at


__all__ = ["CannotPlan", "Overlay", "Plan", "Replan", "plan_events", "write_plan"]
