"""Password hashing and the built-in session token."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest

from vocahire.errors import NotAuthenticated
from vocahire.services.accounts import passwords
from vocahire.services.accounts.session_tokens import issue_session_token, verify_session_token
from vocahire.settings import load_settings


def test_hash_is_argon2id_and_verifies_only_the_right_password():
    h = passwords.hash_password("correct-horse-42")
    assert h.startswith("$argon2id$")
    assert passwords.verify_password(h, "correct-horse-42")
    assert not passwords.verify_password(h, "correct-horse-43")
    assert not passwords.verify_password(None, "anything")
    assert not passwords.verify_password("not-a-hash", "anything")


@pytest.mark.parametrize("weak", ["short1", "abcdefghijkl", "12345678901", "password123", "aaaaaaaaaaaa1"])
def test_weak_passwords_are_explained(weak):
    assert passwords.password_problem(weak)


def test_reasonable_password_is_accepted():
    assert passwords.password_problem("correct-horse-42") is None


def test_session_token_round_trip(env):
    s = load_settings()
    token = issue_session_token(7, "s1", s)
    assert verify_session_token(token, s).user_id == 7


def test_expired_token_is_refused_with_a_clear_message(env):
    s = load_settings()
    stale = datetime.now(UTC) - timedelta(minutes=s.session_ttl_minutes + 1)
    token = issue_session_token(7, "s1", s, now=stale)
    with pytest.raises(NotAuthenticated, match="expired"):
        verify_session_token(token, s)


def test_a_token_verified_before_is_still_refused_once_it_expires(env, monkeypatch):
    """Each tab's events present the same token, decoded once: its expiry is checked every time."""
    from vocahire.services.accounts import session_tokens

    s = load_settings()
    token = issue_session_token(7, "s1", s)
    assert verify_session_token(token, s).session_id == "s1"
    later = datetime.now(UTC) + timedelta(minutes=s.session_ttl_minutes, seconds=6)

    class Later(datetime):
        @classmethod
        def now(cls, tz=None):
            return later

    monkeypatch.setattr(session_tokens, "datetime", Later)
    with pytest.raises(NotAuthenticated, match="expired"):
        verify_session_token(token, s)
    # A token signed with another secret (rotated) is not taken for one verified before.
    monkeypatch.undo()
    other = s.model_copy(update={"session_secret": "another-secret-" + "x" * 40})
    with pytest.raises(NotAuthenticated, match="not valid"):
        verify_session_token(token, other)


def test_tampered_token_is_refused(env):
    s = load_settings()
    token = issue_session_token(7, "s1", s)
    header, _, sig = token.split(".")
    forged = jwt.encode(
        {"sub": "1", "iss": "vocahire", "aud": "vocahire-web", "iat": 1, "exp": 9999999999},
        "an-attackers-guess-at-the-secret-32b",
        algorithm="HS256",
    )
    for bad in (f"{header}.{forged.split('.')[1]}.{sig}", forged, "garbage", "", token[:-3] + "abc"):
        with pytest.raises(NotAuthenticated):
            verify_session_token(bad, s)


def test_alg_none_token_is_refused(env):
    s = load_settings()
    unsigned = jwt.encode(
        {"sub": "1", "iss": "vocahire", "aud": "vocahire-web", "iat": 1, "exp": 9999999999},
        None,
        algorithm="none",
    )
    with pytest.raises(NotAuthenticated):
        verify_session_token(unsigned, s)


# --- which token counts -----------------------------------------------------------------------


def test_the_provider_decides_which_presented_token_counts(env):
    from vocahire.services.accounts.identity import Credential

    both_cookies = "vh_session=builtin-token; __session=clerk-cookie-token"
    credential = Credential(cookie_header=both_cookies, bridge_token="bridge-token")
    env(AUTH_PROVIDER="builtin")
    assert credential.token(load_settings()) == "builtin-token"  # a bridge token means nothing here
    env(AUTH_PROVIDER="clerk")
    assert credential.token(load_settings()) == "bridge-token"
    assert Credential(cookie_header=both_cookies).token(load_settings()) == "clerk-cookie-token"
    bearer = Credential.from_headers({"cookie": both_cookies, "authorization": "Bearer header-token"})
    assert bearer.token(load_settings()) == "header-token"
    for nothing in (Credential(), Credential(cookie_header="=;;junk"), Credential(authorization="Basic x")):
        assert nothing.token(load_settings()) is None


def test_nothing_presented_is_anonymous_and_a_bad_token_is_refused_with_its_reason(env):
    import asyncio

    from vocahire.services.accounts.identity import Credential, identify, require_user

    s = load_settings()
    stale = datetime.now(UTC) - timedelta(minutes=s.session_ttl_minutes + 1)
    expired = issue_session_token(7, "s1", s, now=stale)
    for nothing in (None, "", Credential(), Credential(authorization="Bearer ")):
        assert asyncio.run(identify(nothing)) is None
        with pytest.raises(NotAuthenticated):
            asyncio.run(require_user(nothing))
    with pytest.raises(NotAuthenticated, match="expired"):
        asyncio.run(identify(Credential(cookie_header=f"vh_session={expired}")))
    with pytest.raises(NotAuthenticated):
        asyncio.run(identify("garbage"))
