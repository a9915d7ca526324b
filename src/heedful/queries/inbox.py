"""The inbox: conversations in a viewer's workspaces, filtered, keyset-paginated.

This is the hottest read in the product (an agent's queue refreshes all day, at millions of
messages), so a page is two statements run on the driver's cursor, built once per shape of
filter, whose rows become JSON without ORM objects or per-value type processing:

1. the page is chosen from ``conversation`` alone, walking an index that has the equality
   filters in front of the sort's columns (``ix_conversation_*``; see the ``0005b_web_inbox``
   migration), from the cursor's key, for ``limit + 1`` rows. A filter with several values
   (several workspaces, statuses or channels) is one such walk per value, merged (``UNION
   ALL`` of ``limit + 1`` rows each), so a page never sorts more than a few pages of rows;
2. then, for the page's rows only, one batch lookup of what is shown beside each: the
   workspace's slug, the contact's name, main handle and reach, and the preview (the newest
   message's text) — index seeks for at most ``limit + 1`` rows.

For the REST API, each row's JSON is kept in a small per-process :class:`RowCache` keyed by the
whole conversation row (any change to the conversation — a message, a status, an owner —
makes a new key): a page of unchanged rows skips step 2 and the JSON building. What the key
does not cover (a contact renamed or their follower count updated, an edit of the newest
message's text) shows within :data:`ROW_CACHE_SECONDS`.

The triage and care filters are conditions on the same walk:

* **topic** and **sentiment** are those of the conversation's *priority message* — the inbound
  message ``conversation_triage.message_id`` names, whose triage the conversation's priority
  and "why" reasons come from (the highest-priority customer message still awaiting a reply,
  else the latest triaged one; see :func:`heedful.triage.service.roll_up`). So a row filtered
  by topic says the same as the reasons shown beside it. A conversation not triaged yet has
  no topic or sentiment and matches neither filter. Each row the walk reads costs two
  primary-key probes (``conversation_triage``, then ``message_triage``); a rare topic makes
  the walk read more rows to fill a page;
* **has an open promise**: a ``promise`` of the conversation in state ``open`` (one seek of
  ``ix_promise_conversation_state``, migration ``0005c_web_filters``);
* **breached** is decided exactly as the row's SLA badge is (``sla_summaries`` of
  :mod:`heedful.care.clocks` at the filter's ``breached_at``: the stored snapshot evaluated
  at that moment, or the timeline where the snapshot is stale), so it cannot be SQL:
  the walk is read in batches of :data:`BREACH_BATCH` rows and each batch is evaluated, until
  the page is full or :data:`BREACH_SCAN` rows were read. A page may then hold fewer rows than
  the limit yet have a ``next_cursor`` (where the scan stopped); follow it for more.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy.orm import Session

from heedful.domain.promises import PromiseState
from heedful.errors import ValidationFailed
from heedful.store import search
from heedful.store.dialect import driver_sql, driver_time

MAX_LIMIT = 200
# A multi-valued filter is walked value by value up to this many walks; beyond, one IN-list walk.
MAX_BRANCHES = 32
PREVIEW_CHARS = 280  # the preview's length (written into _DECORATION_SQL)
# How long a rendered API row is reused while its conversation row is unchanged (the most a
# contact's new name or reach, or an edit of the newest message, takes to show in the API).
ROW_CACHE_SECONDS = 10.0
# The breached filter: rows read (and SLA-evaluated) per batch, and at most per page.
BREACH_BATCH = 200
BREACH_SCAN = 5_000


class InboxSort(StrEnum):
    ACTIVITY = "activity"  # newest activity first
    PRIORITY = "priority"  # highest priority first, then newest activity


@dataclass
class InboxFilter:
    workspace_ids: list[int]
    status: list[str] = field(default_factory=list)
    channel: list[str] = field(default_factory=list)
    owner_id: int | None = None
    unassigned: bool = False
    contact_id: int | None = None
    query: str | None = None  # full-text search over message text
    # Triage of the priority message (see the module docstring); several values: any of them.
    topic: list[str] = field(default_factory=list)
    sentiment: list[str] = field(default_factory=list)  # negative | neutral | positive
    open_promise: bool = False  # only conversations with a promise still open
    # Only conversations whose SLA badge shows "breached" at this moment (None: no filter).
    breached_at: datetime | None = None
    sort: InboxSort = InboxSort.ACTIVITY
    limit: int = 50
    cursor: str | None = None


@dataclass
class InboxPage:
    items: list[dict[str, Any]]
    next_cursor: str | None
    # What the pages need beyond the API's JSON (PAGE_EXTRA and workspace_id), by id.
    extra: dict[int, dict[str, Any]] = field(default_factory=dict)


def encode_cursor(values: list[Any]) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(values)).decode().rstrip("=")


def decode_cursor(cursor: str, length: int) -> list[Any]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = orjson.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, orjson.JSONDecodeError):
        raise ValidationFailed("invalid cursor") from None
    if not isinstance(values, list) or len(values) != length:
        raise ValidationFailed("invalid cursor")
    return values


# The columns of the API's row, in the statement's order (see conversation_row_json).
_COLUMNS = (
    "id",
    "workspace_id",
    "channel",
    "status",
    "priority",
    "owner_id",
    "subject",
    "message_count",
    "contact_id",
    "first_inbound_at",
    "first_response_at",
    "last_activity_at",
    "created_at",
)
# Extra columns for the pages (SLA badges are evaluated from them; see heedful.care.clocks).
PAGE_EXTRA = ("last_inbound_at", "last_outbound_at", "resolved_at", "sla_state")
_PRIORITY = _COLUMNS.index("priority")
_LAST_ACTIVITY = _COLUMNS.index("last_activity_at")
_SORT = {
    InboxSort.ACTIVITY: ("last_activity_at", "id"),
    InboxSort.PRIORITY: ("priority", "last_activity_at", "id"),
}


def list_conversations(session: Session, flt: InboxFilter, *, for_page: bool = False) -> InboxPage:
    """One page of the inbox, in the session's transaction. ``for_page`` adds
    :data:`PAGE_EXTRA` to ``page.extra``."""
    if not flt.workspace_ids:
        return InboxPage([], None)
    ids: list[int] | None = None
    if flt.query:
        ids = search.search_conversation_ids(session, flt.workspace_ids, flt.query, limit=1000)
        if not ids:
            return InboxPage([], None)
    connection = session.connection()
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if flt.breached_at is not None:
            return _breached_page(session, cursor, connection.dialect.name, flt, ids, for_page)
        return page_on_cursor(cursor, connection.dialect.name, flt, ids, for_page=for_page)
    finally:
        cursor.close()


def _breached_page(
    session: Session,
    cursor: Any,
    dialect: str,
    flt: InboxFilter,
    ids: list[int] | None,
    for_page: bool,
) -> InboxPage:
    """A page of the conversations whose SLA badge shows "breached" at ``flt.breached_at``:
    the walk read in batches, each batch's stored SLA snapshots evaluated as the badge does,
    for at most :data:`BREACH_SCAN` rows (then the cursor says where the scan stopped)."""
    assert flt.breached_at is not None
    limit = max(1, min(flt.limit, MAX_LIMIT))
    matched: list[Any] = []
    walk = flt
    scanned = 0
    stopped_at: Any = None
    while True:
        rows = _page_rows(cursor, dialect, walk, BREACH_BATCH, ids, True)
        batch = rows[:BREACH_BATCH]
        breached = _breached_ids(session, batch, flt.breached_at)
        for row in batch:
            if row[0] in breached:
                matched.append(row)
                if len(matched) > limit:
                    break
        scanned += len(batch)
        if len(matched) > limit or len(rows) <= BREACH_BATCH:
            break
        if scanned >= BREACH_SCAN:
            stopped_at = batch[-1]
            break
        walk = replace(walk, cursor=encode_cursor(_key(walk, batch[-1])))
    shown = matched[:limit]
    decorations = _decorations(cursor, dialect, [row[0] for row in shown])
    items = [conversation_row_json(row, decorations.get(row[0], _NO_DECORATION)) for row in shown]
    if stopped_at is not None and len(matched) <= limit:
        next_cursor: str | None = encode_cursor(_key(flt, stopped_at))
    else:
        next_cursor = _next_cursor(flt, matched, limit)
    return InboxPage(items, next_cursor, _extra(shown) if for_page else {})


def _breached_ids(session: Session, rows: Sequence[Any], now: datetime) -> set[int]:
    """Which of these page rows (read with :data:`PAGE_EXTRA`) show a breached SLA at ``now``,
    by the care workflow's own evaluation (the one the row's badge comes from)."""
    from heedful.care.clocks import SlaRow, sla_summaries

    extra = _extra(rows)
    sla_rows = [
        SlaRow(
            row[0],
            row[1],
            row[2],
            row[3],
            row[4],
            row[7],
            extra[row[0]]["last_inbound_at"],
            extra[row[0]]["last_outbound_at"],
            extra[row[0]]["sla_state"],
        )
        for row in rows
    ]
    states = sla_summaries(session, sla_rows, now=now)
    return {cid for cid, state in states.items() if state.get("status") == "breached"}


def page_on_cursor(
    cursor: Any,
    dialect: str,
    flt: InboxFilter,
    ids: list[int] | None = None,
    *,
    for_page: bool = False,
) -> InboxPage:
    """One page, run on a driver cursor (``ids``: the full-text search's conversations)."""
    if not flt.workspace_ids:
        return InboxPage([], None)
    limit = max(1, min(flt.limit, MAX_LIMIT))
    rows = _page_rows(cursor, dialect, flt, limit, ids, for_page)
    shown = rows[:limit]
    decorations = _decorations(cursor, dialect, [row[0] for row in shown])
    items = [conversation_row_json(row, decorations.get(row[0], _NO_DECORATION)) for row in shown]
    return InboxPage(items, _next_cursor(flt, rows, limit), _extra(shown) if for_page else {})


def _extra(rows: Sequence[Any]) -> dict[int, dict[str, Any]]:
    """:data:`PAGE_EXTRA` and the workspace id of rows read with them, by conversation id."""
    extra: dict[int, dict[str, Any]] = {}
    for row in rows:
        values = dict(zip(PAGE_EXTRA, row[len(_COLUMNS) :], strict=True))
        for name in ("last_inbound_at", "last_outbound_at", "resolved_at"):
            values[name] = _aware(values[name])
        values["workspace_id"] = row[1]
        extra[row[0]] = values
    return extra


def page_json_on_cursor(
    cursor: Any, dialect: str, flt: InboxFilter, cache: RowCache | None = None
) -> bytes:
    """The REST API's page (``{"items": [...], "next_cursor": ...}``) as JSON bytes, each row
    from ``cache`` when the conversation has not changed since it was rendered. (Not for the
    breached filter, which needs a session: :func:`list_conversations`.)"""
    if flt.breached_at is not None:
        raise ValueError("the breached filter reads through list_conversations")
    if not flt.workspace_ids:
        return _page_bytes([], None)
    limit = max(1, min(flt.limit, MAX_LIMIT))
    rows = _page_rows(cursor, dialect, flt, limit, None, False)
    shown = rows[:limit]
    fragments: list[bytes | None] = [cache.get(row) if cache is not None else None for row in shown]
    missing = [row[0] for row, fragment in zip(shown, fragments, strict=True) if fragment is None]
    if missing:
        decorations = _decorations(cursor, dialect, missing)
        for i, row in enumerate(shown):
            if fragments[i] is None:
                fragment = orjson.dumps(
                    conversation_row_json(row, decorations.get(row[0], _NO_DECORATION))
                )
                fragments[i] = fragment
                if cache is not None:
                    cache.put(row, fragment)
    return _page_bytes(fragments, _next_cursor(flt, rows, limit))


def _page_bytes(fragments: Sequence[bytes | None], next_cursor: str | None) -> bytes:
    items = b",".join(f for f in fragments if f is not None)
    return b'{"items":[' + items + b'],"next_cursor":' + orjson.dumps(next_cursor) + b"}"


def _next_cursor(flt: InboxFilter, rows: Sequence[Any], limit: int) -> str | None:
    if len(rows) <= limit:
        return None
    return encode_cursor(_key(flt, rows[limit - 1]))


def _key(flt: InboxFilter, row: Sequence[Any]) -> list[Any]:
    """The sort key of a row, as a cursor holds it."""
    key: list[Any] = [iso(row[_LAST_ACTIVITY]), row[0]]
    if flt.sort is InboxSort.PRIORITY:
        key.insert(0, row[_PRIORITY])
    return key


class RowCache:
    """Each conversation's rendered API row, kept while its row is unchanged (see the
    module's docstring) and for at most ``ttl`` seconds."""

    def __init__(
        self, ttl: float = ROW_CACHE_SECONDS, size: int = 20_000, now: Any = time.monotonic
    ) -> None:
        self.ttl = ttl
        self.size = size
        self.now = now
        self._rows: dict[int, tuple[tuple[Any, ...], bytes, float]] = {}

    def get(self, row: tuple[Any, ...]) -> bytes | None:
        found = self._rows.get(row[0])
        if found is None or found[0] != row or found[2] <= self.now():
            return None
        return found[1]

    def put(self, row: tuple[Any, ...], fragment: bytes) -> None:
        if len(self._rows) >= self.size:
            self._rows.clear()
        self._rows[row[0]] = (tuple(row), fragment, self.now() + self.ttl)


def _page_rows(
    cursor: Any,
    dialect: str,
    flt: InboxFilter,
    limit: int,
    ids: list[int] | None,
    for_page: bool,
) -> list[Any]:
    sql, params = _statement(flt, limit, ids, for_page)
    if "cursor_at" in params:
        params["cursor_at"] = driver_time(dialect, params["cursor_at"])
    cursor.execute(driver_sql(dialect, sql), params)
    return list(cursor.fetchall())


_NO_DECORATION = (None, None, None, None, "")
_DECORATION_SQL = (
    "SELECT c.id, ws.slug, ct.display_name, "
    "(SELECT i.handle FROM contact_identity i WHERE i.contact_id = c.contact_id "
    "ORDER BY i.followers DESC NULLS LAST, i.id LIMIT 1), "
    "(SELECT max(i.followers) FROM contact_identity i WHERE i.contact_id = c.contact_id), "
    "(SELECT substr(m.text, 1, 280) FROM message m "  # PREVIEW_CHARS
    "WHERE m.conversation_id = c.id ORDER BY m.created_at DESC, m.id DESC LIMIT 1) "
    "FROM conversation c JOIN workspace ws ON ws.id = c.workspace_id "
    "LEFT JOIN contact ct ON ct.id = c.contact_id WHERE c.id IN ({ids})"
)


def _decorations(cursor: Any, dialect: str, ids: list[int]) -> dict[int, tuple[Any, ...]]:
    """Workspace slug, contact name, handle, reach and preview of these conversations."""
    if not ids:
        return {}
    size = 8
    while size < len(ids):
        size *= 2  # a few statement shapes, reused
    padded = ids + [ids[-1]] * (size - len(ids))
    params = {f"c{i}": value for i, value in enumerate(padded)}
    sql = _DECORATION_SQL.format(ids=", ".join(f":c{i}" for i in range(size)))
    cursor.execute(driver_sql(dialect, sql), params)
    return {row[0]: row[1:] for row in cursor.fetchall()}


# ---- the statement ------------------------------------------------------------------------


def _statement(
    flt: InboxFilter, limit: int, ids: list[int] | None, for_page: bool
) -> tuple[str, dict[str, Any]]:
    """The page's statement and parameters. Only column names and this module's constants
    are written into the SQL; every value the request gives is a bound parameter."""
    params: dict[str, Any] = {"n": limit + 1}
    sort = _SORT[flt.sort]
    residual: list[str] = []
    if flt.cursor:
        residual.append(_cursor_condition(flt, params))
    if flt.owner_id is not None:
        residual.append("owner_id = :owner")
        params["owner"] = flt.owner_id
    if flt.unassigned:
        residual.append("owner_id IS NULL")
    if flt.contact_id is not None:
        residual.append("contact_id = :contact")
        params["contact"] = flt.contact_id
    if ids is not None:
        residual.append(f"id IN ({_list('ids', ids, params)})")
    residual.extend(_triage_conditions(flt, params))
    # Walk each value of the multi-valued filters separately (workspaces always; then the
    # status or channel list with fewer values), up to MAX_BRANCHES walks.
    walks: list[list[tuple[str, Any]]] = [[]]
    multi: list[tuple[str, list[Any]]] = [("workspace_id", sorted(set(flt.workspace_ids)))]
    lists: list[tuple[str, list[Any]]] = [
        ("status", sorted(set(flt.status))),
        ("channel", sorted(set(flt.channel))),
    ]
    lists = [item for item in lists if item[1]]
    lists.sort(key=lambda item: len(item[1]))
    multi.extend(lists[:1])
    if flt.contact_id is not None:
        # A contact's few conversations come from ix_conversation_contact and are sorted; the
        # unary plus keeps the planners from walking a whole workspace's index instead.
        residual.append(f"+workspace_id IN ({_list('workspace_id', multi[0][1], params)})")
        multi = []
    for column, values in multi:
        if len(walks) * len(values) > MAX_BRANCHES:
            residual.append(f"{column} IN ({_list(column, values, params)})")
            continue
        walks = [[*walk, (column, value)] for walk in walks for value in values]
    for column, values in lists[1 if multi else 0 :]:
        residual.append(f"{column} IN ({_list(column, values, params)})")
    order = ", ".join(f"{c} DESC" for c in sort)
    parts = []
    for n, walk in enumerate(walks):
        conditions = []
        for column, value in walk:
            name = f"{column}_{n}"
            params[name] = value
            conditions.append(f"{column} = :{name}")
        where = " AND ".join(conditions + residual) or "1 = 1"
        parts.append(
            f"SELECT {', '.join(_COLUMNS + (PAGE_EXTRA if for_page else ()))} "  # noqa: S608
            f"FROM conversation WHERE {where} ORDER BY {order} LIMIT :n"
        )
    if len(parts) == 1:
        page = parts[0]
    else:  # merge the walks
        merged = " UNION ALL ".join(
            f"SELECT * FROM ({p}) AS w{i}"  # noqa: S608 - names and bound parameters only
            for i, p in enumerate(parts)
        )
        page = f"SELECT * FROM ({merged}) AS u ORDER BY {order} LIMIT :n"  # noqa: S608
    return page, params


def _triage_conditions(flt: InboxFilter, params: dict[str, Any]) -> list[str]:
    """The topic, sentiment and open-promise filters as correlated probes of the row's
    conversation (see the module docstring)."""
    conditions = []
    of_message = []
    if flt.topic:
        of_message.append(f"mt.topic IN ({_list('topic', sorted(set(flt.topic)), params)})")
    if flt.sentiment:
        sentiments = sorted(set(flt.sentiment))
        of_message.append(f"mt.sentiment IN ({_list('sentiment', sentiments, params)})")
    if of_message:
        where = " AND ".join(["ct.conversation_id = conversation.id", *of_message])
        probe = "SELECT 1 FROM conversation_triage ct JOIN message_triage mt ON "
        probe += f"mt.message_id = ct.message_id WHERE {where}"  # only names: values are bound
        conditions.append(f"EXISTS ({probe})")
    if flt.open_promise:
        params["promise_state"] = PromiseState.OPEN.value
        conditions.append(
            "EXISTS (SELECT 1 FROM promise p "
            "WHERE p.conversation_id = conversation.id AND p.state = :promise_state)"
        )
    return conditions


def _list(name: str, values: list[Any], params: dict[str, Any]) -> str:
    names = []
    for i, value in enumerate(values):
        params[f"{name}_in{i}"] = value
        names.append(f":{name}_in{i}")
    return ", ".join(names)


def _cursor_condition(flt: InboxFilter, params: dict[str, Any]) -> str:
    assert flt.cursor is not None
    if flt.sort is InboxSort.PRIORITY:
        prio, when, last_id = decode_cursor(flt.cursor, 3)
        params["cursor_priority"] = _int(prio)
        condition = "(priority, last_activity_at, id) < (:cursor_priority, :cursor_at, :cursor_id)"
    else:
        when, last_id = decode_cursor(flt.cursor, 2)
        condition = "(last_activity_at, id) < (:cursor_at, :cursor_id)"
    params["cursor_at"] = _cursor_time(when)
    params["cursor_id"] = _int(last_id)
    return condition


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValidationFailed("invalid cursor") from None


def _cursor_time(value: Any) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationFailed("invalid cursor") from None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


# ---- rows to JSON --------------------------------------------------------------------------


def iso(value: Any) -> str | None:
    """A stored time as ``datetime.isoformat()`` of the aware UTC value, without building a
    datetime for SQLite's text (``YYYY-MM-DD HH:MM:SS.ffffff``, UTC wall time)."""
    if value is None:
        return None
    if isinstance(value, str):
        if len(value) == 26 and value[10] == " " and value[19] == ".":
            if value.endswith(".000000"):
                return f"{value[:10]}T{value[11:19]}+00:00"
            return f"{value[:10]}T{value[11:]}+00:00"
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC).isoformat()
    return value.astimezone(UTC).isoformat()


def _aware(value: Any) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def conversation_row_json(row: Any, decoration: Sequence[Any] = _NO_DECORATION) -> dict[str, Any]:
    """A page row (:data:`_COLUMNS`) and its decoration (workspace slug, contact name, handle,
    reach, preview) as the API's JSON shape."""
    (
        cid,
        _workspace_id,
        channel,
        status,
        priority,
        owner_id,
        subject,
        message_count,
        contact_id,
        first_inbound_at,
        first_response_at,
        last_activity_at,
        created_at,
    ) = row[:13]
    slug, contact_name, handle, followers, preview = decoration
    return {
        "id": cid,
        "workspace": slug,
        "channel": channel,
        "status": status,
        "priority": priority,
        "owner_id": owner_id,
        "subject": subject,
        "message_count": message_count,
        "contact": {
            "id": contact_id,
            "name": contact_name,
            "handle": handle,
            "followers": followers,
        }
        if contact_id is not None
        else None,
        "preview": preview or "",
        "first_inbound_at": iso(first_inbound_at),
        "first_response_at": iso(first_response_at),
        "last_activity_at": iso(last_activity_at),
        "created_at": iso(created_at),
    }
