"""The exception tree. Callers catch the family they can handle; everything is a HeedfulError."""

from __future__ import annotations

from datetime import datetime


class HeedfulError(Exception):
    """Base of every error Heedful raises on purpose."""


class ConfigError(HeedfulError):
    """Settings are missing or unsafe (e.g. a placeholder secret key in production)."""


class NotFound(HeedfulError):
    """The row does not exist, or the caller may not know that it exists."""


class PermissionDenied(HeedfulError):
    """The caller is known but may not do this."""


class ValidationFailed(HeedfulError):
    """Input was understood but is not acceptable."""


class InputRejected(HeedfulError):
    """Input could not be understood (malformed payload, bad row). Carries a plain reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class ConflictError(HeedfulError):
    """The action conflicts with the current state (stale view, already assigned…)."""


class ReplyWindowClosed(ConflictError):
    """A private message the platform would refuse now: the customer's messaging window (e.g.
    Messenger's 24 hours after their last message) is closed, or never opened. ``closed_at``:
    when it closed (None when the customer never wrote privately)."""

    def __init__(self, reason: str, *, closed_at: datetime | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.closed_at = closed_at


class ChannelError(HeedfulError):
    """A channel platform refused or failed a call."""


class Unsupported(ChannelError):
    """The channel cannot do this at all (see its capabilities)."""


class RateLimited(ChannelError):
    def __init__(self, retry_after: float | None, message: str = "rate limited") -> None:
        super().__init__(message)
        self.retry_after = retry_after


class AuthFailed(ChannelError):
    """Credentials were refused: pause the channel account and alert an admin."""


class PermanentFailure(ChannelError):
    """The platform will never accept this (deleted parent, text too long, window closed)."""


class TransientFailure(ChannelError):
    """Try again later (timeouts, 5xx)."""
