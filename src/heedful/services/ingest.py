"""The ingest service: the single path every source uses (importers, connectors, webhooks).

A batch of normalized :class:`~heedful.domain.InboundEvent` objects becomes, in the caller's
transaction:

1. invalid events → quarantine (with the reason), never dropped;
2. idempotent upsert of each author's contact identity (a new identity gets a new contact);
3. duplicates (same channel + platform id already stored) skipped — the unique constraint is
   the final word, so two writers racing still store a message once;
4. threading into conversations (see :class:`_Threader` for the rules);
5. messages stored, conversation timestamps recomputed;
6. one ``ingest.batch`` event logged (plus one per conversation merge).

Everything is set-based (a handful of queries per batch, whatever its size), so a million-row
import and a single webhook event take the same code path.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Table, bindparam, case, delete, func, select, update
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.domain import ConversationStatus, Direction, InboundEvent
from heedful.domain.events import MAX_ID_CHARS, MAX_TEXT_CHARS, validate_event
from heedful.services.events import record_event
from heedful.store import search
from heedful.store.base import metadata, table_of
from heedful.store.bulk import allocate_ids, in_values, insert_rows, insert_rows_racing
from heedful.store.dialect import insert_ignoring_conflicts, lock_keys
from heedful.store.tables import (
    ChannelAccount,
    Contact,
    ContactIdentity,
    Conversation,
    Message,
    Quarantine,
)

QUERY_CHUNK = 20_000

# Enum members read as module constants: ``Direction.INBOUND`` goes through the enum's
# descriptor on every access, and the hot loops below read them once per event.
INBOUND = Direction.INBOUND
OUTBOUND = Direction.OUTBOUND

MESSAGE = table_of(Message)
CONVERSATION = table_of(Conversation)
IDENTITY = table_of(ContactIdentity)
CONTACT = table_of(Contact)
ACCOUNT = table_of(ChannelAccount)
QUARANTINE = table_of(Quarantine)

# Columns written by the bulk path. Columns other areas add to these tables must be nullable
# or have a server default: the bulk path does not apply Python-side defaults.
CONVERSATION_COLUMNS = (
    "id", "workspace_id", "contact_id", "channel", "channel_account_id", "status", "priority",
    "subject", "message_count", "first_inbound_at", "first_response_at", "last_inbound_at",
    "last_outbound_at", "last_activity_at", "created_at",
)  # fmt: skip
MESSAGE_COLUMNS = (
    "id", "workspace_id", "conversation_id", "channel", "channel_account_id", "external_id",
    "in_reply_to_external_id", "thread_ref", "kind", "direction", "visibility",
    "author_identity_id", "agent_id", "text", "unsolicited", "created_at", "ingested_at",
    "raw_ref",
)  # fmt: skip
IDENTITY_COLUMNS = (
    "id", "workspace_id", "contact_id", "channel", "external_id", "handle", "display_name",
    "followers", "created_at", "updated_at",
)  # fmt: skip


@dataclass(frozen=True)
class IngestOptions:
    """How a batch is threaded and recorded."""

    # A customer's new non-reply message joins their open conversation on the same channel
    # when that conversation saw activity within this window (default: 24 hours).
    window: timedelta = timedelta(hours=24)
    source: str = "api"  # recorded with the batch event and on quarantined input
    actor: str = "system"
    max_text_chars: int = MAX_TEXT_CHARS
    # The caller has already run validate_event on every event (the importers do, to
    # quarantine the raw row rather than the event): don't check twice.
    prevalidated: bool = False


@dataclass
class IngestResult:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    quarantined: int = 0
    conversations_created: int = 0
    conversations_merged: int = 0
    edited: int = 0  # stored messages whose text the platform reported changed
    message_ids: list[int] = field(default_factory=list)
    conversation_ids: set[int] = field(default_factory=set)  # conversations with new messages
    reasons: dict[str, int] = field(default_factory=dict)  # quarantine reasons and counts

    def add(self, other: IngestResult) -> None:
        for name in (
            "received",
            "stored",
            "duplicates",
            "quarantined",
            "conversations_created",
            "conversations_merged",
            "edited",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.message_ids.extend(other.message_ids)
        self.conversation_ids |= other.conversation_ids
        for reason, count in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + count


def is_edit(event: InboundEvent) -> bool:
    """Adapters mark a changed version of an already-seen message with ``extra["edited"]``
    (or ``extra["edited_at"]``)."""
    return bool(event.extra.get("edited") or event.extra.get("edited_at"))


def quarantine_fingerprint(workspace_id: int | None, source: str, raw: bytes) -> str:
    """What makes rejected input "the same": its workspace, its source and its bytes. Two
    workspaces importing the same file each keep its bad rows (migration 0001b_spine_quarantine
    gave the rows kept before theirs: their fingerprint left the workspace out)."""
    scope = b"" if workspace_id is None else str(workspace_id).encode()
    return hashlib.sha256(scope + b"\x00" + source.encode() + b"\x00" + raw).hexdigest()


def quarantine(
    session: Session,
    *,
    workspace_id: int | None,
    source: str,
    raw: bytes,
    reason: str,
    now: datetime,
    locator: str | None = None,
) -> bool:
    """Keep rejected input with its reason. The same input twice from the same source, in the
    same workspace, is kept once (returns False)."""
    fingerprint = quarantine_fingerprint(workspace_id, source, raw)
    stmt = insert_ignoring_conflicts(session, QUARANTINE, "fingerprint")
    kept = session.execute(
        stmt.values(
            workspace_id=workspace_id,
            source=source[:255],
            locator=locator[:255] if locator else None,
            raw=raw,
            reason=reason,
            fingerprint=fingerprint,
            created_at=now,
        ).returning(QUARANTINE.c.id)
    ).first()
    # (not rowcount: PostgreSQL's driver reports -1 for an INSERT … RETURNING, which
    # SQLAlchemy adds to fetch the new id, so a duplicate read as kept)
    return kept is not None


def ingest_events(
    session: Session,
    workspace_id: int,
    events: Sequence[InboundEvent],
    *,
    clock: Clock,
    options: IngestOptions | None = None,
) -> IngestResult:
    """Store a batch of events in ``workspace_id`` (see the module docstring). The caller owns
    the transaction: commit after, and a crash before the commit leaves nothing behind."""
    return _Batch(session, workspace_id, clock, options or IngestOptions()).run(events)


def chunked(values: Sequence[Any], size: int = QUERY_CHUNK) -> Iterator[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def new_conversation_keys(assignment: dict[tuple[str, str], int]) -> list[int]:
    """The batch's new conversations, as the threader keyed them (negative, -1 first): the
    order their ids are allocated in, by the serial path and by a plan alike."""
    return sorted({k for k in assignment.values() if k < 0}, key=lambda k: -k)


class _Identity(NamedTuple):
    id: int
    contact_id: int


class _IdentityRow(NamedTuple):
    """A stored identity, as far as an upsert needs it."""

    id: int
    contact_id: int
    handle: str | None
    display_name: str | None
    followers: int | None


@dataclass
class _ExistingConversation:
    id: int
    last_activity_at: datetime


class _Batch:
    def __init__(
        self, session: Session, workspace_id: int, clock: Clock, options: IngestOptions
    ) -> None:
        self.session = session
        self.ws = workspace_id
        self.clock = clock
        self.options = options
        self.now = clock.now()
        self.result = IngestResult()

    def _allocate(self, table: Table, count: int) -> list[int]:
        return allocate_ids(self.session, table, count)

    # -- the steps -------------------------------------------------------------------------

    def run(self, events: Sequence[InboundEvent]) -> IngestResult:
        self.result.received = len(events)
        fresh = self._drop_invalid(events)
        fresh = self._drop_repeats_in_batch(fresh)
        if not fresh:
            return self.result
        self._lock(fresh)
        fresh = self._drop_stored(fresh)
        if not fresh:
            return self.result
        fresh.sort(key=lambda e: (e.created_at, e.external_id))
        identities = self._upsert_identities(fresh)
        accounts = self._resolve_accounts(fresh)
        threader = self._threader(fresh, identities)
        assignment = threader.assign()
        self._store(fresh, assignment, threader, identities, accounts)
        self._log_batch()
        return self.result

    def _drop_invalid(self, events: Sequence[InboundEvent]) -> list[InboundEvent]:
        if self.options.prevalidated:
            return list(events)
        valid = []
        for event in events:
            reason = validate_event(event, self.options.max_text_chars)
            if reason is None:
                valid.append(event)
                continue
            raw = json.dumps(event.as_json(), ensure_ascii=False, default=str).encode("utf-8")
            self._quarantine(raw, reason, event.raw_ref)
            self.result.quarantined += 1
            self.result.reasons[reason] = self.result.reasons.get(reason, 0) + 1
        return valid

    def _quarantine(self, raw: bytes, reason: str, locator: str | None) -> None:
        quarantine(
            self.session,
            workspace_id=self.ws,
            source=self.options.source,
            raw=raw,
            reason=reason,
            now=self.now,
            locator=locator,
        )

    def _drop_repeats_in_batch(self, events: list[InboundEvent]) -> list[InboundEvent]:
        seen: set[tuple[str, str]] = set()
        unique = []
        for event in events:
            key = (event.channel, event.external_id)
            if key in seen:
                self.result.duplicates += 1
                continue
            seen.add(key)
            unique.append(event)
        return unique

    def _lock(self, events: list[InboundEvent]) -> None:
        # every fresh event brings its own message key, so a batch this big locks the scope
        lock_keys(self.session, self.ws, self._lock_keys(events), at_least=len(events))

    def _threader(
        self, events: list[InboundEvent], identities: dict[tuple[str, str], _Identity]
    ) -> _Threader:
        return _Threader(self, events, identities)

    def _lock_keys(self, events: list[InboundEvent]) -> Iterable[str]:
        for e in events:
            yield f"m:{e.channel}:{e.external_id}"
            yield f"a:{e.channel}:{e.author.external_id}"
            if e.in_reply_to:
                yield f"m:{e.channel}:{e.in_reply_to}"
            if e.thread_ref:
                yield f"t:{e.channel}:{e.thread_ref}"

    def _drop_stored(self, events: list[InboundEvent]) -> list[InboundEvent]:
        stored = self._existing_message_ids({(e.channel, e.external_id) for e in events})
        if not stored:  # the usual case in an import: nothing to filter, no edits
            return events
        fresh = [e for e in events if (e.channel, e.external_id) not in stored]
        self.result.duplicates += len(events) - len(fresh)
        edits = [e for e in events if (e.channel, e.external_id) in stored and is_edit(e)]
        if edits:
            self._apply_edits(edits)
        return fresh

    def _apply_edits(self, edits: list[InboundEvent]) -> None:
        """An edited post or comment arrives with the id it had: update the stored text and
        keep the previous wording in the event log (agents may have answered that one)."""
        for e in edits:
            row = self.session.execute(
                select(MESSAGE.c.id, MESSAGE.c.text, MESSAGE.c.conversation_id).where(
                    MESSAGE.c.workspace_id == self.ws,
                    MESSAGE.c.channel == e.channel,
                    MESSAGE.c.external_id == e.external_id,
                )
            ).one()
            if row.text == e.text:
                continue
            self.session.execute(update(MESSAGE).where(MESSAGE.c.id == row.id).values(text=e.text))
            search.reindex_message(self.session, row.id, row.text, e.text)
            self._log(
                "message.edited",
                ("message", row.id),
                {"conversation_id": row.conversation_id, "previous_text": row.text},
            )
            self.result.edited += 1

    def _existing_message_ids(self, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        found: set[tuple[str, str]] = set()
        for channel, ids in _group_by_channel(keys).items():
            for part in chunked(ids):
                rows = self.session.execute(
                    select(MESSAGE.c.external_id).where(
                        MESSAGE.c.workspace_id == self.ws,
                        MESSAGE.c.channel == channel,
                        in_values(self.session, MESSAGE.c.external_id, part, name="vals"),
                    )
                )
                found.update((channel, external_id) for (external_id,) in rows)
        return found

    # -- identities ------------------------------------------------------------------------

    def _upsert_identities(self, events: list[InboundEvent]) -> dict[tuple[str, str], _Identity]:
        latest: dict[tuple[str, str], InboundEvent] = {}
        for e in events:
            if e.direction is INBOUND:
                latest[(e.channel, e.author.external_id)] = e  # sorted: the newest wins
        known = self._load_identities(set(latest))
        missing = [key for key in latest if key not in known]
        if missing:
            known.update(self._create_identities(missing, [latest[key] for key in missing]))
            lost = {key for key in missing if key not in known}
            if lost:  # another writer created these first: read theirs
                known.update(self._load_identities(lost))
        self._refresh_identities(latest, known)
        return {key: _Identity(row.id, row.contact_id) for key, row in known.items()}

    def _load_identities(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], _IdentityRow]:
        found: dict[tuple[str, str], _IdentityRow] = {}
        for channel, ids in _group_by_channel(keys).items():
            for part in chunked(ids):
                rows = self.session.execute(
                    select(
                        IDENTITY.c.external_id,
                        IDENTITY.c.id,
                        IDENTITY.c.contact_id,
                        IDENTITY.c.handle,
                        IDENTITY.c.display_name,
                        IDENTITY.c.followers,
                    ).where(
                        IDENTITY.c.workspace_id == self.ws,
                        IDENTITY.c.channel == channel,
                        in_values(self.session, IDENTITY.c.external_id, part, name="vals"),
                    )
                )
                for external_id, *values in rows:
                    found[(channel, external_id)] = _IdentityRow(*values)
        return found

    def _create_identities(
        self, keys: list[tuple[str, str]], events: list[InboundEvent]
    ) -> dict[tuple[str, str], _IdentityRow]:
        """Create an identity and its contact per event; returns the identities this writer
        created, as stored (no need to read them back)."""
        contact_ids = self._allocate(CONTACT, len(events))
        insert_rows(
            self.session,
            CONTACT,
            ("id", "workspace_id", "display_name", "created_at"),
            [
                (cid, self.ws, e.author.display_name or e.author.handle, self.now)
                for cid, e in zip(contact_ids, events, strict=True)
            ],
        )
        identity_ids = self._allocate(IDENTITY, len(events))
        inserted = insert_rows_racing(
            self.session,
            IDENTITY,
            IDENTITY_COLUMNS,
            [
                (
                    iid,
                    self.ws,
                    cid,
                    e.channel,
                    e.author.external_id,
                    e.author.handle,
                    e.author.display_name,
                    e.author.followers,
                    self.now,
                    self.now,
                )
                for iid, cid, e in zip(identity_ids, contact_ids, events, strict=True)
            ],
            ("workspace_id", "channel", "external_id"),
        )
        created: dict[tuple[str, str], _IdentityRow] = {}
        orphans = []
        for key, iid, cid, e in zip(keys, identity_ids, contact_ids, events, strict=True):
            if iid in inserted:
                a = e.author
                created[key] = _IdentityRow(iid, cid, a.handle, a.display_name, a.followers)
            else:
                orphans.append(cid)
        if orphans:  # another writer created those identities first: drop our spare contacts
            self.session.execute(delete(CONTACT).where(CONTACT.c.id.in_(orphans)))
        return created

    def _refresh_identities(
        self,
        latest: dict[tuple[str, str], InboundEvent],
        known: dict[tuple[str, str], _IdentityRow],
    ) -> None:
        update_identities(self.session, identity_changes(latest, known, self.now))

    # -- brand accounts --------------------------------------------------------------------

    def _resolve_accounts(self, events: list[InboundEvent]) -> dict[tuple[str, str], int]:
        """Channel account ids by (channel, account external id or handle). Outbound authors
        are the brand's own accounts and are created when first seen (imports)."""
        wanted = {(e.channel, e.account_ref) for e in events if e.account_ref}
        outbound = {(e.channel, e.author.external_id): e for e in events if e.direction is OUTBOUND}
        wanted |= set(outbound)
        if not wanted:
            return {}
        channels = {channel for channel, _ in wanted}
        rows = self.session.execute(
            select(ACCOUNT.c.id, ACCOUNT.c.channel, ACCOUNT.c.external_id, ACCOUNT.c.handle).where(
                ACCOUNT.c.workspace_id == self.ws, ACCOUNT.c.channel.in_(channels)
            )
        ).all()
        found = _account_index(rows)
        missing = [key for key in outbound if key not in found]
        if missing:
            return self._create_accounts(missing, outbound, channels)
        return found

    def _create_accounts(
        self,
        missing: list[tuple[str, str]],
        outbound: dict[tuple[str, str], InboundEvent],
        channels: set[str],
    ) -> dict[tuple[str, str], int]:
        stmt = insert_ignoring_conflicts(
            self.session, ACCOUNT, "workspace_id", "channel", "external_id"
        )
        self.session.execute(
            stmt,
            [
                {
                    "workspace_id": self.ws,
                    "channel": channel,
                    "external_id": external_id,
                    "handle": outbound[(channel, external_id)].author.handle or external_id,
                    "display_name": outbound[(channel, external_id)].author.display_name,
                    "followers": outbound[(channel, external_id)].author.followers,
                    "status": "active",
                    "config": {},
                    "cursor": {},
                    "created_at": self.now,
                }
                for channel, external_id in missing
            ],
        )
        return self._resolve_accounts_again(channels)

    def _resolve_accounts_again(self, channels: set[str]) -> dict[tuple[str, str], int]:
        rows = self.session.execute(
            select(ACCOUNT.c.id, ACCOUNT.c.channel, ACCOUNT.c.external_id, ACCOUNT.c.handle).where(
                ACCOUNT.c.workspace_id == self.ws, ACCOUNT.c.channel.in_(channels)
            )
        ).all()
        return _account_index(rows)

    # -- storing ---------------------------------------------------------------------------

    def _store(
        self,
        events: list[InboundEvent],
        assignment: dict[tuple[str, str], int],
        threader: _Threader,
        identities: dict[tuple[str, str], _Identity],
        accounts: dict[tuple[str, str], int],
    ) -> None:
        new_keys = new_conversation_keys(assignment)
        created = self._create_conversations(new_keys, events, assignment, identities, accounts)
        conv_of = {key: (created[k] if k < 0 else k) for key, k in assignment.items()}
        inserted = self._insert_messages(events, conv_of, identities, accounts)
        self._merge(threader.merges())
        if len(inserted) == len(events):
            touched = set(conv_of.values())
        else:
            touched = {conv_of[key] for key in inserted}
        empty_new = set(created.values()) - touched
        if empty_new:  # a racing writer stored all of their messages first
            self.session.execute(delete(CONVERSATION).where(CONVERSATION.c.id.in_(empty_new)))
        self.result.conversations_created = len(created) - len(empty_new)
        existing = touched - set(created.values())
        if len(inserted) < len(events):
            existing = touched  # new conversations lost messages: recompute them too
        self._recompute(existing, events, conv_of, inserted, identities, accounts)
        self.result.stored = len(inserted)
        self.result.duplicates += len(events) - len(inserted)
        self.result.message_ids = sorted(inserted.values())
        self.result.conversation_ids = touched

    def _create_conversations(
        self,
        keys: list[int],
        events: list[InboundEvent],
        assignment: dict[tuple[str, str], int],
        identities: dict[tuple[str, str], _Identity],
        accounts: dict[tuple[str, str], int],
    ) -> dict[int, int]:
        ids, rows = self._conversation_rows(keys, events, assignment, identities, accounts)
        insert_rows(self.session, CONVERSATION, CONVERSATION_COLUMNS, rows)
        return dict(zip(keys, ids, strict=True))

    def _conversation_rows(
        self,
        keys: list[int],
        events: list[InboundEvent],
        assignment: dict[tuple[str, str], int],
        identities: dict[tuple[str, str], _Identity],
        accounts: dict[tuple[str, str], int],
    ) -> tuple[list[int], list[tuple[Any, ...]]]:
        """Ids and rows (in CONVERSATION_COLUMNS order) of the conversations the batch starts."""
        if not keys:
            return [], []
        members: dict[int, list[InboundEvent]] = defaultdict(list)
        for e in events:
            k = assignment[(e.channel, e.external_id)]
            if k < 0:
                members[k].append(e)
        ids = self._allocate(CONVERSATION, len(keys))
        rows = [
            self._conversation_row(cid, members[k], identities, accounts)
            for cid, k in zip(ids, keys, strict=True)
        ]
        return ids, rows

    def _conversation_row(
        self,
        conversation_id: int,
        events: list[InboundEvent],
        identities: dict[tuple[str, str], _Identity],
        accounts: dict[tuple[str, str], int],
    ) -> tuple[Any, ...]:
        inbound = [e for e in events if e.direction is INBOUND]
        outbound = [e for e in events if e.direction is OUTBOUND]
        first_in = inbound[0].created_at if inbound else None
        contact = (
            identities[(inbound[0].channel, inbound[0].author.external_id)].contact_id
            if inbound
            else None
        )
        responses = [
            e.created_at for e in outbound if first_in is not None and e.created_at >= first_in
        ]
        return (  # in CONVERSATION_COLUMNS order
            conversation_id,
            self.ws,
            contact,
            events[0].channel,
            _first_account(events, accounts),
            ConversationStatus.NEW.value,
            0,
            next((e.subject[:500] for e in events if e.subject), None),
            len(events),
            first_in,
            min(responses) if responses else None,
            inbound[-1].created_at if inbound else None,
            outbound[-1].created_at if outbound else None,
            events[-1].created_at,
            events[0].created_at,
        )

    def _insert_messages(
        self,
        events: list[InboundEvent],
        conv_of: dict[tuple[str, str], int],
        identities: dict[tuple[str, str], _Identity],
        accounts: dict[tuple[str, str], int],
    ) -> dict[tuple[str, str], int]:
        ids, rows = self._message_rows(events, conv_of, identities, accounts)
        inserted = insert_rows_racing(
            self.session, MESSAGE, MESSAGE_COLUMNS, rows, ("workspace_id", "channel", "external_id")
        )
        if len(inserted) == len(ids):
            return {(e.channel, e.external_id): mid for mid, e in zip(ids, events, strict=True)}
        return {
            (e.channel, e.external_id): mid
            for mid, e in zip(ids, events, strict=True)
            if mid in inserted
        }

    def _message_rows(
        self,
        events: list[InboundEvent],
        conv_of: dict[tuple[str, str], int],
        identities: dict[tuple[str, str], _Identity],
        accounts: dict[tuple[str, str], int],
    ) -> tuple[list[int], list[tuple[Any, ...]]]:
        """Ids and rows (in MESSAGE_COLUMNS order) of the batch's messages."""
        ids = self._allocate(MESSAGE, len(events))
        # One tight loop (no call per row): at import scale this is the hottest Python code.
        ws, now = self.ws, self.now
        rows = []
        for mid, e in zip(ids, events, strict=True):
            channel = e.channel
            if e.direction is INBOUND:
                identity = identities.get((channel, e.author.external_id))
                identity_id = identity.id if identity else None
                account = None
            else:
                identity_id = None
                account = accounts.get((channel, e.author.external_id))
            if account is None and e.account_ref:
                account = accounts.get((channel, e.account_ref))
            raw_ref = e.raw_ref
            rows.append(
                (  # in MESSAGE_COLUMNS order; ``_value_``: the enum's string, without the
                    # descriptor that ``.value`` goes through
                    mid,
                    ws,
                    conv_of[(channel, e.external_id)],
                    channel,
                    account,
                    e.external_id,
                    e.in_reply_to,
                    e.thread_ref,
                    e.kind._value_,
                    e.direction._value_,
                    e.visibility._value_,
                    identity_id,
                    None,
                    e.text,
                    e.unsolicited,
                    e.created_at,
                    now,
                    raw_ref[:500] if raw_ref else None,
                )
            )
        return ids, rows

    def _merge(self, merges: list[tuple[int, int]]) -> None:
        """Fold conversation ``loser`` into ``winner``: every row that points at the loser (in
        any table, including other areas' tables) is re-pointed, then the loser is deleted."""
        for loser, winner in merges:
            for table, column in _conversation_references():
                self.session.execute(
                    update(table).where(column == loser).values({column.name: winner})
                )
            owner = self.session.scalar(
                select(CONVERSATION.c.owner_id).where(CONVERSATION.c.id == loser)
            )
            if owner is not None:
                self.session.execute(
                    update(CONVERSATION)
                    .where(CONVERSATION.c.id == winner, CONVERSATION.c.owner_id.is_(None))
                    .values(owner_id=owner)
                )
            self.session.execute(delete(CONVERSATION).where(CONVERSATION.c.id == loser))
            self._log(
                "conversation.merged",
                ("conversation", winner),
                {"merged": loser, "reason": "reply threading"},
            )
            self.result.conversations_merged += 1

    def _recompute(
        self,
        conversation_ids: set[int],
        events: list[InboundEvent],
        conv_of: dict[tuple[str, str], int],
        inserted: dict[tuple[str, str], int],
        identities: dict[tuple[str, str], _Identity],
        accounts: dict[tuple[str, str], int],
    ) -> None:
        if not conversation_ids:
            return
        ids = sorted(conversation_ids)
        recompute_conversation_timestamps(self.session, ids)
        # the stored events of these conversations, picked once for the two steps below
        members = []
        for e in events:
            key = (e.channel, e.external_id)
            if key in inserted and conv_of[key] in conversation_ids:
                members.append((conv_of[key], e))
        self._fill_contact_and_account(members, identities, accounts)
        self._reopen(ids, members)

    def _fill_contact_and_account(
        self,
        members: list[tuple[int, InboundEvent]],
        identities: dict[tuple[str, str], _Identity],
        accounts: dict[tuple[str, str], int],
    ) -> None:
        contact_for: dict[int, int] = {}
        account_for: dict[int, int] = {}
        for conv, e in members:
            if e.direction is INBOUND:
                contact_for.setdefault(
                    conv, identities[(e.channel, e.author.external_id)].contact_id
                )
            account = _first_account([e], accounts)
            if account is not None:
                account_for.setdefault(conv, account)
        if contact_for:
            self.session.execute(
                update(CONVERSATION)
                .where(CONVERSATION.c.id == bindparam("_id"), CONVERSATION.c.contact_id.is_(None))
                .values(contact_id=bindparam("_contact")),
                [{"_id": conv, "_contact": contact} for conv, contact in contact_for.items()],
            )
        if account_for:
            self.session.execute(
                update(CONVERSATION)
                .where(
                    CONVERSATION.c.id == bindparam("_id"),
                    CONVERSATION.c.channel_account_id.is_(None),
                )
                .values(channel_account_id=bindparam("_account")),
                [{"_id": conv, "_account": account} for conv, account in account_for.items()],
            )

    def _reopen(self, ids: list[int], members: list[tuple[int, InboundEvent]]) -> None:
        """A customer writing again reopens a resolved conversation, or one waiting on them."""
        newest_in: dict[int, datetime] = {}
        for conv, e in members:
            if e.direction is INBOUND:
                newest_in[conv] = max(newest_in.get(conv, e.created_at), e.created_at)
        rows = self.session.execute(
            select(
                CONVERSATION.c.id,
                CONVERSATION.c.status,
                CONVERSATION.c.resolved_at,
                CONVERSATION.c.last_outbound_at,
            ).where(
                CONVERSATION.c.id.in_([i for i in ids if i in newest_in]),
                CONVERSATION.c.status.in_(
                    [ConversationStatus.RESOLVED.value, ConversationStatus.WAITING.value]
                ),
            )
        ).all()
        for conv, status, resolved_at, last_out in rows:
            since = resolved_at if status == ConversationStatus.RESOLVED.value else last_out
            if since is None or newest_in[conv] >= since:
                self.session.execute(
                    update(CONVERSATION)
                    .where(CONVERSATION.c.id == conv)
                    .values(status=ConversationStatus.OPEN.value, resolved_at=None)
                )
                self._log(
                    "conversation.reopened",
                    ("conversation", conv),
                    {"from": status, "reason": "the customer wrote again"},
                )

    def _log(self, kind: str, subject: tuple[str, int], data: dict[str, Any]) -> None:
        record_event(
            self.session,
            kind,
            workspace_id=self.ws,
            actor=self.options.actor,
            now=self.now,
            subject=subject,
            data=data,
        )

    def _log_batch(self) -> None:
        r = self.result
        if not (r.stored or r.quarantined or r.conversations_merged or r.edited):
            return  # a re-run that found nothing new changes nothing, not even the log
        self._log(
            "ingest.batch",
            ("workspace", self.ws),
            {
                "source": self.options.source,
                "received": r.received,
                "stored": r.stored,
                "duplicates": r.duplicates,
                "quarantined": r.quarantined,
                "conversations_created": r.conversations_created,
                "conversations_merged": r.conversations_merged,
                "first_message_id": min(r.message_ids) if r.message_ids else None,
                "last_message_id": max(r.message_ids) if r.message_ids else None,
            },
        )


