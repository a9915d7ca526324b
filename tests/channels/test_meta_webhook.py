"""Meta's webhook security: the X-Hub-Signature-256 check and the verify-token handshake."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from heedful.channels.facebook.adapter import FacebookAdapter
from heedful.channels.facebook.config import FacebookConfig
from heedful.channels.instagram.adapter import InstagramAdapter
from heedful.channels.instagram.config import InstagramConfig
from heedful.errors import AuthFailed, InputRejected
from tests.channels.conftest import payload

APP_SECRET = "app-secret-0123456789abcdef"
BODY = b'{"object":"page","entry":[]}'


def facebook(**overrides: str) -> FacebookAdapter:
    settings = {"app_secret": APP_SECRET, "verify_token": "verify-me", **overrides}
    return FacebookAdapter(FacebookConfig.model_validate(settings))


def signed(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_correct_signature_verifies() -> None:
    assert facebook().verify({"X-Hub-Signature-256": signed(BODY)}, BODY)


def test_header_names_are_case_insensitive() -> None:
    assert facebook().verify({"x-hub-signature-256": signed(BODY)}, BODY)


def test_a_recorded_body_verifies_byte_for_byte() -> None:
    body = payload("facebook_instagram", "restfb__instagram__wh-comments-2021.json").read_bytes()
    adapter = InstagramAdapter(InstagramConfig.model_validate({"app_secret": APP_SECRET}))
    assert adapter.verify({"X-Hub-Signature-256": signed(body)}, body)
    assert not adapter.verify({"X-Hub-Signature-256": signed(body)}, body.replace(b" ", b""))


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": ""},
        {"X-Hub-Signature-256": signed(BODY, "another-secret")},
        {"X-Hub-Signature-256": signed(BODY + b" ")},
        {"X-Hub-Signature-256": signed(BODY).removeprefix("sha256=")},
        {"X-Hub-Signature": "sha1=" + hmac.new(APP_SECRET.encode(), BODY, "sha1").hexdigest()},
    ],
    ids=["missing", "empty", "wrong-secret", "other-body", "no-prefix", "sha1-only"],
)
def test_bad_or_missing_signatures_are_refused(headers: dict[str, str]) -> None:
    assert not facebook().verify(headers, BODY)


def test_an_account_without_app_secret_verifies_nothing() -> None:
    assert not facebook(app_secret="").verify({"X-Hub-Signature-256": signed(BODY, "")}, BODY)


def test_handshake_echoes_the_challenge() -> None:
    query = {
        "hub.mode": "subscribe",
        "hub.verify_token": "verify-me",
        "hub.challenge": "1158201444",
    }
    answer = facebook().answer_challenge(query)
    assert answer.body == b"1158201444"
    assert answer.status == 200
    assert answer.content_type == "text/plain"


@pytest.mark.parametrize(
    ("query", "error"),
    [
        ({"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"}, AuthFailed),
        (
            {"hub.mode": "unsubscribe", "hub.verify_token": "verify-me", "hub.challenge": "1"},
            AuthFailed,
        ),
        ({"hub.mode": "subscribe", "hub.challenge": "1"}, AuthFailed),
        ({"hub.mode": "subscribe", "hub.verify_token": "verify-me"}, InputRejected),
    ],
    ids=["wrong-token", "wrong-mode", "no-token", "no-challenge"],
)
def test_handshake_refuses_what_is_not_meta(query: dict[str, str], error: type[Exception]) -> None:
    with pytest.raises(error):
        facebook().answer_challenge(query)


def test_an_unset_verify_token_never_matches() -> None:
    query = {"hub.mode": "subscribe", "hub.verify_token": "", "hub.challenge": "1"}
    with pytest.raises(AuthFailed):
        facebook(verify_token="").answer_challenge(query)
