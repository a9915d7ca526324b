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

# Phrases added in the second dismissive round (the issue's "that's your opinion", "with
# respect", "if you read our terms", "as we already told you", sarcasm, tone policing).
ARGUING = [
    "That's your opinion, but our status page is accurate.",
    "Everyone is entitled to their opinion.",
    "We'll have to agree to disagree on this one.",
    "If you'd read the coverage checker you would know the area is patchy.",
    "If you read our terms you'll see site security is your responsibility.",
    "As we told you yesterday, the parcel was delivered.",
    "There's no need for capitals, we can read your message fine.",
    "Shouting at us won't speed it up.",
    "Theft is a serious accusation.",
    "We find that hard to believe.",
    "The meter doesn't lie.",
    "I think you'll find the fee is in your contract.",
    "That doesn't sound like our team at all.",
    "That's not what our engineer has reported.",
    "You may have misunderstood the situation.",
    "There's no reason to be upset.",
    "It's clearly stated which items are included.",
    "Cheer up, it's Friday!",
    "We are aware of the issue. Please be patient.",
]
NOT_ARGUING = [
    "Your opinion matters to us — thank you for telling us.",
    "You're entitled to a full refund, and I've started it.",
    "If you check the confirmation email, the reference is at the top.",
    "We don't find that hard to believe at all — sorry this happened.",
    "It wasn't clearly stated, sorry — that's on us.",
    "Sorry for the wait — you have been more patient than we deserve. It is fixed now.",
    "If that's not what our engineer reported, I'll find out why.",
    "Sorry — you should not have to be patient about this. An engineer is on the way and will be with you by 2pm.",
]


@pytest.mark.parametrize("text", DISMISSIVE + ARGUING)
def test_dismissive_positive(coach: Coach, text: str) -> None:
    assert "dismissive" in rules(coach, text, customer=ANGRY)


@pytest.mark.parametrize("text", NOT_DISMISSIVE + NOT_ARGUING)
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


# --- added with the held-out evaluation ------------------------------------------------------

MORE_BLAME = [
    "Buffering is usually caused by your home wifi.",
    "Servers are up, it's your connection mate.",
    "Account security is the player's responsibility, per our Terms of Service.",
    "The card was used with the correct PIN, so the transactions were authorised by you.",
    "Our status page shows all systems operational. Please check your integration.",
    "The front desk followed our policy correctly.",
    "The sender needs to raise a claim, not the recipient.",
]
MORE_NOT_BLAME = [
    "It wasn't your provider, it was us: a faulty update on our side. Fixed now, sorry.",
    "It's not caused by your router — the fault is at our exchange.",
    "Is it possible the issue is with your router? Let's check together.",
    "In line with your request, I've cancelled the order.",
]


@pytest.mark.parametrize("text", MORE_BLAME)
def test_more_blame(coach: Coach, text: str) -> None:
    assert "blame" in rules(coach, text)


@pytest.mark.parametrize("text", MORE_NOT_BLAME)
def test_more_not_blame(coach: Coach, text: str) -> None:
    assert "blame" not in rules(coach, text)


@pytest.mark.parametrize(
    ("customer", "reply"),
    [
        ("What's the number for your fraud team?", "It's 0800 555 0101, open 24/7. ^AB"),
        ("Is there a complaints form?", "There is — it's at hotel.example/complaints. ^AB"),
        (
            "Can I ring someone about my claim?",
            "Of course — call our claims line on 0345 600 1234.",
        ),
    ],
)
def test_answering_where_to_get_help_is_not_a_redirect(
    coach: Coach, customer: str, reply: str
) -> None:
    assert "generic_redirect" not in rules(coach, reply, customer=customer)


def test_the_same_redirect_unasked_is_flagged(coach: Coach) -> None:
    assert "generic_redirect" in rules(
        coach, "Please call our claims line on 0345 600 1234.", customer=ANGRY
    )


def test_we_contacting_the_team_is_not_a_redirect(coach: Coach) -> None:
    assert "generic_redirect" not in rules(coach, "Thanks. I'll get in touch with our team.")


def test_an_apology_earlier_in_the_thread_counts(coach: Coach) -> None:
    from heedful.coach import Draft

    draft = Draft("Can you DM us your account number?", customer=ANGRY)
    assert "no_empathy" in {f.rule for f in coach.check(draft)}
    earlier = ("I'm so sorry, three days without internet is awful.",)
    again = Draft(draft.text, customer=ANGRY, earlier=earlier)
    assert "no_empathy" not in {f.rule for f in coach.check(again)}


def test_word_list_rules_stay_quiet_in_another_language(coach: Coach) -> None:
    reply = "¡Oh, no! Esto no debería ser así. Dinos, ¿qué es lo que está pasando?"
    assert rules(coach, reply, customer=ANGRY) == set()


@pytest.mark.parametrize(
    "customer",
    [
        "someone took £600 from my account using my card details and your fraud team hung up",
        "Bins not collected for 3 weeks now on Elm Road. Rats everywhere. Reported it twice.",
        "Brown water coming out of the taps since this morning, is it safe??",
    ],
)
def test_upset_without_angry_words(coach: Coach, customer: str) -> None:
    assert "no_empathy" in rules(coach, "Please DM us your details.", customer=customer)


@pytest.mark.parametrize(
    "customer",
    [
        "What's the number for your fraud team?",
        "I cant connect my broker with the app on iOS 11, any suggestions?",
        "Thanks for the quick reply! I got it to work after reinstalling.",
    ],
)
def test_calm_questions_need_no_apology(coach: Coach, customer: str) -> None:
    assert "no_empathy" not in rules(coach, "Please DM us your details.", customer=customer)


@pytest.mark.parametrize(
    "reply",
    [
        "That's a very strong accusation.",
        "Let's keep it civil please, shouting won't get this fixed any faster.",
        "Our fraud team doesn't hang up on customers.",
        "Overbooking happens sometimes, it's how the industry works.",
    ],
)
def test_more_dismissive(coach: Coach, reply: str) -> None:
    assert "dismissive" in rules(coach, reply, customer=ANGRY)


def test_inviting_anger_is_not_policing_it(coach: Coach) -> None:
    reply = "Please don't feel you have to calm down for us, you have every right to be angry."
    assert "dismissive" not in rules(coach, reply, customer=ANGRY)
