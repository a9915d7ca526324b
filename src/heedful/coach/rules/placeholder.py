"""``placeholder``: an unfilled template slot — ``{name}``, ``{{first_name}}``, ``[ORDER]``,
``[insert date]``, ``<NAME>``, ``%AGENT%``, ``$name``, ``XXXX`` — would go out as it is."""

from __future__ import annotations

import re
from collections.abc import Iterator

from heedful.coach.analysis import DraftAnalysis
from heedful.coach.config import RuleSettings
from heedful.coach.findings import Finding, Severity
from heedful.coach.rules.base import Rule

_SLOT_WORDS = (
    r"(?:insert|your|customer|client|agent|first|last|full|user|name|order|link|url|date|time"
    r"|number|amount|ref|reference|booking|case|ticket|product|company|brand|address|email"
    r"|phone|account|signature|initials|x+)"
)
_PLACEHOLDER = re.compile(
    r"\{\{\s*[^{}\n]{1,40}?\s*\}\}"
    r"|\{\s*[A-Za-z_][\w .-]{0,30}\}"
    r"|\[\s*[A-Z][A-Z0-9 _./-]{1,30}\]"
    rf"|\[\s*(?i:{_SLOT_WORDS})\b[^\]\n]{{0,30}}\]"
    r"|<<?\s*[A-Za-z_][\w ]{0,30}>>?"
    r"|%[A-Z][A-Z0-9_]{1,30}%"
    r"|\$\{?[a-z_][a-z0-9_]*\}?(?=\W|$)"
    r"|(?<![\w*])(?:X{3,}|_{3,})(?![\w*])"
)
_NOT_SLOTS = re.compile(r"^\[(?:sic|\d+/\d+|\d+)\]$|^<3$", re.IGNORECASE)


class PlaceholderRule(Rule[RuleSettings]):
    id = "placeholder"
    title = "Unfilled placeholder"
    default_severity = Severity.BLOCK

    def find(self, draft: DraftAnalysis) -> Iterator[Finding]:
        for match in _PLACEHOLDER.finditer(draft.text):
            if _NOT_SLOTS.match(match.group(0)) or _is_html(match.group(0)):
                continue
            yield self.finding(
                match.start(),
                match.end(),
                f"Unfilled placeholder {match.group(0)!r}.",
                "Replace it with the real value before sending.",
            )


def _is_html(token: str) -> bool:
    return bool(re.fullmatch(r"</?(?:b|i|a|p|br|em|strong|u|span|div)\s*/?>", token, re.IGNORECASE))