def identity_changes(
    latest: dict[tuple[str, str], InboundEvent],
    known: dict[tuple[str, str], _IdentityRow],
    now: datetime,
) -> list[dict[str, Any]]:
    """The stored identities whose handle, display name or follower count the newest event
    of their author changes (a value the event does not carry is kept)."""
    changes = []
    for key, event in latest.items():
        row = known[key]
        author = event.author
        handle = author.handle or row.handle
        display_name = author.display_name or row.display_name
        followers = author.followers if author.followers is not None else row.followers
        if handle != row.handle or display_name != row.display_name or followers != row.followers:
            changes.append(
                {
                    "_id": row.id,
                    "handle": handle,
                    "display_name": display_name,
                    "followers": followers,
                    "updated_at": now,
                }
            )
    return changes


def update_identities(session: Session, changes: list[dict[str, Any]]) -> None:
    if changes:
        session.execute(
            update(IDENTITY)
            .where(IDENTITY.c.id == bindparam("_id"))
            .values(
                handle=bindparam("handle"),
                display_name=bindparam("display_name"),
                followers=bindparam("followers"),
                updated_at=bindparam("updated_at"),
            ),
            changes,
        )


class _Threader:
    """Assigns each new event to a conversation.

    Rules, in order:
    1. a reply (by platform id) joins the conversation of the message it answers;
    2. a message in a platform thread (DM conversation, e-mail References) joins that thread's
       conversation;
    3. a message that stored messages were waiting for (their parent arrived late) joins their
       conversation; if it already had one, the waiting conversations are merged into it;
    4. a customer's new message that is not a reply joins their open conversation on the same
       channel when it saw activity within the window;
    5. otherwise it starts a new conversation.
    Existing conversations are keyed by their id (> 0), new ones by negative keys; merged
    groups resolve to the oldest existing conversation (union-find).
    """

    def __init__(
        self,
        batch: _Batch,
        events: list[InboundEvent],
        identities: dict[tuple[str, str], _Identity],
    ) -> None:
        self.batch = batch
        self.session = batch.session
        self.ws = batch.ws
        self.events = events
        self.identities = identities
        self.parent: dict[int, int] = {}
        self.next_key = -1
        self.assigned: dict[tuple[str, str], int] = {}
        self.waiting: dict[tuple[str, str], list[int]] = defaultdict(list)
        self.latest_for_contact: dict[tuple[int, str], tuple[int, datetime]] = {}
        self.existing_merges: list[tuple[int, int]] = []

    # union-find over conversation keys
    def find(self, key: int) -> int:
        parent = self.parent
        root = parent.get(key, key)
        if root == key:  # most keys were never merged
            return key
        while parent.get(root, root) != root:
            root = parent[root]
        while key != root:
            self.parent[key], key = root, self.parent.get(key, key)
        return root

    def union(self, a: int, b: int) -> int:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        winner, loser = sorted((ra, rb), key=_merge_rank)
        self.parent[loser] = winner
        if loser > 0:
            self.existing_merges.append((loser, winner))
        return winner

    def new_key(self) -> int:
        key = self.next_key
        self.next_key -= 1
        return key

    def assign(self) -> dict[tuple[str, str], int]:
        parents = self._stored_conversations_of(
            {(e.channel, e.in_reply_to) for e in self.events if e.in_reply_to}
            | {(e.channel, ref) for e in self.events for ref in e.references}
        )
        threads = self._stored_thread_conversations()
        waiting = self._stored_waiting_children()
        self._load_open_conversations()
        for e in self.events:
            self._assign_one(e, parents, threads, waiting)
        return {key: self.find(k) for key, k in self.assigned.items()}

    def merges(self) -> list[tuple[int, int]]:
        """(loser, winner) pairs of existing conversations, winners resolved to final roots."""
        return [(loser, self.find(winner)) for loser, winner in self.existing_merges]

    def _assign_one(
        self,
        e: InboundEvent,
        parents: dict[tuple[str, str], int],
        threads: dict[tuple[str, str], int],
        waiting: dict[tuple[str, str], set[int]],
    ) -> None:
        key = (e.channel, e.external_id)
        parent_key = (e.channel, e.in_reply_to) if e.in_reply_to else None
        conv = None if parent_key is None else self._known(parents, parent_key)
        if conv is None and e.thread_ref:
            conv = self._known(threads, (e.channel, e.thread_ref))
        if conv is None:
            for ref in e.references:
                conv = self._known(parents, (e.channel, ref))
                if conv is not None:
                    break
        stored_children = waiting.get(key)
        batch_children = self.waiting.pop(key, None)
        if stored_children or batch_children:
            children = set(stored_children or set()) | set(batch_children or [])
            if conv is None:
                conv = min(children, key=_merge_rank)
            for child in children:
                conv = self.union(conv, child)
        if conv is None and e.direction is INBOUND and parent_key is None:
            conv = self._open_conversation_within_window(e)
        if conv is None:
            conv = self.new_key()
        conv = self.find(conv)
        self.assigned[key] = conv
        if e.thread_ref:
            threads.setdefault((e.channel, e.thread_ref), conv)
        if parent_key is not None and parent_key not in self.assigned and parent_key not in parents:
            # the parent is neither stored nor in this batch (yet): link it when it comes
            self.waiting[parent_key].append(conv)
        self._note_activity(e, conv)

    def _known(self, mapping: dict[tuple[str, str], int], key: tuple[str, str]) -> int | None:
        if key in self.assigned:
            return self.find(self.assigned[key])
        value = mapping.get(key)
        return self.find(value) if value is not None else None

    def _note_activity(self, e: InboundEvent, conv: int) -> None:
        if e.direction is not INBOUND:
            return
        contact = self.identities[(e.channel, e.author.external_id)].contact_id
        slot = (contact, e.channel)
        current = self.latest_for_contact.get(slot)
        if current is None or e.created_at >= current[1]:
            self.latest_for_contact[slot] = (conv, e.created_at)

    def _open_conversation_within_window(self, e: InboundEvent) -> int | None:
        contact = self.identities[(e.channel, e.author.external_id)].contact_id
        candidate = self.latest_for_contact.get((contact, e.channel))
        if candidate is None:
            return None
        conv, last_activity = candidate
        if abs(e.created_at - last_activity) <= self.batch.options.window:
            return self.find(conv)
        return None

    # -- lookups (one query per kind per batch) --------------------------------------------

    def _stored_conversations_of(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        found: dict[tuple[str, str], int] = {}
        for channel, ids in _group_by_channel(keys).items():
            for part in chunked(ids):
                rows = self.session.execute(
                    select(MESSAGE.c.external_id, MESSAGE.c.conversation_id).where(
                        MESSAGE.c.workspace_id == self.ws,
                        MESSAGE.c.channel == channel,
                        in_values(self.session, MESSAGE.c.external_id, part, name="vals"),
                    )
                )
                found.update({(channel, ext): conv for ext, conv in rows})
        return found

    def _stored_thread_conversations(self) -> dict[tuple[str, str], int]:
        keys = {(e.channel, e.thread_ref) for e in self.events if e.thread_ref}
        found: dict[tuple[str, str], int] = {}
        for channel, refs in _group_by_channel(keys).items():
            for part in chunked(refs):
                rows = self.session.execute(
                    select(MESSAGE.c.thread_ref, MESSAGE.c.conversation_id)
                    .where(
                        MESSAGE.c.workspace_id == self.ws,
                        MESSAGE.c.channel == channel,
                        in_values(self.session, MESSAGE.c.thread_ref, part, name="vals"),
                    )
                    .distinct()
                )
                for ref, conv in rows:  # the thread's first conversation
                    kept = self._kept(conv)
                    found[(channel, ref)] = min(found.get((channel, ref), kept), kept)
        return found

    def _kept(self, conv: int) -> int:
        """The conversation a stored conversation id stands for (itself; see ingest_plan)."""
        return conv

    def _stored_waiting_children(self) -> dict[tuple[str, str], set[int]]:
        keys = {(e.channel, e.external_id) for e in self.events}
        found: dict[tuple[str, str], set[int]] = defaultdict(set)
        for channel, ids in _group_by_channel(keys).items():
            for part in chunked(ids):
                rows = self.session.execute(
                    select(MESSAGE.c.in_reply_to_external_id, MESSAGE.c.conversation_id).where(
                        MESSAGE.c.workspace_id == self.ws,
                        MESSAGE.c.channel == channel,
                        in_values(
                            self.session, MESSAGE.c.in_reply_to_external_id, part, name="vals"
                        ),
                    )
                )
                for parent_id, conv in rows:
                    found[(channel, parent_id)].add(conv)
        return found

    def _load_open_conversations(self) -> None:
        contacts: dict[str, set[int]] = defaultdict(set)
        for e in self.events:
            if e.direction is INBOUND and not e.in_reply_to:
                identity = self.identities[(e.channel, e.author.external_id)]
                contacts[e.channel].add(identity.contact_id)
        latest = self.latest_for_contact
        for conv, contact, channel, last_activity in self._open_conversations(contacts):
            # the most recently active one; on a tie, the newest (whatever order rows come in)
            slot = (contact, channel)
            current = latest.get(slot)
            if current is None or (last_activity, conv) > (current[1], current[0]):
                latest[slot] = (conv, last_activity)

    def _open_conversations(
        self, contacts: dict[str, set[int]]
    ) -> Iterator[tuple[int, int, str, datetime]]:
        """(id, contact, channel, last activity) of the stored conversations, not resolved, of
        these contacts on these channels."""
        for channel, ids in contacts.items():
            for part in chunked(sorted(ids)):
                rows = self.session.execute(
                    select(
                        CONVERSATION.c.id,
                        CONVERSATION.c.contact_id,
                        CONVERSATION.c.last_activity_at,
                    ).where(
                        in_values(self.session, CONVERSATION.c.contact_id, part, name="vals"),
                        CONVERSATION.c.channel == channel,
                        CONVERSATION.c.status != ConversationStatus.RESOLVED.value,
                    )
                )
                for conv, contact, last_activity in rows:
                    yield conv, contact, channel, last_activity


def recompute_conversation_timestamps(session: Session, conversation_ids: Sequence[int]) -> None:
    """Set message_count, first/last inbound, last outbound, first response and last activity
    of these conversations from their messages (after merges, late arrivals, moves)."""
    m = MESSAGE.c
    for part in chunked(list(conversation_ids)):
        inbound = m.direction == Direction.INBOUND.value
        stats = session.execute(
            select(
                m.conversation_id,
                func.count(),
                func.min(case((inbound, m.created_at))),
                func.max(case((inbound, m.created_at))),
                func.max(case((~inbound, m.created_at))),
                func.max(m.created_at),
            )
            .where(in_values(session, m.conversation_id, part, name="convs"))
            .group_by(m.conversation_id)
        ).all()
        first_in = {row[0]: row[2] for row in stats}
        responses = _first_responses(session, first_in)
        session.execute(
            update(CONVERSATION)
            .where(CONVERSATION.c.id == bindparam("_id"))
            .values(
                message_count=bindparam("message_count"),
                first_inbound_at=bindparam("first_inbound_at"),
                last_inbound_at=bindparam("last_inbound_at"),
                last_outbound_at=bindparam("last_outbound_at"),
                last_activity_at=bindparam("last_activity_at"),
                first_response_at=bindparam("first_response_at"),
            ),
            [
                {
                    "_id": conv,
                    "message_count": count,
                    "first_inbound_at": fi,
                    "last_inbound_at": li,
                    "last_outbound_at": lo,
                    "last_activity_at": last,
                    "first_response_at": responses.get(conv),
                }
                for conv, count, fi, li, lo, last in stats
            ],
        )


def _first_responses(session: Session, first_in: dict[int, datetime | None]) -> dict[int, datetime]:
    """The first brand message at or after the first customer message, per conversation."""
    wanted = [conv for conv, at in first_in.items() if at is not None]
    if not wanted:
        return {}
    m = MESSAGE.c
    rows = session.execute(
        select(m.conversation_id, m.created_at).where(
            in_values(session, m.conversation_id, wanted, name="convs"),
            m.direction == Direction.OUTBOUND.value,
        )
    ).all()
    found: dict[int, datetime] = {}
    for conv, at in rows:
        start = first_in[conv]
        if start is not None and at >= start and (conv not in found or at < found[conv]):
            found[conv] = at
    return found


def _merge_rank(key: int) -> tuple[int, int]:
    """Existing conversations (positive ids) win over new ones; then the oldest wins."""
    return (0, key) if key > 0 else (1, -key)


def _group_by_channel(keys: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = defaultdict(list)
    for channel, value in keys:
        grouped[channel].append(value)
    return {channel: sorted(values) for channel, values in grouped.items()}


def _account_index(rows: Iterable[Any]) -> dict[tuple[str, str], int]:
    index: dict[tuple[str, str], int] = {}
    for account_id, channel, external_id, handle in rows:
        index[(channel, external_id)] = account_id
        if handle:
            index.setdefault((channel, handle), account_id)
            index.setdefault((channel, handle.lower().lstrip("@")), account_id)
    return index


def _first_account(
    events: Iterable[InboundEvent], accounts: dict[tuple[str, str], int]
) -> int | None:
    for e in events:
        if e.direction is OUTBOUND:
            found = accounts.get((e.channel, e.author.external_id))
            if found is not None:
                return found
        if e.account_ref:
            found = accounts.get((e.channel, e.account_ref))
            if found is None:
                found = accounts.get((e.channel, e.account_ref.lower().lstrip("@")))
            if found is not None:
                return found
    return None


def _conversation_references() -> list[tuple[Table, Any]]:
    """Every column, in any table registered on the metadata, that points at conversation.id."""
    found = []
    for table in metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name == "conversation" and fk.column.name == "id":
                found.append((table, fk.parent))
    return found


__all__ = [
    "MAX_ID_CHARS",
    "MAX_TEXT_CHARS",
    "IngestOptions",
    "IngestResult",
    "ingest_events",
    "quarantine",
    "recompute_conversation_timestamps",
    "validate_event",
]
