"""Clerk session tokens verified locally: RS256 only, exp/nbf/iat with 5 s skew, issuer, azp; the JWKS cache.

Tokens are minted here with throwaway RSA keys in Clerk's v2 claim shape; the JWKS comes
from a local fake Clerk instance (tests/fakes/clerk_jwks.py).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.fakes.clerk_jwks import APP_ORIGIN, ISSUER, FakeClerk, new_rsa_key, running_fake_clerk
from vocahire.errors import NotAuthenticated
from vocahire.infra import clerk
from vocahire.services.accounts.identity import verify_credential
from vocahire.settings import get_settings

USER = "user_2abcDEFghiJKLmnoPQRstuVWXyz"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture(autouse=True)
def fresh_caches():
    clerk.reset_caches()
    yield
    clerk.reset_caches()


@pytest.fixture
def fake(env):
    with running_fake_clerk() as fake:
        env(**fake.settings_env())
        yield fake


def verify(token: str) -> str:
    return clerk.verify_session_token(token, get_settings())


def refused(token: str) -> str:
    with pytest.raises(NotAuthenticated) as info:
        verify(token)
    return info.value.message


# --- the checks -----------------------------------------------------------------------------------


def test_a_valid_clerk_token_names_the_clerk_user(fake):
    assert verify(fake.mint(USER)) == USER
    assert verify_credential(fake.mint(USER), get_settings()) == ("clerk", USER, None)
    assert fake.jwks_fetches() == 1  # fetched once, then cached
    assert verify(fake.mint(USER)) == USER
    assert fake.jwks_fetches() == 1


def test_an_expired_token_is_refused_but_a_few_seconds_of_clock_skew_are_tolerated(fake):
    now = time.time()
    assert "expired" in refused(fake.mint(USER, now=now - 120, lifetime=60))
    assert verify(fake.mint(USER, now=now - 63, lifetime=60)) == USER  # expired 3 s ago: within the 5 s skew
    refused(fake.mint(USER, now=now - 70, lifetime=60))  # 10 s ago: not


def test_a_token_that_is_not_yet_valid_is_refused(fake):
    now = int(time.time())
    refused(fake.mint(USER, nbf=now + 30))
    refused(fake.mint(USER, iat=now + 30, nbf=now))
    assert verify(fake.mint(USER, nbf=now + 3)) == USER  # within the skew


def test_the_issuer_must_be_the_instance_frontend_api(fake):
    refused(fake.mint(USER, iss="https://clerk.evil.example"))
    refused(fake.mint(USER, iss=None))
    refused(fake.mint(USER, iss=ISSUER + "/"))


def test_azp_must_be_an_authorized_party_and_is_skipped_when_absent(fake):
    refused(fake.mint(USER, azp="https://evil.example"))
    assert verify(fake.mint(USER, azp=APP_ORIGIN)) == USER
    assert verify(fake.mint(USER, azp=None)) == USER  # Clerk omits azp when the browser sent no Origin


def test_without_authorized_parties_setting_the_app_url_is_the_one_allowed(fake, env):
    env(CLERK_AUTHORIZED_PARTIES=None, APP_URL="https://vocahire.example")
    assert verify(fake.mint(USER, azp="https://vocahire.example")) == USER
    refused(fake.mint(USER, azp=APP_ORIGIN))


def test_a_token_signed_by_another_key_is_refused(fake):
    impostor = new_rsa_key()
    refused(fake.mint(USER, key=impostor))  # the instance's kid, someone else's signature
    refused(fake.mint(USER, kid="ins_impostor", key=impostor))


def test_alg_none_is_refused(fake):
    header = b64url(json.dumps({"alg": "none", "typ": "JWT", "kid": fake.current_kid}).encode())
    payload = b64url(json.dumps(fake.claims(USER)).encode())
    refused(f"{header}.{payload}.")
    refused(f"{header}.{payload}.{b64url(b'x')}")


@pytest.mark.parametrize("pem", [False, True])
def test_hs256_signed_with_the_public_key_is_refused(fake, env, pem):
    """Algorithm confusion: an attacker who knows the public key signs HS256 with it as the secret."""
    if pem:
        env(CLERK_JWT_KEY=fake.public_pem())
    public = fake.public_pem().encode()
    header = b64url(json.dumps({"alg": "HS256", "typ": "JWT", "kid": fake.current_kid}).encode())
    payload = b64url(json.dumps(fake.claims(USER)).encode())
    signature = hmac.new(public, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    refused(f"{header}.{payload}.{b64url(signature)}")


def test_pending_sessions_and_odd_subjects_are_refused(fake):
    refused(fake.mint(USER, sts="pending"))
    refused(fake.mint("someone"))
    refused(fake.mint(USER, sub=None))


@pytest.mark.parametrize("junk", ["", "abc", "a.b.c", "x" * 20_000, "eyJhbGciOiJSUzI1NiJ9.e30.", None, 42])
def test_junk_is_refused_without_crashing(fake, junk):
    with pytest.raises(NotAuthenticated):
        clerk.verify_session_token(junk, get_settings())  # type: ignore[arg-type]


def test_a_pem_key_verifies_without_any_network(env):
    fake = FakeClerk()  # never started: its JWKS URL refuses connections
    env(**{**fake.settings_env(pem=True), "CLERK_JWKS_URL": "http://127.0.0.1:9/.well-known/jwks.json"})
    assert verify(fake.mint(USER)) == USER
    assert (
        verify(fake.mint(USER, kid="ins_any_kid_is_ignored_with_a_pem", key=fake.keys[fake.current_kid]))
        == USER
    )
    refused(fake.mint(USER, key=new_rsa_key()))
    env(CLERK_JWT_KEY=fake.public_pem().replace("\n", "\\n"))  # as it often arrives from an env file
    assert verify(fake.mint(USER)) == USER
    assert fake.requests == []


# --- the JWKS cache -------------------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def cache_with_clock(fake, monkeypatch):
    clock = Clock()
    settings = get_settings()
    cache = clerk.JwksCache(
        fake.jwks_url, timeout=2, cooldown=settings.clerk_jwks_cooldown_seconds, clock=clock
    )
    monkeypatch.setattr(clerk, "jwks_cache", lambda _settings: cache)
    return cache, clock


def test_an_unknown_kid_triggers_one_jwks_refresh(fake, cache_with_clock):
    _, clock = cache_with_clock
    assert verify(fake.mint(USER)) == USER
    assert fake.jwks_fetches() == 1
    new_kid = fake.rotate()  # Clerk rotated its signing key, some time later
    clock.now += get_settings().clerk_jwks_cooldown_seconds
    assert verify(fake.mint(USER, kid=new_kid)) == USER
    assert fake.jwks_fetches() == 2
    # A kid the instance doesn't have, right after: refused without another fetch (cooldown).
    refused(fake.mint(USER, kid="ins_unknown", key=new_rsa_key()))
    assert fake.jwks_fetches() == 2


def test_a_thousand_tokens_with_random_kids_cause_at_most_one_fetch_per_cooldown(fake, cache_with_clock):
    _, clock = cache_with_clock
    assert verify(fake.mint(USER)) == USER
    assert fake.jwks_fetches() == 1
    attacker_key = new_rsa_key()
    tokens = [fake.mint(USER, kid=f"ins_{uuid.uuid4().hex}", key=attacker_key) for _ in range(1000)]

    def attempt(token: str) -> bool:
        try:
            verify(token)
        except NotAuthenticated:
            return False
        return True

    clock.now += 1  # within the cooldown of the first fetch
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert not any(pool.map(attempt, tokens))
    assert fake.jwks_fetches() == 1

    clock.now += get_settings().clerk_jwks_cooldown_seconds  # the next window: one refresh, shared by all
    with ThreadPoolExecutor(max_workers=16) as pool:
        assert not any(pool.map(attempt, tokens))
    assert fake.jwks_fetches() == 2
    assert verify(fake.mint(USER)) == USER  # real users never noticed


def test_cached_keys_keep_working_while_the_jwks_server_is_down(fake, cache_with_clock):
    cache, clock = cache_with_clock
    assert verify(fake.mint(USER)) == USER
    known_token = fake.mint(USER)

    fake.fail(503)
    clock.now += 3600
    refused(fake.mint(USER, kid="ins_unknown", key=new_rsa_key()))  # triggers a refresh, which fails...
    assert fake.jwks_fetches() == 2
    assert verify(known_token) == USER  # ...and the keys already known are kept

    fake.stop()  # now the server is gone entirely
    clock.now += 3600
    refused(fake.mint(USER, kid="ins_unknown_2", key=new_rsa_key()))
    assert verify(fake.mint(USER)) == USER
    assert cache.fetches == 3


def test_a_first_fetch_that_fails_is_retried_soon_not_after_the_whole_cooldown(fake, cache_with_clock):
    _, clock = cache_with_clock
    fake.fail(500)
    refused(fake.mint(USER))
    refused(fake.mint(USER))
    assert fake.jwks_fetches() == 1
    fake.fail(None)
    clock.now += clerk.EMPTY_CACHE_RETRY_SECONDS
    assert verify(fake.mint(USER)) == USER
    assert fake.jwks_fetches() == 2


def verify_offline(token: str) -> str:
    return clerk.verify_session_token(token, get_settings(), allow_fetch=False)


def test_without_network_an_unknown_key_asks_for_a_fetch_only_when_one_could_help(fake, cache_with_clock):
    _, clock = cache_with_clock
    with pytest.raises(clerk.KeyNotCachedError):
        verify_offline(fake.mint(USER))  # nothing fetched yet
    assert fake.jwks_fetches() == 0
    assert verify(fake.mint(USER)) == USER
    assert verify_offline(fake.mint(USER)) == USER  # a known key: no network needed
    with pytest.raises(NotAuthenticated):
        verify_offline(fake.mint(USER, kid="ins_unknown", key=new_rsa_key()))  # cooldown: nothing to wait for
    clock.now += get_settings().clerk_jwks_cooldown_seconds
    with pytest.raises(clerk.KeyNotCachedError):
        verify_offline(fake.mint(USER, kid="ins_unknown", key=new_rsa_key()))
    assert fake.jwks_fetches() == 1


def test_while_a_fetch_is_under_way_an_unknown_key_waits_for_it(fake, cache_with_clock):
    import threading

    _, clock = cache_with_clock
    assert verify(fake.mint(USER)) == USER
    new_kid = fake.rotate()
    clock.now += get_settings().clerk_jwks_cooldown_seconds
    fake.jwks_delay = 1.0
    fetching = threading.Thread(target=verify, args=(fake.mint(USER, kid=new_kid),))
    fetching.start()
    deadline = time.monotonic() + 5
    while fake.jwks_fetches() < 2 and time.monotonic() < deadline:
        time.sleep(0.01)
    with pytest.raises(clerk.KeyNotCachedError):  # the fetch under way may bring this key: not refused
        verify_offline(fake.mint(USER, kid=new_kid))
    fetching.join()
    assert verify_offline(fake.mint(USER, kid=new_kid)) == USER
    assert fake.jwks_fetches() == 2


def test_jwks_documents_keep_only_rsa_signing_keys():
    key = new_rsa_key()
    from tests.fakes.clerk_jwks import jwk_for

    good = jwk_for(key, "ins_good")
    document = {
        "keys": [
            good,
            {**good, "kid": "ins_enc", "use": "enc"},
            {"kty": "EC", "kid": "ins_ec"},
            {**good, "kid": "ins_hs", "alg": "HS256"},
            "junk",
            {"kty": "RSA", "kid": "ins_broken", "n": "!!", "e": "AQAB"},
        ]
    }
    assert set(clerk.parse_jwks(document)) == {"ins_good"}
    assert clerk.parse_jwks({"keys": "nope"}) == {} and clerk.parse_jwks(None) == {}


# --- the instance from the publishable key --------------------------------------------------------


def test_the_frontend_api_is_read_from_the_publishable_key(env):
    pk = clerk.encode_publishable_key("clerk.vocahire.com", live=True)
    assert pk.startswith("pk_live_")
    assert clerk.frontend_api_host(pk) == "clerk.vocahire.com"
    assert (
        clerk.frontend_api_host(clerk.encode_publishable_key("happy-otter-12.clerk.accounts.dev"))
        == "happy-otter-12.clerk.accounts.dev"
    )
    for bad in (
        None,
        "",
        "pk_test_",
        "sk_test_abc",
        "pk_test_!!!",
        "pk_test_" + base64.b64encode(b"no-dollar").decode(),
        "pk_test_" + base64.b64encode(b"evil.com/x$").decode(),
    ):
        assert clerk.frontend_api_host(bad) is None

    env(CLERK_PUBLISHABLE_KEY=pk, CLERK_SECRET_KEY="sk_live_x", CLERK_WEBHOOK_SECRET="whsec_eA==")
    s = get_settings()
    assert clerk.issuer(s) == "https://clerk.vocahire.com"
    assert clerk.jwks_url(s) == "https://clerk.vocahire.com/.well-known/jwks.json"
    assert clerk.clerk_js_url(s) == "https://clerk.vocahire.com/npm/@clerk/clerk-js@5/dist/clerk.browser.js"
    assert clerk.account_portal_url(s, "sign-in") == "https://accounts.vocahire.com/sign-in"
    env(CLERK_PUBLISHABLE_KEY=clerk.encode_publishable_key("happy-otter-12.clerk.accounts.dev"))
    assert (
        clerk.account_portal_url(get_settings(), "sign-up") == "https://happy-otter-12.accounts.dev/sign-up"
    )
    env(CLERK_SIGN_IN_URL="https://example.com/login", CLERK_ISSUER="https://auth.example.com/")
    assert clerk.account_portal_url(get_settings(), "sign-in") == "https://example.com/login"
    assert clerk.issuer(get_settings()) == "https://auth.example.com"


def test_profiles_are_read_from_clerk_user_objects():
    from tests.fakes.clerk_jwks import clerk_user

    user = clerk_user(USER, "Ada@Example.com")
    profile = clerk.profile_from_user(user)
    assert (profile.user_id, profile.email, profile.email_verified, profile.name) == (
        USER,
        "ada@example.com",
        True,
        "Ada Lovelace",
    )
    assert profile.image_url == "https://img.clerk.com/ada.png"
    unnamed = {
        **clerk_user(USER, "grace@example.com", verified=False),
        "first_name": None,
        "last_name": None,
        "image_url": "javascript:alert(1)",
    }
    profile = clerk.profile_from_user(unnamed)
    assert (profile.name, profile.email_verified, profile.image_url) == ("grace", False, None)
    assert clerk.profile_from_user({**user, "email_addresses": []}).email is None
    for bad in ({}, {"id": "nope"}, None, []):
        with pytest.raises(ValueError):
            clerk.profile_from_user(bad)


def test_production_refuses_clerk_without_a_known_issuer(env):
    from vocahire.settings import SettingsError, load_settings

    env(
        ENVIRONMENT="production",
        SESSION_SECRET="s" * 40,
        AUTH_PROVIDER="clerk",
        CLERK_JWT_KEY=FakeClerk().public_pem(),
    )
    with pytest.raises(SettingsError, match="CLERK_PUBLISHABLE_KEY"):
        load_settings()
    env(CLERK_ISSUER=ISSUER)
    assert load_settings().resolved_auth_provider == "clerk"
