"""``missing_signature``: the workspace signs public replies (``^AB``, ``-Becky``, ``/CH``,
``*TJN``, ``~Sam``, "Thanks, Sam") and the draft has no signature at its end."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cached_property

from pydantic import Field

from heedful.coach.analysis import DraftAnalysis
from heedful.coach.config import RuleSettings
from heedful.coach.findings import Finding
from heedful.coach.rules.base import Rule

DEFAULT_PATTERN = (
    r"(?:(?:[\^*~/]|-{1,2}|–|—)\s?[A-Z][\w.]{0,24}(?:\s[A-Z][\w.]{0,20})?"
    r"|(?<=\s)(?:[\^*~/]|-{1,2}|–|—)\s?[a-z][a-z.]{1,24}"
    r"|(?<=\s)[A-Z][a-z]+(?:\s[A-Z][a-z]+)?\s*\([^()\n]{1,30}\)"
    r"|\^\s?[A-Za-z]{1,4}"
    r"|(?i:thanks|thank\s+you|cheers|regards|best|kind\s+regards|many\s+thanks|best\s+wishes"
    r"|take\s+care|speak\s+soon|warm\s+regards|sincerely),?\s+[A-Z][a-z]+\.?"
    r"|\n\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+){0,2})"
)
_TRAILER = re.compile(r"(?:\s*(?:\(?\d/\d\)?|https?://\S+|[\U0001F300-\U0001FAFF☀-➿]|[.!]))+\s*$")


class SignatureSettings(RuleSettings):
    pattern: str = Field(DEFAULT_PATTERN, description="a regular expression for a signature")
    accepted: list[str] = Field(
        default_factory=list, description="exact signatures that count (e.g. an agent's ^AB)"
    )

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        return re.compile(rf"(?:{self.pattern})\s*$")


class MissingSignatureRule(Rule[SignatureSettings]):
    id = "missing_signature"
    title = "Missing signature"
    settings_model = SignatureSettings

    def find(self, draft: DraftAnalysis) -> Iterator[Finding]:
        if not draft.draft.signature_required or not draft.text.strip():
            return
        if self._signed(draft.text):
            return
        end = len(draft.text.rstrip())
        yield self.finding(
            max(0, end - 1),
            end,
            "This workspace signs its replies, and the draft has no signature.",
            "End with your signature (e.g. ^AB) so the customer knows who is helping.",
        )

    def _signed(self, text: str) -> bool:
        trimmed = _TRAILER.sub("", text).rstrip()
        if any(trimmed.endswith(s.strip()) for s in self.settings.accepted if s.strip()):
            return True
        pattern = self.settings.compiled
        return bool(pattern.search(trimmed) or pattern.search(text.rstrip()))
