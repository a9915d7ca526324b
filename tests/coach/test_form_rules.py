"""pii_in_public, take_offline, missing_signature, too_long, shouting, placeholder."""

from __future__ import annotations

import pytest

from heedful.coach import Coach
from heedful.coach.length import Counting, measure, x_weighted_length
from heedful.coach.rules.pii import find_personal_data, iban_valid, luhn_valid
from tests.coach.conftest import configured, findings, rules

PII = [
    ("We'll call you back on 07700 900123 today.", "07700 900123"),
    ("Is your email jane.doe@gmail.com?", "jane.doe@gmail.com"),
    ("Your card 4111 1111 1111 1111 has been unblocked.", "4111 1111 1111 1111"),
    ("Your order number 203-4567891-2345678 has shipped.", "203-4567891-2345678"),
    ("We've sent it to 42 Baker Street, London.", "42 Baker Street"),
    ("Refund going to GB82 WEST 1234 5698 7654 32.", "GB82 WEST 1234 5698 7654 32"),
    ("Your booking reference is XK7Q2B.", "XK7Q2B"),
]
NOT_PII = [
    "Call us on 0800 123 4567, we're open till 8pm.",
    "You can reach our helpline on 020 7946 0000 any time.",
    "Email us at support@brand.example and we'll help.",
    "Please DM us your order number.",
    "iOS 11.1.2 fixes this; update and restart.",
    "The card ending 1234 is blocked for your safety.",
    "Trains run every 15 minutes between 06:30 and 23:00.",
]


@pytest.mark.parametrize(("text", "span"), PII)
def test_personal_data_in_public_is_blocked(coach: Coach, text: str, span: str) -> None:
    found = [f for f in findings(coach, text) if f.rule == "pii_in_public"]
    assert [text[f.start : f.end] for f in found] == [span]
    assert found[0].severity == "block"


@pytest.mark.parametrize("text", NOT_PII)
def test_public_contact_points_are_not_personal_data(coach: Coach, text: str) -> None:
    assert "pii_in_public" not in rules(coach, text)


def test_private_replies_may_carry_personal_data(coach: Coach) -> None:
    assert "pii_in_public" not in rules(coach, "Call you on 07700 900123", public=False)


def test_the_brands_helpline_is_configurable() -> None:
    text = "Ring 01632 960 001 and we'll sort it."
    assert "pii_in_public" in rules(configured(), text)
    coach = configured(pii_in_public={"public_contacts": ["+44 1632 960001"]})
    assert "pii_in_public" not in rules(coach, text)


def test_checksums() -> None:
    assert luhn_valid("4111111111111111") and not luhn_valid("4111111111111112")
    assert iban_valid("GB82 WEST 1234 5698 7654 32") and not iban_valid(
        "GB82 WEST 1234 5698 7654 33"
    )
    assert find_personal_data("see 4111 1111 1111 1112") == []  # fails Luhn, no keyword


def test_take_offline_when_asking_for_details_in_public(coach: Coach) -> None:
    assert "take_offline" in rules(coach, "Can you reply with your account number?")
    assert "take_offline" not in rules(coach, "Please DM us your account number.")
    assert "take_offline" not in rules(coach, "Please don't post your account number here.")
    assert "take_offline" not in rules(
        coach, "Can you reply with your account number?", public=False
    )


def test_take_offline_for_a_sensitive_matter(coach: Coach) -> None:
    customer = "My account was hacked and money is gone, furious!!"
    assert "take_offline" in rules(coach, "Sorry! When did you last log in?", customer=customer)
    assert "take_offline" not in rules(
        coach, "Sorry! I've sent you a DM so we can look at this safely.", customer=customer
    )


@pytest.mark.parametrize(
    "signed",
    ["Sorry about that ^AB", "Glad to help -Becky", "Done! /CH https://t.co/x", "Thanks, Sam"],
)
def test_signed_replies(coach: Coach, signed: str) -> None:
    assert "missing_signature" not in rules(coach, signed, signature_required=True)


def test_missing_signature_only_when_required(coach: Coach) -> None:
    assert "missing_signature" in rules(coach, "Sorry about that.", signature_required=True)
    assert "missing_signature" not in rules(coach, "Sorry about that.")


def test_x_weighted_length() -> None:
    assert x_weighted_length("a" * 280) == 280
    assert x_weighted_length("日本" * 70) == 280  # CJK weighs 2
    assert x_weighted_length("see https://example.com/" + "x" * 100) == 4 + 23
    assert x_weighted_length("👨‍👩‍👧") == 2  # one emoji sequence
    assert x_weighted_length("@123 @456 hi") == 2  # reply @names don't count


def test_other_platform_counts() -> None:
    assert (
        measure("hi @bob@mastodon.social https://example.com/" + "x" * 50, Counting.MASTODON) == 31
    )
    assert measure("é👨‍👩‍👧", Counting.GRAPHEMES) == 2


def test_too_long_per_channel(coach: Coach) -> None:
    text = "word " * 70  # 350 characters
    (found,) = [f for f in findings(coach, text, channel="x") if f.rule == "too_long"]
    assert found.start == 280 and "280" in found.message
    assert "too_long" in rules(coach, "日" * 150, channel="bluesky") | rules(
        coach, "日" * 301, channel="bluesky"
    )
    assert "too_long" not in rules(coach, text, channel="mastodon")
    assert "too_long" not in rules(coach, text * 10, channel="email")


def test_shouting(coach: Coach) -> None:
    assert "shouting" in rules(coach, "WE ARE LOOKING INTO IT")
    assert "shouting" not in rules(coach, "Please DM us your PSN ID via the FAQ page")
    assert "shouting" not in rules(coach, "We will NEVER ask for your password.")


@pytest.mark.parametrize(
    "slot", ["{name}", "[ORDER]", "{{first_name}}", "<NAME>", "[insert date]", "%AGENT%"]
)
def test_placeholders(coach: Coach, slot: str) -> None:
    text = f"Hi {slot}, your refund is on its way."
    (found,) = [f for f in findings(coach, text) if f.rule == "placeholder"]
    assert text[found.start : found.end] == slot


def test_not_placeholders(coach: Coach) -> None:
    assert "placeholder" not in rules(coach, "Love this <3 (1/2) [sic] <b>thanks</b>")


@pytest.mark.parametrize(
    "text",
    [
        "Please contact Environmental Services on 01632 960 000 Monday to Friday.",
        "I'm Jo from the claims team — my direct line is 020 7946 0321.",
        "Please send your photos to damage@rentco.example and we'll review them.",
        "You can upload it in the app, or email it to proof@bank.example.",
    ],
)
def test_contact_points_offered_to_the_customer_are_not_personal(coach: Coach, text: str) -> None:
    assert "pii_in_public" not in rules(coach, text)


@pytest.mark.parametrize(
    "text",
    [
        "Hi Mark, I've updated the number on file to 07700 900123 as requested.",
        "We've emailed the confirmation to sarah.jones84@gmail.com.",
        "We've sent the code to jo@gmail.com, please check.",
    ],
)
def test_the_customers_own_details_are_personal(coach: Coach, text: str) -> None:
    assert "pii_in_public" in rules(coach, text)
