"""The labelled corpora in ``../shared/data`` as training/evaluation examples, with one split.

Used by the training script, the evaluation and the tests; never at run time. Each example
carries at most one label per task; tasks a corpus does not label are ``None``.

**Split.** Every corpus is split the same way: examples are grouped (normalised text, or the
conversation for TWCS) and a group is in ``dev`` when the first byte of the SHA-256 of
``"<corpus>:<group>"`` is below 20 % of 256; otherwise it is in ``train``. The model is trained on
``train`` only and every reported figure comes from ``dev``.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from heedful.triage.taxonomy import SENTIMENTS, SEVERITIES

Split = Literal["train", "dev"]
DEV_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class Example:
    corpus: str
    text: str
    split: Split
    sentiment: int | None = None  # index into SENTIMENTS
    complaint: int | None = None  # 0 / 1
    severity: int | None = None  # index into SEVERITIES (complaints only)
    topic: str | None = None  # a built-in topic id


def normalise(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def split_of(corpus: str, group: str) -> Split:
    digest = hashlib.sha256(f"{corpus}:{group}".encode()).digest()
    return "dev" if digest[0] < DEV_SHARE * 256 else "train"


def _rows(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        yield from csv.DictReader(handle)


def _sentiment_index(name: str) -> int | None:
    name = name.strip().lower()
    return SENTIMENTS.index(name) if name in SENTIMENTS else None


def load_complaints(data: Path) -> list[Example]:
    out = []
    for row in _rows(data / "complaints" / "complaints.csv"):
        text = row["text"]
        severity = row["severity_name"]
        is_random = row["domain"] == "random_tweet"
        out.append(
            Example(
                corpus="complaints",
                text=text,
                split=split_of("complaints", normalise(text)),
                sentiment=_sentiment_index(row["sentiment"]),
                complaint=int(row["complaint"]),
                severity=SEVERITIES.index(severity) if severity in SEVERITIES else None,
                topic="other" if is_random else None,
            )
        )
    return out


AIRLINE_TOPICS = {
    "Customer Service Issue": "staff_service",
    "Flight Attendant Complaints": "staff_service",
    "longlines": "staff_service",
    "Late Flight": "outage",
    "Cancelled Flight": "outage",
    "Flight Booking Problems": "delivery_order",
    "Bad Flight": "product_fault",
}


def _airline_topic(row: dict[str, str]) -> str | None:
    label = row["airline_sentiment"]
    if label == "positive":
        return "praise"
    if label == "neutral":
        return "question" if "?" in row["text"] else None
    return AIRLINE_TOPICS.get(row["negativereason"])


def load_airline(data: Path) -> list[Example]:
    return [
        Example(
            corpus="airline",
            text=row["text"],
            split=split_of("airline", normalise(row["text"])),
            sentiment=_sentiment_index(row["airline_sentiment"]),
            topic=_airline_topic(row),
        )
        for row in _rows(data / "airline_sentiment" / "tweets.csv")
    ]


def load_tweeteval(data: Path) -> list[Example]:
    return [
        Example(
            corpus="tweeteval",
            text=row["text"],
            split=split_of("tweeteval", normalise(row["text"])),
            sentiment=int(row["label"]),
        )
        for row in _rows(data / "tweeteval_sentiment" / "sentiment.csv")
    ]


BITEXT_TOPICS = {
    "account_access": "create_account delete_account edit_account recover_password "
    "registration_problems switch_account",
    "refund_cancellation": "check_cancellation_fee cancel_order check_refund_policy get_refund "
    "track_refund",
    "staff_service": "contact_customer_service contact_human_agent",
    "delivery_order": "delivery_options delivery_period change_order place_order track_order "
    "change_shipping_address set_up_shipping_address",
    "billing_payment": "check_invoice get_invoice check_payment_methods payment_issue",
    "other": "newsletter_subscription",
}


def _invert(table: dict[str, str]) -> dict[str, str]:
    return {name: topic for topic, names in table.items() for name in names.split()}


def load_bitext(data: Path) -> list[Example]:
    topics = _invert(BITEXT_TOPICS)
    path = data / "bitext_customer_support" / "bitext_customer_support.csv"
    return [
        Example(
            corpus="bitext",
            text=row["instruction"],
            split=split_of("bitext", normalise(row["instruction"])),
            topic=topics.get(row["intent"]),
        )
        for row in _rows(path)
    ]


BANKING_TOPICS = {
    "refund_cancellation": "Refund_not_showing_up request_refund cancel_transfer terminate_account",
    "account_access": "passcode_forgotten pin_blocked unable_to_verify_identity "
    "verify_my_identity edit_personal_details lost_or_stolen_phone compromised_card",
    "delivery_order": "card_arrival card_delivery_estimate order_physical_card "
    "getting_spare_card get_physical_card",
    "product_fault": "card_not_working contactless_not_working virtual_card_not_working "
    "card_swallowed activate_my_card",
    "billing_payment": "card_payment_fee_charged card_payment_not_recognised "
    "card_payment_wrong_exchange_rate cash_withdrawal_charge cash_withdrawal_not_recognised "
    "declined_card_payment declined_transfer direct_debit_payment_not_recognised "
    "exchange_charge extra_charge_on_statement failed_transfer pending_card_payment "
    "pending_transfer transaction_charged_twice transfer_fee_charged "
    "transfer_not_received_by_recipient wrong_amount_of_cash_received top_up_failed "
    "top_up_reverted balance_not_updated_after_bank_transfer reverted_card_payment? "
    "declined_cash_withdrawal pending_top_up pending_cash_withdrawal",
    "question": "age_limit country_support supported_cards_and_currencies exchange_rate "
    "fiat_currency_support visa_or_mastercard apple_pay_or_google_pay top_up_limits "
    "disposable_card_limits why_verify_identity exchange_via_app getting_virtual_card "
    "topping_up_by_card top_up_by_cash_or_cheque receiving_money transfer_timing",
}
BANKING_CAP_PER_TOPIC = 500


def load_banking(data: Path) -> list[Example]:
    topics = _invert(BANKING_TOPICS)
    kept: dict[str, int] = {}
    out = []
    for row in _rows(data / "banking77" / "banking77.csv"):
        topic = topics.get(row["category"])
        if topic is None or kept.get(topic, 0) >= BANKING_CAP_PER_TOPIC:
            continue
        kept[topic] = kept.get(topic, 0) + 1
        text = row["text"]
        out.append(Example("banking77", text, split_of("banking77", normalise(text)), topic=topic))
    return out


# TWCS labels in priority order (the first that applies wins; unlisted labels say nothing)
TWCS_TOPICS = (
    ("Service Praise", "praise"),
    ("Bad Support", "staff_service"),
    ("Refund", "refund_cancellation"),
    ("Order Cancellation", "refund_cancellation"),
    ("Return", "refund_cancellation"),
    ("Billing/Payment", "billing_payment"),
    ("Account", "account_access"),
    ("Delivery", "delivery_order"),
    ("Packaging", "delivery_order"),
    ("Replacement", "product_fault"),
    ("Battery", "product_fault"),
    ("Unresponsive/Freezing Device", "product_fault"),
    ("Update", "product_fault"),
    ("App", "product_fault"),
    ("Premium", "billing_payment"),
    ("Student Subscription", "billing_payment"),
    ("Family Subscription", "billing_payment"),
)


def twcs_topic(labels: str) -> str | None:
    present = set(labels.split("|"))
    return next((topic for label, topic in TWCS_TOPICS if label in present), None)


def load_twcs(data: Path) -> list[Example]:
    path = data / "twcs_ericsson_labelled" / "labelled_tweets.csv"
    return [
        Example(
            corpus="twcs",
            text=row["text"],
            split=split_of("twcs", row["main_tweet_id"]),
            topic=twcs_topic(row["labels"]) or "other",
        )
        for row in _rows(path)
        if row["task"] == "customer_topic"
    ]


OUTAGE_PATTERN = re.compile(
    r"\b(is|are|been|went|still|servers?|service|site|app|website|network|internet|wifi|cable|"
    r"tv|power|system|everything|it)\s+(is\s+|are\s+)?(down|offline)\b|\boutages?\b|"
    r"\bno (service|signal|internet|wifi|connection|power|cable)\b|"
    r"\b(won'?t|will not|doesn'?t|does not|can'?t|cannot|not) (load|connect)\b|"
    r"\bdown (again|for|since)\b",
    re.IGNORECASE,
)
WEAK_OUTAGE_FILES = (
    "twcs_first5000.csv",
    "twcs_kaggle_sample.csv",
    "twcs_spotifycares_inbound.csv",
)
WEAK_OUTAGE_CAP = 400


def load_weak_outage(data: Path) -> list[Example]:
    """Unlabelled inbound TWCS tweets that plainly say a service is down (weak labels)."""
    out: list[Example] = []
    for name in WEAK_OUTAGE_FILES:
        for row in _rows(data / "twcs_samples" / name):
            text = row.get("text", "")
            inbound = row.get("inbound", "True") == "True"
            if inbound and len(out) < WEAK_OUTAGE_CAP and OUTAGE_PATTERN.search(text):
                split = split_of("weak", normalise(text))
                out.append(Example("weak_outage", text, split, topic="outage"))
    return out


# A few outage messages written for this project (outage is rare in the labelled sets).
SEED_OUTAGE = (
    "your app has been down all morning",
    "is the website down? it won't load for me",
    "internet down again in my area, any eta for a fix?",
    "no signal at all since last night, is there an outage?",
    "servers are down and I can't log in to play",
    "the service is offline for everyone here",
    "payments page keeps timing out, is something down?",
    "streaming stopped working for the whole street, outage?",
    "phone lines are dead and the site is down too",
    "broadband has dropped out three times today",
    "is there a known outage? nothing works",
    "app crashes on launch for everyone since the update, servers down?",
    "power cut in our town, when will it be back on?",
    "your network is down across the city",
    "email service down again, cannot send anything",
    "the tv service has been off since 6pm",
    "card payments failing everywhere, is your system down?",
    "no mobile data for hours, what is going on",
    "website shows 503 error all day",
    "the whole platform is unreachable right now",
)


def load_seed_outage(data: Path) -> list[Example]:
    return [
        Example("seed_outage", text, split_of("seed", normalise(text)), topic="outage")
        for text in SEED_OUTAGE
    ]


LOADERS: dict[str, Callable[[Path], list[Example]]] = {
    "complaints": load_complaints,
    "airline": load_airline,
    "tweeteval": load_tweeteval,
    "bitext": load_bitext,
    "banking77": load_banking,
    "twcs": load_twcs,
    "weak_outage": load_weak_outage,
    "seed_outage": load_seed_outage,
}


def load_all(data: Path) -> list[Example]:
    """Every example of every corpus, in a fixed order."""
    return [example for name in sorted(LOADERS) for example in LOADERS[name](data)]
