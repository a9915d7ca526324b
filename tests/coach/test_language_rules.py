"""blame, dismissive, no_empathy, generic_redirect: positives and the tricky negatives."""

from __future__ import annotations

import pytest

from heedful.coach import Coach
from tests.coach.conftest import findings, rules

ANGRY = "This is the worst service ever, 3 days and still no internet!!"

BLAME = [
    "This isn't our fault, the outage is down to your provider.",
    "You should have read the terms before booking.",
    "As per our terms you agreed to a 12 month contract.",
    "Please contact your bank about the blocked card.",
    "That's down to your provider, not us.",
    "We can't be held responsible for delays caused by the courier.",
    "The issue is on your end, check your router.",
    "You must have entered the wrong card number.",
    "It's up to you to keep your password safe.",
    "We're not responsible for third-party plugins on your site.",
    "The delay is out of our control.",
]
NOT_BLAME = [
    "Sorry, this is our fault and we'll put it right today.",
    "You should have received an email from us with the new time.",
    "You should have a reference number in that email.",
    "It's not your fault at all — I'm sorry for the trouble.",
    "You said the agent told you it was 'not our fault'. That was wrong, and I'm sorry.",
    "I'm sorry you were told it was not our fault; it was.",
    "Have you spoken with your bank yet?",
    "We'll contact the courier for you and chase the parcel today.",
    "You shouldn't have to wait this long, sorry.",
    "It's up to you to decide which plan suits you best.",
    "We take full responsibility for the delay.",
]


@pytest.mark.parametrize("text", BLAME)
def test_blame_positive(coach: Coach, text: str) -> None:
    assert "blame" in rules(coach, text)


@pytest.mark.parametrize("text", NOT_BLAME)
def test_blame_negative(coach: Coach, text: str) -> None:
    assert "blame" not in rules(coach, text)


def test_blame_span_points_at_the_words(coach: Coach) -> None:
    text = "Hi Sam. Sadly this isn't our fault."
    (found,) = [f for f in findings(coach, text) if f.rule == "blame"]
    assert text[found.start : found.end] == "n't our fault"
    assert found.suggestion


DISMISSIVE = [
    "That's a bit harsh.",
    "Calm down, we're looking into it.",
    "We disagree with your comment.",
    "I'm sorry you feel that way.",
    "As we already explained, the fee applies.",
    "It's only a 20 minute delay.",
    "Feel free to take your business elsewhere.",
    "There's no need to be rude.",
    "You're overreacting.",
]
NOT_DISMISSIVE = [
    "That's not right, I'm sorry — I've refunded the charge.",
    "No need to apologise! Glad it's working again.",
    "We don't disagree: it took far too long.",
    "Sit back and enjoy the flight!",
    "I'm sorry you feel let down by us; here's what I'll do.",
    "Feel free to leave us a review.",
]


@pytest.mark.parametrize("text", DISMISSIVE)
def test_dismissive_positive(coach: Coach, text: str) -> None:
    assert "dismissive" in rules(coach, text, customer=ANGRY)


@pytest.mark.parametrize("text", NOT_DISMISSIVE)
def test_dismissive_negative(coach: Coach, text: str) -> None:
    assert "dismissive" not in rules(coach, text, customer=ANGRY)


def test_curt_reply_to_an_upset_customer_is_dismissive(coach: Coach) -> None:
    assert "dismissive" in rules(coach, "@123 Noted. ^AB", customer=ANGRY)
    assert "dismissive" not in rules(coach, "@123 Thanks! ^AB", customer="Love the new app")


def test_no_empathy_needs_an_upset_customer(coach: Coach) -> None:
    draft = "Please DM us your account number."
    assert "no_empathy" in rules(coach, draft, customer=ANGRY)
    assert "no_empathy" not in rules(coach, draft, customer="How do I change my plan?")
    assert "no_empathy" not in rules(coach, draft)


def test_a_specific_apology_is_empathy_a_generic_one_is_not(coach: Coach) -> None:
    specific = "I'm so sorry your internet has been down for 3 days. Please DM us."
    generic = "We apologise for any inconvenience caused. Please DM us."
    assert "no_empathy" not in rules(coach, specific, customer=ANGRY)
    (found,) = [f for f in findings(coach, generic, customer=ANGRY) if f.rule == "no_empathy"]
    assert "generic" in found.message


REDIRECT = [
    "Please fill in the form on our website and we'll reply within 36 hours.",
    "Please contact our customer service team on 0800 123 4567.",
    "You can find all the information on our website.",
    "Please visit our help centre for more details.",
    "Please call the number on the back of your card.",
    "Please email us at help@brand.example and we'll get back to you.",
]
NOT_REDIRECT = [
    "Please DM us your order number and I'll check it now.",
    "Try restarting the router: here's how: https://example.com/router-restart",
    "I've escalated this to our network team and will update you by 5pm.",
    "Have you filled in the claim form already?",
    "This article explains how to reset your password: https://example.com/reset",
]


@pytest.mark.parametrize("text", REDIRECT)
def test_generic_redirect_positive(coach: Coach, text: str) -> None:
    assert "generic_redirect" in rules(coach, text)


@pytest.mark.parametrize("text", NOT_REDIRECT)
def test_generic_redirect_negative(coach: Coach, text: str) -> None:
    assert "generic_redirect" not in rules(coach, text)
