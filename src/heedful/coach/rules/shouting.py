"""``shouting``: a run of words in capitals (``WE ARE LOOKING INTO IT``), or a draft mostly
in capitals. Acronyms (DM, PSN, iOS, UK…) and single emphasised words are not shouting."""

from __future__ import annotations

import re
from collections.abc import Iterator

from pydantic import Field

from heedful.coach.analysis import DraftAnalysis
from heedful.coach.config import RuleSettings
from heedful.coach.findings import Finding, Severity
from heedful.coach.rules.base import Rule

_CAPS_WORD = re.compile(r"(?<![\w@#/])[A-Z][A-Z'’]*[A-Z](?![\w/])|(?<![\w@#/])[A-Z](?![\w'’/])")
_GAP = re.compile(r"^[\s,.!?&;:'’\"()-]*$")
_LETTERS = re.compile(r"[^\W\d_]")


class ShoutingSettings(RuleSettings):
    min_words: int = Field(3, ge=2, description="capitalised words in a row that count")
    min_letters: int = Field(10, ge=4, description="letters in such a run that count")
    acronyms: list[str] = Field(
        default_factory=lambda: [
            "DM",
            "DMS",
            "PM",
            "FAQ",
            "UK",
            "US",
            "USA",
            "EU",
            "ID",
            "PIN",
            "ATM",
            "SMS",
            "OK",
            "TV",
            "PC",
            "PSN",
            "ETA",
            "ASAP",
            "FYI",
            "NHS",
            "GP",
            "BA",
            "NYC",
            "LAX",
            "JFK",
            "LHR",
            "API",
            "URL",
            "IT",
            "HQ",
            "AM",
            "PM",
            "GMT",
            "UTC",
            "EST",
            "PST",
            "CET",
        ],
    )


class ShoutingRule(Rule[ShoutingSettings]):
    id = "shouting"
    title = "Shouting"
    default_severity = Severity.WARN
    settings_model = ShoutingSettings

    def find(self, draft: DraftAnalysis) -> Iterator[Finding]:
        for start, end in self._runs(draft.plain):
            yield self.finding(
                start,
                end,
                "Capitals read as shouting.",
                'Write it in normal case; use bold or a word like "really" for emphasis.',
            )

    def _runs(self, text: str) -> Iterator[tuple[int, int]]:
        acronyms = {a.upper() for a in self.settings.acronyms}
        run: list[re.Match[str]] = []
        for word in _CAPS_WORD.finditer(text):
            if run and not _GAP.match(text[run[-1].end() : word.start()]):
                yield from self._judge(run, acronyms)
                run = []
            run.append(word)
        yield from self._judge(run, acronyms)

    def _judge(self, run: list[re.Match[str]], acronyms: set[str]) -> Iterator[tuple[int, int]]:
        real = [w for w in run if w.group(0).replace("’", "'").upper() not in acronyms]
        letters = sum(len(_LETTERS.findall(w.group(0))) for w in real)
        if (
            len(run) >= self.settings.min_words
            and letters >= self.settings.min_letters
            and any(len(w.group(0)) >= 4 for w in real)
        ):
            yield run[0].start(), run[-1].end()
