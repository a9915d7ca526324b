"""Listening: a workspace's keyword and hashtag rules run against the platform search of each
of its channel accounts that can search (``capabilities.listening``: X recent search, Bluesky
``searchPosts``, Mastodon hashtag timelines and search, Reddit search). Matches land in the
inbox through the single ingest path as unsolicited mentions, with the same triage.

Rules live in ``workspace.settings["listening"]`` (see :class:`ListeningRules`); each account's
search position lives under ``channel_account.cursor["listening"]``, beside the polling cursor
(adapters keep cursor keys they do not own). One run, in order:

1. read the account and the rules (skipped when the account is not active, its platform
   cannot search, or there are no rules);
2. ask the platform outside any transaction;
3. in ONE write transaction: drop echoes of our own replies, ingest through
   :func:`heedful.services.pipeline.receive`, store the new search position.

A crash before the commit repeats the search; ingest stores nothing twice. Refused credentials
pause the account (and alert), like polling; other failures wait for the next run.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from heedful.channels.base import ChannelAdapter, ListeningQuery, PollResult
from heedful.channels.registry import adapter_class
from heedful.clock import Clock
from heedful.domain import InboundEvent
from heedful.errors import AuthFailed, ChannelError, ConfigError, ValidationFailed
from heedful.services.channel_accounts import pause_channel_account
from heedful.services.ingest import IngestOptions
from heedful.services.pipeline import receive
from heedful.services.replies import recognise_echoes
from heedful.services.webhooks import Channels
from heedful.services.workspace_settings import set_area_settings
from heedful.store.db import Database
from heedful.store.tables import ChannelAccount, Workspace

log = logging.getLogger("heedful.listening")

AREA = "listening"  # workspace.settings key, and channel_account.cursor key


class ListeningRules(BaseModel):
    """What a brand listens for where it is not addressed."""

    model_config = ConfigDict(extra="forbid")

    keywords: list[str] = Field(default_factory=list, max_length=50)
    hashtags: list[str] = Field(default_factory=list, max_length=50)
    language: str | None = Field(None, pattern=r"^[a-z]{2}$")

    def query(self) -> ListeningQuery:
        return ListeningQuery(
            keywords=tuple(k.strip() for k in self.keywords if k.strip()),
            hashtags=tuple(h.strip().lstrip("#") for h in self.hashtags if h.strip("# ")),
            language=self.language,
        )


@dataclass
class ListenReport:
    account_id: int
    outcome: str  # "listened", "skipped", "paused", "failed"
    found: int = 0
    stored: int = 0
    detail: str | None = None


def listening_rules(workspace: Workspace) -> ListeningRules:
    """The workspace's rules (empty when none are set)."""
    return _validated((workspace.settings or {}).get(AREA) or {})


def set_listening_rules(
    session: Session, workspace: Workspace, document: dict[str, Any], *, clock: Clock
) -> None:
    """Replace the workspace's listening rules (validated, logged)."""
    set_area_settings(session, workspace, AREA, document, validate=_validated, clock=clock)


def accounts_to_listen(session: Session) -> list[int]:
    """Active accounts whose platform can search and whose workspace has rules."""
    rows = session.execute(
        select(ChannelAccount.id, ChannelAccount.channel, Workspace.settings)
        .join(Workspace, Workspace.id == ChannelAccount.workspace_id)
        .where(ChannelAccount.status == "active")
        .order_by(ChannelAccount.id)
    ).all()
    return [
        int(account_id)
        for account_id, channel, settings in rows
        if _can_listen(channel) and (settings or {}).get(AREA)
    ]


def listen_account(
    db: Database, channels: Channels, account_id: int, *, clock: Clock
) -> ListenReport:
    """Run the workspace's rules through one account's platform search (see module doc)."""
    prepared = _prepare(db, channels, account_id)
    if isinstance(prepared, str):
        return ListenReport(account_id, "skipped", detail=prepared)
    adapter, query, cursor = prepared
    try:
        result = adapter.listen(query, cursor)
    except ChannelError as exc:
        return _failed(db, account_id, exc, clock=clock)
    return _store(db, account_id, result, clock=clock)


def _prepare(
    db: Database, channels: Channels, account_id: int
) -> tuple[ChannelAdapter[Any], ListeningQuery, dict[str, Any]] | str:
    with db.session() as session:
        account = session.get(ChannelAccount, account_id)
        if account is None or account.status != "active" or not _can_listen(account.channel):
            return "not an active account that can search"
        query = listening_rules(session.get_one(Workspace, account.workspace_id)).query()
        if query.is_empty:
            return "no listening rules"
        cursor = dict((account.cursor or {}).get(AREA) or {})
        try:
            return channels.adapter_for(account), query, cursor
        except ConfigError as exc:
            return str(exc)


def _store(db: Database, account_id: int, result: PollResult, *, clock: Clock) -> ListenReport:
    with db.write() as session:
        account = session.get_one(ChannelAccount, account_id)
        events = _attributed(result.events, account)
        fresh = recognise_echoes(session, account.workspace_id, events, clock=clock)
        options = IngestOptions(
            source=f"listen:{account.channel}", actor=f"channel:{account.channel}"
        )
        stored = receive(session, account.workspace_id, fresh, clock=clock, options=options)
        account.cursor = {**(account.cursor or {}), AREA: dict(result.cursor)}
    return ListenReport(account_id, "listened", len(result.events), stored.stored)


def _attributed(events: Sequence[InboundEvent], account: ChannelAccount) -> list[InboundEvent]:
    """Found through an account: unsolicited mentions attached to it."""
    return [
        dataclasses.replace(e, account_ref=e.account_ref or account.external_id, unsolicited=True)
        for e in events
    ]


def _failed(db: Database, account_id: int, exc: ChannelError, *, clock: Clock) -> ListenReport:
    detail = f"{type(exc).__name__}: {exc}"[:1000]
    if isinstance(exc, AuthFailed):
        with db.write() as session:
            reason = f"the platform refused the credentials: {exc}"[:1000]
            pause_channel_account(session, account_id, reason=reason, clock=clock)
        return ListenReport(account_id, "paused", detail=detail)
    log.info("listening on channel account %s failed: %s", account_id, detail)
    return ListenReport(account_id, "failed", detail=detail)


def _can_listen(channel: str) -> bool:
    try:
        return adapter_class(channel).capabilities.listening
    except ConfigError:
        return False


def _validated(document: dict[str, Any]) -> ListeningRules:
    try:
        return ListeningRules.model_validate(document)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ValidationFailed(f"listening rules are not valid: {problems}") from None
