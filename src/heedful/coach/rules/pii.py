"""``pii_in_public``: personal data in a public reply — a phone number, an e-mail address, a
postal address, an account, order, booking or card number, an IBAN.

Checksums are used where they exist: card numbers must pass the Luhn check (ISO/IEC 7812-1),
IBANs the ISO 13616 mod-97 check. The brand's own public contact points are not personal
data: list them in ``public_contacts`` (phone numbers compare by their last 9 digits, e-mail
addresses and domains exactly). Without configuration, a number or address the reply offers
as the company's own ("call us on …", "our helpline …"), toll-free and non-geographic
business numbers (UK 0800/0808/03xx/084x/087x, North American 8xx) and role mailboxes
(support@, help@ …) are treated as public too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from pydantic import Field

from heedful.coach.analysis import DraftAnalysis
from heedful.coach.config import RuleSettings
from heedful.coach.findings import Finding, Severity
from heedful.coach.rules.base import Rule
from heedful.coach.text import URL

_DIGITS = re.compile(
    r"(?<![\w@+£$€#/.,:])\+?(?:\(\d{1,5}\)\s?)?\d+(?:(?:[ .-]|\s?-\s?)\(?\d+\)?)*"
    r"(?![A-Za-z0-9_/]|[.,]\d)"
)
_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,3})?\b")
_KEYWORD = re.compile(
    r"\b(?:order|account|acct|a/c|booking|reservation|reference|ref|tracking|membership|member"
    r"|policy|customer|loyalty|rewards|pnr|confirmation|invoice|contract|sort\s+code|card"
    r"|iban|meter|mpan|mprn|passport|licen[cs]e|ticket|e-?ticket|claim)\b"
    r"(?:\s+(?:number|no\.?|num|#|id|code|ref(?:erence)?))?\s*(?:is|was|:|#|no\.?)?\s*$",
    re.IGNORECASE,
)
_ALNUM_REF = re.compile(
    r"\b(?i:booking|reservation|confirmation|order|account|reference|ref|pnr|tracking|policy"
    r"|membership|customer|ticket)(?i:\s+(?:number|no\.?|code|ref(?:erence)?|id))?\s*(?i:is|was"
    r"|:|#)?\s*#?(?=[A-Z0-9-]*\d)([A-Z0-9][A-Z0-9-]{4,19})\b"
)
_OURS_BEFORE = re.compile(
    r"(?:\b(?:call|ring|phone|contact|reach|text|message|whatsapp|e-?mail|write\s+to|dm)\s+us\b"
    r"|\b(?:give|drop)\s+us\s+a\b|\bour\b[^.!?]{0,30}|\bthe\s+(?:helpline|hotline|line)"
    r"\b[^.!?]{0,15}|\b(?:helpline|hotline|freephone|toll[-\s]free)\b[^.!?]{0,15}"
    r"|\bmy\s+(?:direct\s+)?(?:line|number|extension|desk)\b[^.!?]{0,15})[^.!?]{0,25}$"
    # a number or address the customer is asked to use: "contact Environmental Services on …"
    r"|\b(?:call|ring|phone|contact|reach|dial|text|whatsapp)\s+(?!(?:you|your|u)\b)"
    r"(?:[\w&'-]+\s+){0,5}?(?:directly\s+)?(?:on|at)\s*$"
    r"|(?:^|[.!?]\s*|\bplease\s+|\bkindly\s+|\bjust\s+|\bor\s+|\band\s+|\bcan\s+)(?:send|forward"
    r"|e-?mail|write|submit|upload)\s+"
    r"(?:[\w']+\s+){0,5}?to\s*$",
    re.IGNORECASE,
)
_FREE_MAIL = re.compile(
    r"^(?:g(?:oogle)?mail|yahoo|hotmail|outlook|live|msn|icloud|me|mac|aol|proton(?:mail)?|pm|gmx"
    r"|mail|yandex|zoho|btinternet|sky|virginmedia|talktalk|comcast|verizon|att|orange|free|web"
    r"|qq|163|126)\.",
    re.IGNORECASE,
)
_BUSINESS_PHONE = re.compile(
    r"^(?:(?:\+?44|0)(?:800|808|3\d\d|84\d|87\d)|(?:\+?1)?8(?:00|33|44|55|66|77|88)|0120|0800)"
)
_ROLE_MAILBOX = re.compile(
    r"^(?:support|help|care|info|hello|contact|customerservices?|customer\.?care|service|team"
    r"|enquiries|inquiries|complaints|feedback|no-?reply|press|media|social|privacy|security"
    r"|abuse|billing|sales|accounts|bookings|reservations|dpo|data\.?protection"
    r"|orders|returns|customerrelations|claims|damage|damages|refunds|payments|accounts?payable"
    r"|reception|office|admin(?=@[\w.-]*(?:brand|example))|noreply|helpdesk|service\w*|guest\w*)\b",
    re.IGNORECASE,
)
_STREET = re.compile(
    r"\b\d{1,5}[A-Za-z]?,?\s+(?:[A-Z][a-z]+\s+){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln"
    r"|Drive|Dr|Boulevard|Blvd|Way|Close|Court|Ct|Place|Pl|Crescent|Cres|Terrace|Gardens|Square"
    r"|Sq|Highway|Hwy|Parkway|Pkwy|Circle|Cir|Grove|Row|Mews|Hill|Park)\b\.?"
    r"(?:,?\s+(?:Apt|Apartment|Flat|Unit|Suite)\s+\w+)?"
)
_POSTCODE = re.compile(
    r"\b(?:[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}|[A-Z][a-z]+,?\s+[A-Z]{2}\s+\d{5}(?:-\d{4})?)\b"
)
_MASKED = re.compile(r"[*xX•]{3,}")

LUHN_LENGTHS = range(13, 20)


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check used by payment card numbers."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def iban_valid(candidate: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters to numbers, mod 97 = 1."""
    compact = candidate.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    rearranged = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


