"""Trustpilot and the generic webhook through the web app's endpoint and the processing job."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from functools import partial

from fastapi.testclient import TestClient
from sqlalchemy import event, func, select, update
from sqlalchemy.exc import IntegrityError
from starlette.routing import Mount

from heedful.channels.webhook.signing import sign
from heedful.clock import FrozenClock
from heedful.config import Settings
from heedful.services.channel_accounts import configure_channel_account
from heedful.services.webhooks import AccountRef, RawEventSpool
from heedful.services.workspaces import add_channel_account, create_workspace
from heedful.store.crypto import SecretBox
from heedful.store.db import Database
from heedful.store.tables import ChannelAccount, Message, RawEvent
from heedful.web.api.webhooks import MAX_BODY_BYTES
from tests.channels.conftest import payload

SECRET = "generic-webhook-secret-0123456789"


def connect(
    db: Database, settings: Settings, clock: FrozenClock, channel: str, values: dict[str, object]
) -> int:
    with db.write() as session:
        workspace = create_workspace(session, slug=f"acme-{channel}", name="Acme", clock=clock)
        account = add_channel_account(
            session, workspace, channel=channel, external_id="brand", clock=clock
        )
        box = SecretBox(settings.secret_key_value())
        configure_channel_account(session, account, values, box=box, clock=clock)
        return account.id


def stored(db: Database) -> list[Message]:
    with db.session() as session:
        return list(session.scalars(select(Message).order_by(Message.id)))


def account_ref(db: Database, account_id: int) -> AccountRef:
    with db.session() as session:
        account = session.get(ChannelAccount, account_id)
        assert account is not None
        return AccountRef(account.id, account.workspace_id, account.channel)


def behind_a_busy_writer(db: Database, calls: list[Callable[[], object]]) -> list[Future[object]]:
    """Run ``calls`` at once while another transaction holds the database for 0.3 s, so they
    queue up behind it (and a spool writes their bodies together); their futures, done."""
    holding, release = threading.Event(), threading.Event()

    def busy_writer() -> None:
        with db.write() as session:
            session.execute(select(RawEvent.id))
            holding.set()
            release.wait(5)

    blocker = threading.Thread(target=busy_writer)
    blocker.start()
    holding.wait(5)
    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        futures = [pool.submit(call) for call in calls]
        threading.Timer(0.3, release.set).start()
        wait(futures, timeout=30)
    blocker.join()
    return futures


def test_trustpilot_review_webhook_with_the_shared_token(
    db: Database, settings: Settings, clock: FrozenClock, app_client: TestClient
) -> None:
    account_id = connect(db, settings, clock, "trustpilot", {"webhook_token": "tp-token-123"})
    body = payload("reviews", "lindar_tp__trustpilot-review-events.json").read_bytes()
    basic = "Basic " + base64.b64encode(b"trustpilot:tp-token-123").decode()
    url = f"/webhooks/trustpilot/{account_id}"

    assert app_client.post(url, content=body).status_code == 401
    assert app_client.post(url, content=body, headers={"Authorization": basic}).status_code == 200
    app_client.app.state.jobs.run_pending()  # type: ignore[attr-defined]

    (review,) = stored(db)
    assert (review.kind, review.external_id) == ("review", "62c8968be77911f2449e9f74")


def test_trustpilot_webhook_with_the_token_in_the_url(
    db: Database, settings: Settings, clock: FrozenClock, app_client: TestClient
) -> None:
    account_id = connect(db, settings, clock, "trustpilot", {"webhook_token": "tp-token-123"})
    body = payload("reviews", "lindar_tp__trustpilot-review-events.json").read_bytes()
    url = f"/webhooks/trustpilot/{account_id}"

    refused = [
        app_client.post(url, content=body, params=params).status_code
        for params in ({"token": "tp-token-12"}, {"token": ""}, {"other": "tp-token-123"})
    ]
    by_header = app_client.post(
        url, content=body, headers={"X-Heedful-Webhook-Token": "tp-token-123"}
    )
    by_query = app_client.post(url, content=body, params={"token": "tp-token-123"})
    app_client.app.state.jobs.run_pending()  # type: ignore[attr-defined]

    assert refused == [401, 401, 401]
    assert (by_header.status_code, by_header.json()) == (
        200,
        {"received": True, "duplicate": False},
    )
    assert (by_query.status_code, by_query.json()) == (200, {"received": True, "duplicate": True})
    (review,) = stored(db)
    assert review.external_id == "62c8968be77911f2449e9f74"
    with db.session() as session:
        (raw,) = session.scalars(select(RawEvent))
    assert "tp-token-123" not in json.dumps(raw.headers)  # the secret is not kept at rest


def test_the_access_log_never_shows_a_webhook_token() -> None:
    import logging

    from heedful.web.api.webhooks import RedactQueryTokens

    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", "/webhooks/trustpilot/7?a=1&token=tp-token-123&b=2", "1.1", 200),
        None,
    )

    assert RedactQueryTokens().filter(record)
    assert record.getMessage() == (
        '127.0.0.1:5000 - "POST /webhooks/trustpilot/7?a=1&token=[redacted]&b=2 HTTP/1.1" 200'
    )


def test_generic_webhook_signed_and_fresh(
    db: Database, settings: Settings, clock: FrozenClock, app_client: TestClient
) -> None:
    account_id = connect(db, settings, clock, "webhook", {"secret": SECRET, "source_name": "shop"})
    body = json.dumps(
        {
            "id": "order-77-msg-1",
            "text": "Where is order 77?",
            "created_at": clock.now().isoformat(),
            "author": {"id": "cust-1", "name": "Kim"},
            "kind": "dm",
            "visibility": "private",
        }
    ).encode()
    url = f"/webhooks/webhook/{account_id}"
    stale = sign(SECRET, body, clock.now().replace(year=2025))

    assert app_client.post(url, content=body, headers=stale).status_code == 401
    assert (
        app_client.post(url, content=body, headers=sign(SECRET, body, clock.now())).status_code
        == 200
    )
    app_client.app.state.jobs.run_pending()  # type: ignore[attr-defined]

    (message,) = stored(db)
    assert (message.external_id, message.text, message.visibility) == (
        "order-77-msg-1",
        "Where is order 77?",
        "private",
    )


def test_requests_that_arrive_while_the_writer_is_busy_are_stored_together(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    """Group commit: 40 requests arriving while another transaction holds the database are
    stored in a few transactions, each request answered with its own row (or None for the
    redelivered body), only once committed."""
    account_id = connect(db, settings, clock, "webhook", {"secret": SECRET, "source_name": "shop"})
    ref = account_ref(db, account_id)
    woken: list[set[int]] = []
    spool = RawEventSpool(db, clock, on_stored=woken.append)
    bodies = [f'{{"n": {i}}}'.encode() for i in range(40)] + [b'{"n": 0}']

    futures = behind_a_busy_writer(
        db, [partial(spool.store, ref, {"x-n": str(i)}, b) for i, b in enumerate(bodies)]
    )

    results = [f.result() for f in futures]
    ids = [r for r in results if r is not None]
    assert len(ids) == 40 and len(set(ids)) == 40 and results.count(None) == 1
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(RawEvent)) == 40
    assert spool.transactions < 10
    # the processing is woken once per transaction that stored bodies, not once per request
    assert 1 <= len(woken) <= spool.transactions
    assert all(w == {ref.workspace_id} for w in woken)


def test_an_account_adapter_is_built_once_per_version_of_its_settings(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    from heedful.workers.context import ChannelDirectory

    account_id = connect(db, settings, clock, "webhook", {"secret": SECRET, "source_name": "shop"})
    box = SecretBox(settings.secret_key_value())
    directory = ChannelDirectory(box, clock)
    with db.write() as session:
        account = session.get(ChannelAccount, account_id)
        assert account is not None
        first = directory.adapter_for(account)
        assert directory.adapter_for(account) is first
        configure_channel_account(
            session, account, {"secret": SECRET[::-1], "source_name": "shop"}, box=box, clock=clock
        )
        assert directory.adapter_for(account) is not first


def _webhook_deps(client: TestClient) -> object:
    (mount,) = [r for r in client.app.routes if isinstance(r, Mount) and r.path == "/webhooks"]  # type: ignore[attr-defined]
    return mount.app.state.deps  # type: ignore[attr-defined]


def test_a_webhook_endpoint_reads_its_account_once_per_ttl_and_sees_a_disable_after_it(
    db: Database, settings: Settings, clock: FrozenClock, app_client: TestClient
) -> None:
    account_id = connect(db, settings, clock, "webhook", {"secret": SECRET, "source_name": "shop"})
    url = f"/webhooks/webhook/{account_id}"
    reads: list[str] = []

    def count(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "FROM channel_account" in statement:
            reads.append(statement)

    def post(n: int) -> int:
        body = json.dumps(
            {
                "id": f"m-{n}",
                "text": f"message {n}",
                "created_at": clock.now().isoformat(),
                "author": {"id": "cust-1"},
            }
        ).encode()
        return app_client.post(
            url, content=body, headers=sign(SECRET, body, clock.now())
        ).status_code

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert [post(n) for n in range(5)] == [200] * 5
        assert len(reads) == 1  # five requests, one read of the account

        with db.write() as session:
            session.execute(
                update(ChannelAccount)
                .where(ChannelAccount.id == account_id)
                .values(status="disabled")
            )
        deps = _webhook_deps(app_client)
        deps.endpoints.ttl = 0  # type: ignore[attr-defined]  # as if the TTL had passed
        assert post(5) == 404
        assert post(6) == 404
        assert len(reads) == 3  # a refused account is never cached
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_a_webhook_body_over_the_limit_is_refused_and_nothing_is_stored(
    db: Database, settings: Settings, clock: FrozenClock, app_client: TestClient
) -> None:
    account_id = connect(db, settings, clock, "webhook", {"secret": SECRET, "source_name": "shop"})
    url = f"/webhooks/webhook/{account_id}"
    huge = b"x" * (MAX_BODY_BYTES + 1)

    def chunks() -> Iterator[bytes]:  # no Content-Length: the size shows only while reading
        for start in range(0, len(huge), 1 << 20):
            yield huge[start : start + (1 << 20)]

    declared = app_client.post(url, content=huge, headers=sign(SECRET, huge, clock.now()))
    streamed = app_client.post(url, content=chunks(), headers=sign(SECRET, huge, clock.now()))

    assert (declared.status_code, declared.json()) == (413, {"detail": "body too large"})
    assert streamed.status_code == 413
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(RawEvent)) == 0


def test_a_body_the_database_refuses_fails_alone_not_its_whole_group(
    db: Database, settings: Settings, clock: FrozenClock
) -> None:
    """Group commit stores bodies together; when the database refuses one of them (here: its
    channel account no longer exists), the others are still stored and answered."""
    account_id = connect(db, settings, clock, "webhook", {"secret": SECRET, "source_name": "shop"})
    good = account_ref(db, account_id)
    gone = AccountRef(account_id + 1000, good.workspace_id, good.channel)
    spool = RawEventSpool(db, clock)

    futures = behind_a_busy_writer(
        db,
        [
            partial(spool.store, gone if i == 4 else good, {}, f'{{"n": {i}}}'.encode())
            for i in range(9)
        ],
    )

    outcomes = [
        "refused" if isinstance(f.exception(), IntegrityError) else f.result() for f in futures
    ]
    assert outcomes.count("refused") == 1 and outcomes[4] == "refused"
    assert all(isinstance(o, int) for i, o in enumerate(outcomes) if i != 4)
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(RawEvent)) == 8
