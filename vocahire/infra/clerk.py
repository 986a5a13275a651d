"""Clerk: session tokens verified locally (RS256 with pyjwt), the instance's JWKS cache, and the Backend API.

Verification never trusts the token's header beyond picking a key: the algorithm is
pinned to RS256, the key comes from ``CLERK_JWT_KEY`` (PEM, no network) or the
instance's JWKS, and ``exp``/``nbf``/``iat`` (5 s skew), ``iss`` and ``azp`` are checked.
Any failure is ``NotAuthenticated`` (fail closed).

The JWKS is fetched once and cached. A token signed with an unknown ``kid`` triggers
at most one re-fetch per cooldown window, whatever the number of such tokens, and a
failed re-fetch keeps the keys already known (pyjwt's ``PyJWKClient`` does neither).
The fetch is a blocking call: an async caller verifies with ``allow_fetch=False``
(no network, safe on the event loop) and, on ``KeyNotCachedError``, again in a thread.
"""

from __future__ import annotations

import base64
import functools
import json
import logging
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from vocahire.errors import NotAuthenticated, UpstreamError, UpstreamTimeout
from vocahire.settings import Settings, clerk_frontend_api_host

log = logging.getLogger(__name__)

ALGORITHM = "RS256"
CLOCK_SKEW_SECONDS = 5
MAX_TOKEN_CHARS = 8192
# While no key is known at all (first fetch failed), retry sooner than the cooldown.
EMPTY_CACHE_RETRY_SECONDS = 5.0
_USER_ID_RE = re.compile(r"^user_[A-Za-z0-9]{1,120}$")


# --- the instance, from the publishable key ------------------------------------------------------


# The host's decoding lives with the settings that derive the ClerkJS URL from it.
frontend_api_host = clerk_frontend_api_host


def encode_publishable_key(host: str, live: bool = False) -> str:
    """The publishable key that names ``host`` (tests and local set-ups build theirs with this)."""
    return ("pk_live_" if live else "pk_test_") + base64.b64encode(f"{host}$".encode()).decode().rstrip("=")


def issuer(settings: Settings) -> str | None:
    """The expected ``iss``: ``CLERK_ISSUER``, else the Frontend API URL from the publishable key."""
    if settings.clerk_issuer:
        return settings.clerk_issuer.rstrip("/")
    host = frontend_api_host(settings.clerk_publishable_key)
    return f"https://{host}" if host else None


def jwks_url(settings: Settings) -> str | None:
    if settings.clerk_jwks_url:
        return settings.clerk_jwks_url
    host = frontend_api_host(settings.clerk_publishable_key)
    return f"https://{host}/.well-known/jwks.json" if host else None


def authorized_parties(settings: Settings) -> frozenset[str]:
    """``CLERK_AUTHORIZED_PARTIES``, else the app's own origin (``APP_URL``)."""
    listed = [p.strip().rstrip("/") for p in settings.clerk_authorized_parties.split(",") if p.strip()]
    if listed:
        return frozenset(listed)
    parts = urlsplit(settings.app_url)
    return frozenset({f"{parts.scheme}://{parts.netloc}"})


def clerk_js_url(settings: Settings) -> str | None:
    """Where the browser loads ClerkJS from: ``CLERK_JS_URL``, else the instance's Frontend API."""
    return settings.clerk_browser_script_url


def account_portal_url(settings: Settings, page: str) -> str | None:
    """Clerk's hosted page (``sign-in``/``sign-up``, or ``user``: its account management): the configured
    URL, else the instance's Account Portal.

    Production Frontend API ``clerk.<domain>`` -> ``https://accounts.<domain>``; development
    ``<slug>.clerk.accounts.dev`` -> ``https://<slug>.accounts.dev``.
    """
    configured = {
        "sign-in": settings.clerk_sign_in_url,
        "sign-up": settings.clerk_sign_up_url,
        "user": settings.clerk_account_portal_url,
    }.get(page)
    if configured:
        return configured
    host = frontend_api_host(settings.clerk_publishable_key)
    if not host:
        return None
    if host.endswith(".clerk.accounts.dev"):
        portal = host[: -len(".clerk.accounts.dev")] + ".accounts.dev"
    elif host.startswith("clerk."):
        portal = "accounts." + host[len("clerk.") :]
    else:
        return None
    return f"https://{portal}/{page}"


