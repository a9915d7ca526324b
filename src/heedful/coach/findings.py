"""What the coach says about a draft: a finding, with a rule id, a severity and a span."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Severity(StrEnum):
    BLOCK = "block"  # do not send as it is
    WARN = "warn"  # likely to make things worse; look again
    INFO = "info"  # worth knowing

    @property
    def rank(self) -> int:
        return {"block": 0, "warn": 1, "info": 2}[self.value]


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing the coach noticed: ``start``/``end`` are character offsets in the draft."""

    rule: str
    severity: Severity
    start: int
    end: int
    message: str
    suggestion: str

    def as_dict(self) -> dict[str, str | int]:
        """The stable JSON shape of the ``heedful coach`` command and ``POST /api/v1/coach``."""
        return {
            "rule": self.rule,
            "severity": self.severity.value,
            "start": self.start,
            "end": self.end,
            "message": self.message,
            "suggestion": self.suggestion,
        }


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Most severe first, then in reading order."""
    return sorted(findings, key=lambda f: (f.severity.rank, f.start, f.end, f.rule))
