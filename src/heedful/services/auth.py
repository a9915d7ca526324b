"""Sign-in: password hashes (argon2id), browser sessions, API tokens and login throttling.

Secrets handed to a browser or a script (session cookies, API tokens) are random and only
their SHA-256 is stored: a copy of the database signs nobody in.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from heedful.clock import Clock
from heedful.errors import HeedfulError, ValidationFailed
from heedful.store.tables import Agent, ApiToken, Event, LoginAttempt, WebSession

MIN_PASSWORD_LENGTH = 10
SESSION_LIFETIME = timedelta(days=7)
TOKEN_PREFIX = "hf_"  # noqa: S105 - a prefix, not a secret
# Throttling: failures counted over a sliding window, per address and per client.
THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_EMAIL = 5
MAX_FAILURES_PER_CLIENT = 20
# A hash to verify against when the e-mail is unknown, so both cases take the same time.
_TIMING_DUMMY = "heedful-timing-equaliser"


class TooManyAttempts(HeedfulError):
    def __init__(self, retry_after: timedelta) -> None:
        minutes = max(1, int(retry_after.total_seconds() // 60) + 1)
        super().__init__(f"too many failed sign-ins: try again in {minutes} minutes")
        self.retry_after = retry_after


@cache
def password_hasher() -> PasswordHasher:
    """argon2id with the library's defaults (RFC 9106's second recommended profile: 3
    passes over 64 MiB), unless :func:`use_hash_parameters` chose others."""
    if not _hash_parameters:
        return PasswordHasher()
    return PasswordHasher(
        time_cost=_hash_parameters["time_cost"],
        memory_cost=_hash_parameters["memory_cost"],
        parallelism=_hash_parameters["parallelism"],
    )


_hash_parameters: dict[str, int] = {}


def use_hash_parameters(*, time_cost: int, memory_cost: int, parallelism: int) -> None:
    """Hash new passwords with other argon2id parameters (``time_cost``, ``memory_cost``,
    ``parallelism``): the test suite uses a light profile. Existing hashes keep verifying,
    since each carries its own parameters; they are upgraded on the next sign-in."""
    _hash_parameters.update(time_cost=time_cost, memory_cost=memory_cost, parallelism=parallelism)
    password_hasher.cache_clear()
    _dummy_hash.cache_clear()


def hash_password(password: str) -> str:
    check_password_strength(password)
    return password_hasher().hash(password)


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password or not password.strip():
        raise ValidationFailed("a password cannot start or end with spaces")


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher = password_hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


@cache
def _dummy_hash() -> str:
    return password_hasher().hash(_TIMING_DUMMY)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


# -- sign-in and throttling -----------------------------------------------------------------


def sign_in(
    session: Session, email: str, password: str, *, client: str, clock: Clock
) -> Agent | None:
    """The active agent with this e-mail and password; ``None`` (and the failure recorded,
    so commit) when either is wrong. Refuses with :class:`TooManyAttempts` after repeated
    failures for the address or the client, without checking the password."""
    now = clock.now()
    keys = [f"email:{email.strip().lower()}", f"ip:{client}"]
    check_throttle(session, keys, now)
    agent = session.scalar(select(Agent).where(func.lower(Agent.email) == email.strip().lower()))
    hash_ = agent.password_hash if agent is not None else None
    if not verify_password(hash_, password) or agent is None or not agent.is_active:
        session.add_all(LoginAttempt(key=key[:400], created_at=now) for key in keys)
        return None
    session.execute(delete(LoginAttempt).where(LoginAttempt.key == keys[0]))
    _rehash_if_needed(agent, password)
    return agent


def check_throttle(session: Session, keys: list[str], now: datetime) -> None:
    since = now - THROTTLE_WINDOW
    limits = {keys[0]: MAX_FAILURES_PER_EMAIL, keys[1]: MAX_FAILURES_PER_CLIENT}
    for key, limit in limits.items():
        rows = session.scalars(
            select(LoginAttempt.created_at)
            .where(LoginAttempt.key == key, LoginAttempt.created_at > since)
            .order_by(LoginAttempt.created_at.desc())
            .limit(limit)
        ).all()
        if len(rows) >= limit:
            raise TooManyAttempts(rows[-1] + THROTTLE_WINDOW - now)


def _rehash_if_needed(agent: Agent, password: str) -> None:
    if agent.password_hash and password_hasher().check_needs_rehash(agent.password_hash):
        agent.password_hash = password_hasher().hash(password)


# -- browser sessions -----------------------------------------------------------------------


@dataclass(frozen=True)
class StartedSession:
    token: str  # goes in the cookie; never stored
    csrf_token: str
    expires_at: datetime


def start_session(
    session: Session, agent: Agent, *, clock: Clock, user_agent: str | None = None
) -> StartedSession:
    now = clock.now()
    token = secrets.token_urlsafe(32)
    row = WebSession(
        token_hash=digest(token),
        agent_id=agent.id,
        csrf_token=secrets.token_urlsafe(32),
        user_agent=(user_agent or "")[:255] or None,
        created_at=now,
        last_seen_at=now,
        expires_at=now + SESSION_LIFETIME,
    )
    session.add(row)
    session.add(_event(agent, "agent.signed_in", now))
    session.execute(delete(WebSession).where(WebSession.expires_at < now))
    return StartedSession(token, row.csrf_token, row.expires_at)


def find_session(session: Session, token: str, now: datetime) -> WebSession | None:
    if not token:
        return None
    row = session.scalar(select(WebSession).where(WebSession.token_hash == digest(token)))
    if row is None or row.expires_at <= now:
        return None
    return row


def end_session(session: Session, token: str, *, clock: Clock) -> None:
    row = session.scalar(select(WebSession).where(WebSession.token_hash == digest(token)))
    if row is None:
        return
    agent = session.get(Agent, row.agent_id)
    session.delete(row)
    if agent is not None:
        session.add(_event(agent, "agent.signed_out", clock.now()))


def end_all_sessions(session: Session, agent: Agent) -> None:
    session.execute(delete(WebSession).where(WebSession.agent_id == agent.id))


# -- API tokens -----------------------------------------------------------------------------


def create_api_token(
    session: Session, agent: Agent, name: str, *, clock: Clock
) -> tuple[str, ApiToken]:
    """A new token for the REST API. The plain token is returned once and never stored."""
    name = name.strip()
    if not name or len(name) > 100:
        raise ValidationFailed("give the token a name (up to 100 characters)")
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        agent_id=agent.id,
        name=name,
        prefix=plain[:10],
        token_hash=digest(plain),
        created_at=clock.now(),
    )
    session.add(row)
    session.flush()
    session.add(_event(agent, "api_token.created", clock.now(), {"token_id": row.id}))
    return plain, row


def find_api_token(session: Session, plain: str) -> ApiToken | None:
    if not plain.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(plain)))
    if row is None or row.revoked_at is not None:
        return None
    return row


def revoke_api_token(session: Session, token: ApiToken, *, clock: Clock) -> None:
    if token.revoked_at is None:
        token.revoked_at = clock.now()
        agent = session.get(Agent, token.agent_id)
        if agent is not None:
            session.add(_event(agent, "api_token.revoked", clock.now(), {"token_id": token.id}))


def _event(agent: Agent, kind: str, now: datetime, data: dict[str, object] | None = None) -> Event:
    return Event(
        workspace_id=None,
        actor=f"agent:{agent.id}",
        actor_agent_id=agent.id,
        kind=kind,
        subject_type="agent",
        subject_id=agent.id,
        data=data or {},
        created_at=now,
    )