# --- keys -----------------------------------------------------------------------------------------


@functools.lru_cache(maxsize=4)
def _pem_key(pem: str) -> RSAPublicKey:
    text = pem.strip().replace("\\n", "\n")
    try:
        key = load_pem_public_key(text.encode())
    except (ValueError, TypeError) as exc:
        raise NotAuthenticated("Sign-in is misconfigured on this deployment (CLERK_JWT_KEY).") from exc
    if not isinstance(key, RSAPublicKey):
        raise NotAuthenticated("Sign-in is misconfigured on this deployment (CLERK_JWT_KEY).")
    return key


def parse_jwks(document: Any) -> dict[str, RSAPublicKey]:
    """RSA signing keys of a JWKS document by ``kid`` (other key types and junk are skipped)."""
    keys: dict[str, RSAPublicKey] = {}
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        return keys
    for jwk in document["keys"]:
        if not isinstance(jwk, dict) or jwk.get("kty") != "RSA" or not isinstance(jwk.get("kid"), str):
            continue
        if jwk.get("use", "sig") != "sig" or jwk.get("alg", ALGORITHM) != ALGORITHM:
            continue
        try:
            key = jwt.algorithms.RSAAlgorithm.from_jwk(jwk)
        except (jwt.InvalidKeyError, ValueError, KeyError, TypeError):
            continue
        if isinstance(key, RSAPublicKey):
            keys[jwk["kid"]] = key
    return keys


class KeyNotCachedError(Exception):
    """The token's key is not known yet and a JWKS fetch may bring it: verify again where blocking is fine."""