@dataclass(frozen=True, slots=True)
class Personal:
    start: int
    end: int
    kind: str  # "phone number", "card number", …


class PiiSettings(RuleSettings):
    public_contacts: list[str] = Field(
        default_factory=list,
        description="the brand's own phone numbers, e-mail addresses and domains",
    )
    trust_context: bool = Field(
        True, description="treat numbers offered as the company's own ('call us on') as public"
    )


class PiiRule(Rule[PiiSettings]):
    id = "pii_in_public"
    title = "Personal data in a public reply"
    default_severity = Severity.BLOCK
    settings_model = PiiSettings

    def find(self, draft: DraftAnalysis) -> Iterator[Finding]:
        if not draft.draft.public:
            return
        for item in find_personal_data(draft.plain, self.settings):
            yield self.finding(
                item.start,
                item.end,
                f"A {item.kind} in a public reply.",
                "Move this to a private message and take it out of the public reply; keep a "
                'short public answer ("We\'ve sent you a DM").',
            )


def find_personal_data(text: str, settings: PiiSettings | None = None) -> list[Personal]:
    """Personal data in ``text``, in reading order, public contacts left out."""
    cfg = settings or PiiSettings()
    urls = [(m.start(), m.end()) for m in URL.finditer(text)]
    found: list[Personal] = []
    items = (*_emails(text, cfg), *_ibans(text), *_numbers(text, cfg), *_addresses(text, cfg))
    for item in items:
        if not any(a <= item.start < b for a, b in urls) and not _covered(found, item):
            found.append(item)
    return sorted(found, key=lambda p: p.start)


def _covered(found: list[Personal], item: Personal) -> bool:
    return any(p.start < item.end and item.start < p.end for p in found)


def _emails(text: str, cfg: PiiSettings) -> Iterator[Personal]:
    public = {c.lower().lstrip("@") for c in cfg.public_contacts}
    for match in _EMAIL.finditer(text):
        address = match.group(0).lower()
        local, _, domain = address.partition("@")
        if address in public or domain in public:
            continue
        if _FREE_MAIL.match(domain) or not (
            _ROLE_MAILBOX.match(local) or _offered_as_ours(text, match.start(), cfg)
        ):
            yield Personal(match.start(), match.end(), "e-mail address")


def _ibans(text: str) -> Iterator[Personal]:
    for match in _IBAN.finditer(text):
        if iban_valid(match.group(0)):
            yield Personal(match.start(), match.end(), "bank account number (IBAN)")


def _numbers(text: str, cfg: PiiSettings) -> Iterator[Personal]:
    public = {_digits(c)[-9:] for c in cfg.public_contacts if len(_digits(c)) >= 7}
    for match in _DIGITS.finditer(text):
        kind = _number_kind(text, match, public, cfg)
        if kind:
            yield Personal(match.start(), match.end(), kind)
    for match in _ALNUM_REF.finditer(text):
        if not _MASKED.search(match.group(1)):
            yield Personal(match.start(1), match.end(1), "booking or account reference")


def _number_kind(text: str, match: re.Match[str], public: set[str], cfg: PiiSettings) -> str | None:
    raw = match.group(0)
    digits = _digits(raw)
    before = text[max(0, match.start() - 40) : match.start()]
    if _KEYWORD.search(before) and len(digits) >= 5:
        return "card number" if _is_card(digits, raw) else "account or order number"
    if _is_card(digits, raw):
        return "card number"
    if not 7 <= len(digits) <= 15 or not _phone_shaped(raw):
        return None
    if digits[-9:] in public or _BUSINESS_PHONE.match(digits):
        return None
    return None if _offered_as_ours(text, match.start(), cfg) else "phone number"


def _offered_as_ours(text: str, start: int, cfg: PiiSettings) -> bool:
    return cfg.trust_context and bool(_OURS_BEFORE.search(text[max(0, start - 60) : start]))


def _is_card(digits: str, raw: str) -> bool:
    return len(digits) in LUHN_LENGTHS and not raw.startswith("+") and luhn_valid(digits)


def _phone_shaped(raw: str) -> bool:
    if "." in raw and not re.fullmatch(r"\d{3}\.\d{3}\.\d{4}", raw):
        return False  # versions, IP addresses
    return raw.startswith(("+", "0", "(")) or bool(re.search(r"[\s-]", raw)) or len(raw) >= 10


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _addresses(text: str, cfg: PiiSettings) -> Iterator[Personal]:
    for pattern, kind in ((_STREET, "postal address"), (_POSTCODE, "postcode")):
        for match in pattern.finditer(text):
            if match.group(0)[-2:] in _SIZES or _offered_as_ours(text, match.start(), cfg):
                continue
            yield Personal(match.start(), match.end(), kind)


_SIZES = frozenset({"TB", "GB", "MB", "KB"})
