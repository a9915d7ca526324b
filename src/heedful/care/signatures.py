"""Signed replies: every reply carries its agent's signature in the workspace's format for the
channel (default " ^AB"), added on send and counted in the channel's length limit."""

from __future__ import annotations

from dataclasses import dataclass

from heedful.care.config import CareSettings
from heedful.errors import ValidationFailed
from heedful.store.tables import Agent, Workspace


@dataclass(frozen=True, slots=True)
class SignedText:
    text: str  # what is sent: the reply and its signature
    signature: str
    length: int
    limit: int | None

    @property
    def over_by(self) -> int:
        return max(0, self.length - self.limit) if self.limit else 0


def signature_format(settings: CareSettings, channel: str) -> str:
    return settings.signatures.get(channel, settings.signature)


def render_signature(
    settings: CareSettings, *, agent: Agent | None, workspace: Workspace, channel: str
) -> str:
    """The signature text for this agent on this channel (the team's name for automatic
    messages, which have no agent)."""
    team = settings.team_name(workspace)
    if agent is None:
        return f" – {team}"
    first = agent.name.split()[0] if agent.name.split() else agent.name
    return signature_format(settings, channel).format(
        initials=agent.initials,
        name=agent.name,
        first_name=first,
        team=team,
        workspace=workspace.name,
    )


def sign(text: str, signature: str, *, limit: int | None = None) -> SignedText:
    """``text`` with ``signature`` appended once (signing twice changes nothing)."""
    body = text.rstrip()
    signed = body if not signature or body.endswith(signature.rstrip()) else body + signature
    return SignedText(signed, signature, len(signed), limit)


def signed_reply(
    text: str,
    *,
    settings: CareSettings,
    agent: Agent | None,
    workspace: Workspace,
    channel: str,
    limit: int | None,
) -> SignedText:
    """The reply as it will be sent; refused with a clear reason when the signature pushes it
    over the channel's limit."""
    signature = render_signature(settings, agent=agent, workspace=workspace, channel=channel)
    signed = sign(text, signature, limit=limit)
    if signed.over_by:
        raise ValidationFailed(
            f"with its signature {signature.strip()!r} the reply is {signed.length} characters; "
            f"this channel allows {limit} (cut {signed.over_by})"
        )
    return signed