class JwksCache:
    """The instance's signing keys: fetched lazily, re-fetched for an unknown ``kid`` once per cooldown."""

    def __init__(
        self,
        url: str,
        *,
        timeout: float = 5.0,
        cooldown: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.url = url
        self.timeout = timeout
        self.cooldown = cooldown
        self._clock = clock
        self._keys: dict[str, RSAPublicKey] = {}
        self._last_attempt: float | None = None
        self._lock = threading.Lock()
        self._fetching = False
        self.fetches = 0

    def key_for(self, kid: str, *, allow_fetch: bool = True) -> RSAPublicKey:
        """The key for ``kid``; ``allow_fetch=False``: ``KeyNotCachedError`` where only a fetch can tell."""
        key = self._keys.get(kid)
        if key is not None:
            return key
        if not allow_fetch:
            if self._fetching or self._may_fetch():
                raise KeyNotCachedError(kid)
            key = self._keys.get(kid)  # a fetch may have finished since the first look
            if key is None:
                raise NotAuthenticated("Your session is not valid. Please sign in again.")
            return key
        with self._lock:
            key = self._keys.get(kid)
            if key is None and self._may_fetch():
                self._refresh()
                key = self._keys.get(kid)
        if key is None:
            raise NotAuthenticated("Your session is not valid. Please sign in again.")
        return key

    def _may_fetch(self) -> bool:
        if self._last_attempt is None:
            return True
        wait = self.cooldown if self._keys else min(self.cooldown, EMPTY_CACHE_RETRY_SECONDS)
        return self._clock() - self._last_attempt >= wait

    def _refresh(self) -> None:
        self._last_attempt = self._clock()
        self.fetches += 1
        self._fetching = True
        try:
            fresh = self._fetch()
            if fresh:
                self._keys = fresh  # set before the flag drops: a reader that sees it down sees the keys
        finally:
            self._fetching = False

    def _fetch(self) -> dict[str, RSAPublicKey]:
        """The keys the JWKS URL serves now; empty (and logged) when the fetch fails or brings none."""
        try:
            response = httpx.get(self.url, timeout=self.timeout, headers={"Accept": "application/json"})
            response.raise_for_status()
            fresh = parse_jwks(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            log.warning(
                json.dumps(
                    {
                        "event": "clerk_jwks_fetch_failed",
                        "error": type(exc).__name__,
                        "kept_keys": len(self._keys),
                    }
                )
            )
            return {}
        if not fresh:
            log.warning(json.dumps({"event": "clerk_jwks_empty", "kept_keys": len(self._keys)}))
        return fresh


_caches: dict[tuple[str, float, float], JwksCache] = {}
_caches_lock = threading.Lock()


def jwks_cache(settings: Settings) -> JwksCache:
    """The process-wide cache for the configured JWKS URL."""
    url = jwks_url(settings)
    if not url:
        raise NotAuthenticated("Sign-in is not configured on this deployment.")
    key = (url, settings.clerk_timeout_seconds, settings.clerk_jwks_cooldown_seconds)
    with _caches_lock:
        cache = _caches.get(key)
        if cache is None:
            cache = _caches[key] = JwksCache(
                url, timeout=settings.clerk_timeout_seconds, cooldown=settings.clerk_jwks_cooldown_seconds
            )
    return cache


def reset_caches() -> None:
    """Forget fetched keys (tests switch JWKS servers)."""
    with _caches_lock:
        _caches.clear()
    _pem_key.cache_clear()


def _signing_key(header: dict[str, Any], settings: Settings, allow_fetch: bool) -> RSAPublicKey:
    if settings.clerk_jwt_key:
        return _pem_key(settings.clerk_jwt_key)  # networkless: the token's kid is not consulted
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid or len(kid) > 200:
        raise NotAuthenticated("Your session is not valid. Please sign in again.")
    return jwks_cache(settings).key_for(kid, allow_fetch=allow_fetch)


# --- verification ---------------------------------------------------------------------------------


def verify_claims(token: str, settings: Settings, *, allow_fetch: bool = True) -> dict[str, Any]:
    """The verified claims of a Clerk session token, or ``NotAuthenticated``.

    With ``allow_fetch=False`` no network is used: ``KeyNotCachedError`` when only a JWKS fetch could tell.
    """
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN_CHARS:
        raise NotAuthenticated()
    expected_issuer = issuer(settings)
    if not expected_issuer:
        raise NotAuthenticated("Sign-in is not configured on this deployment.")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError:
        raise NotAuthenticated("Your session is not valid. Please sign in again.") from None
    if header.get("alg") != ALGORITHM:
        raise NotAuthenticated("Your session is not valid. Please sign in again.")
    key = _signing_key(header, settings, allow_fetch)
    try:
        claims: dict[str, Any] = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            issuer=expected_issuer,
            leeway=CLOCK_SKEW_SECONDS,
            options={"require": ["exp", "iat", "iss", "sub"], "verify_aud": False},
        )
    except jwt.ExpiredSignatureError:
        raise NotAuthenticated("Your session has expired. Please sign in again.") from None
    except jwt.PyJWTError:
        raise NotAuthenticated("Your session is not valid. Please sign in again.") from None
    azp = claims.get("azp")
    # Clerk omits azp when the browser sent no Origin; its docs say to skip the check then.
    if azp is not None and (not isinstance(azp, str) or azp.rstrip("/") not in authorized_parties(settings)):
        raise NotAuthenticated("Your session was issued for another site. Please sign in again.")
    if claims.get("sts") == "pending":
        # Session token v2: sign-in done but tasks pending; Clerk's SDKs treat it as signed out.
        raise NotAuthenticated("Finish setting up your account to continue.")
    if not is_user_id(claims.get("sub")):
        raise NotAuthenticated("Your session is not valid. Please sign in again.")
    return claims


def verify_session_token(token: str, settings: Settings, *, allow_fetch: bool = True) -> str:
    """The Clerk user id (``user_...``) of a valid session token, else ``NotAuthenticated``."""
    return str(verify_claims(token, settings, allow_fetch=allow_fetch)["sub"])


def is_user_id(value: Any) -> bool:
    return isinstance(value, str) and bool(_USER_ID_RE.match(value))


# --- Backend API ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClerkProfile:
    """What VocaHire keeps of a Clerk user: primary e-mail (and whether Clerk verified it), name, picture."""

    user_id: str
    email: str | None
    email_verified: bool
    name: str
    image_url: str | None


def profile_from_user(data: Any) -> ClerkProfile:
    """A Clerk User object (Backend API or webhook ``data``) -> ``ClerkProfile``; ``ValueError`` if unfit."""
    if not isinstance(data, dict) or not is_user_id(data.get("id")):
        raise ValueError("not a Clerk user object")
    addresses = [
        a
        for a in data.get("email_addresses") or []
        if isinstance(a, dict) and isinstance(a.get("email_address"), str)
    ]
    primary_id = data.get("primary_email_address_id")
    primary = next((a for a in addresses if a.get("id") == primary_id), addresses[0] if addresses else None)
    email = primary["email_address"].strip().lower()[:320] if primary else None
    verification = primary.get("verification") if primary else None
    verified = isinstance(verification, dict) and verification.get("status") == "verified"
    parts = [data.get("first_name"), data.get("last_name")]
    name = " ".join(p.strip() for p in parts if isinstance(p, str) and p.strip())
    if not name and isinstance(data.get("username"), str):
        name = data["username"].strip()
    if not name and email:
        name = email.split("@")[0]
    image = data.get("image_url") or data.get("profile_image_url")
    image_url = image[:1000] if isinstance(image, str) and image.startswith("https://") else None
    return ClerkProfile(
        user_id=data["id"], email=email or None, email_verified=verified, name=name[:200], image_url=image_url
    )


def _backend(settings: Settings, method: str, path: str) -> httpx.Response:
    if not settings.clerk_secret_key:
        raise UpstreamError("Clerk's Backend API is not configured (CLERK_SECRET_KEY).")
    url = f"{settings.clerk_api_base_url}{path}"
    try:
        return httpx.request(
            method,
            url,
            headers={"Authorization": f"Bearer {settings.clerk_secret_key}", "Accept": "application/json"},
            timeout=settings.clerk_timeout_seconds,
        )
    except httpx.TimeoutException:
        raise UpstreamTimeout("Our sign-in provider took too long to answer. Please try again.") from None
    except httpx.HTTPError:
        raise UpstreamError("We couldn't reach our sign-in provider. Please try again.") from None


def fetch_profile(settings: Settings, user_id: str) -> ClerkProfile:
    """``GET /users/{id}`` on the Backend API."""
    if not is_user_id(user_id):
        raise NotAuthenticated()
    response = _backend(settings, "GET", f"/users/{user_id}")
    if response.status_code == 404:
        raise NotAuthenticated("Your account no longer exists. Please sign up again.")
    if response.status_code != 200:
        raise UpstreamError("Our sign-in provider answered with an error. Please try again.")
    try:
        return profile_from_user(response.json())
    except ValueError:
        raise UpstreamError("Our sign-in provider sent an unexpected answer. Please try again.") from None


def delete_clerk_user(settings: Settings, user_id: str) -> bool:
    """``DELETE /users/{id}``: True when Clerk no longer has the user (404 counts as done)."""
    if not is_user_id(user_id):
        return False
    response = _backend(settings, "DELETE", f"/users/{user_id}")
    return response.status_code in (200, 404)


def tombstone_subject(user_id: str) -> str:
    """What a deleted account keeps instead of its Clerk user id: a one-way hash, so that a late
    webhook or a still-live Clerk session can't bring the account back, and the id itself is gone."""
    import hashlib

    return "deleted:" + hashlib.sha256(user_id.encode()).hexdigest()
