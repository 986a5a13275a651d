"""A local stand-in for a Clerk instance: its JWKS, the Backend API's user endpoints, and token minting.

- ``GET /.well-known/jwks.json``: the instance's public keys in JWKS form (RS256, ``kid``),
  as the Frontend API serves them. Keys can be rotated (``rotate()``) and the endpoint told
  to fail (``fail(status)``) or the whole server stopped (``stop()``: connection refused).
- ``GET /v1/users/{id}`` and ``DELETE /v1/users/{id}`` with ``Authorization: Bearer <secret>``:
  Clerk's User object / deleted object, or Clerk's error JSON (401, 404).
- ``mint(sub, **claims)``: a session token in Clerk's v2 claim shape (``azp exp fva iat iss
  nbf sid sts sub v``) signed with the current key; ``public_pem()`` for ``CLERK_JWT_KEY``.

Every request is recorded (method, path, Authorization). Runs in a thread on 127.0.0.1.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey

from vocahire.services.clerk import encode_publishable_key

SECRET_KEY = "sk_test_vocahire_fake_clerk"
FRONTEND_API_HOST = "clerk.vocahire.test"
PUBLISHABLE_KEY = encode_publishable_key(FRONTEND_API_HOST)
ISSUER = f"https://{FRONTEND_API_HOST}"
APP_ORIGIN = "http://localhost:3000"


def new_rsa_key() -> RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_pem(key: RSAPrivateKey) -> str:
    return key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def jwk_for(key: RSAPrivateKey, kid: str) -> dict[str, Any]:
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
    return {**jwk, "kid": kid, "use": "sig", "alg": "RS256"}


def clerk_user(user_id: str, email: str, first_name: str = "Ada", last_name: str = "Lovelace", verified: bool = True, image_url: str | None = "https://img.clerk.com/ada.png") -> dict[str, Any]:
    """A Clerk User object as the Backend API and the user.* webhooks carry it (the fields VocaHire reads, and some it doesn't)."""
    email_id = f"idn_{uuid.uuid4().hex[:24]}"
    now_ms = int(time.time() * 1000)
    return {
        "id": user_id,
        "object": "user",
        "username": None,
        "first_name": first_name,
        "last_name": last_name,
        "image_url": image_url,
        "has_image": image_url is not None,
        "primary_email_address_id": email_id,
        "primary_phone_number_id": None,
        "email_addresses": [
            {
                "id": email_id,
                "object": "email_address",
                "email_address": email,
                "verification": {"status": "verified" if verified else "unverified", "strategy": "email_code", "attempts": 1, "expire_at": None},
                "linked_to": [],
            }
        ],
        "phone_numbers": [],
        "external_accounts": [],
        "public_metadata": {},
        "private_metadata": {},
        "unsafe_metadata": {},
        "last_sign_in_at": now_ms,
        "created_at": now_ms,
        "updated_at": now_ms,
    }


@dataclass
class Recorded:
    method: str
    path: str
    authorization: str | None


@dataclass
class FakeClerk:
    secret_key: str = SECRET_KEY
    issuer: str = ISSUER
    azp: str | None = APP_ORIGIN
    keys: dict[str, RSAPrivateKey] = field(default_factory=dict)
    current_kid: str = ""
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    jwks_failure: int | None = None
    user_delay: float = 0.0
    port: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    def __post_init__(self) -> None:
        if not self.keys:
            self.rotate()

    # --- arranging ---
    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/.well-known/jwks.json"

    @property
    def api_base_url(self) -> str:
        return f"{self.base_url}/v1"

    def rotate(self, keep_old: bool = True) -> str:
        """A new signing key becomes current (published in the JWKS; older ones too unless ``keep_old=False``)."""
        kid = f"ins_{uuid.uuid4().hex[:20]}"
        with self._lock:
            if not keep_old:
                self.keys.clear()
            self.keys[kid] = new_rsa_key()
            self.current_kid = kid
        return kid

    def public_pem(self) -> str:
        return public_pem(self.keys[self.current_kid])

    def add_user(self, user_id: str | None = None, email: str = "ada@example.com", **fields: Any) -> dict[str, Any]:
        user_id = user_id or f"user_{uuid.uuid4().hex[:27]}"
        user = clerk_user(user_id, email, **fields)
        self.users[user_id] = user
        return user

    def fail(self, status: int | None) -> None:
        """Make the JWKS endpoint answer ``status`` (``None``: serve again)."""
        self.jwks_failure = status

    def jwks_fetches(self) -> int:
        return len([r for r in self.requests if r.path == "/.well-known/jwks.json"])

    def requests_to(self, prefix: str, method: str | None = None) -> list[Recorded]:
        return [r for r in self.requests if r.path.startswith(prefix) and (method is None or r.method == method)]

    def settings_env(self, *, pem: bool = False, **extra: str) -> dict[str, str]:
        """The environment that points VocaHire's Clerk mode at this fake."""
        env = {
            "AUTH_PROVIDER": "clerk",
            "CLERK_PUBLISHABLE_KEY": encode_publishable_key(self.issuer.removeprefix("https://")),
            "CLERK_SECRET_KEY": self.secret_key,
            "CLERK_WEBHOOK_SECRET": "whsec_" + "dGVzdC1zZWNyZXQtZm9yLWNsZXJrLXdlYmhvb2tz",
            "CLERK_API_BASE_URL": self.api_base_url,
            "CLERK_JWKS_URL": self.jwks_url,
            "CLERK_AUTHORIZED_PARTIES": APP_ORIGIN,
        }
        if pem:
            env["CLERK_JWT_KEY"] = self.public_pem()
        env.update(extra)
        return env

    # --- tokens ---
    def claims(self, sub: str, /, *, now: float | None = None, lifetime: int = 60, **overrides: Any) -> dict[str, Any]:
        issued = int(now if now is not None else time.time())
        claims: dict[str, Any] = {
            "azp": self.azp,
            "exp": issued + lifetime,
            "fva": [0, -1],
            "iat": issued,
            "iss": self.issuer,
            "nbf": issued - 10,
            "sid": f"sess_{uuid.uuid4().hex[:24]}",
            "sts": "active",
            "sub": sub,
            "v": 2,
        }
        if claims["azp"] is None:
            del claims["azp"]
        for key, value in overrides.items():
            if value is None:
                claims.pop(key, None)
            else:
                claims[key] = value
        return claims

    def mint(self, sub: str, /, *, kid: str | None = None, key: RSAPrivateKey | None = None, headers: dict[str, Any] | None = None, **claims: Any) -> str:
        kid = kid or self.current_kid
        signing_key = key or self.keys[kid]
        return jwt.encode(self.claims(sub, **claims), signing_key, algorithm="RS256", headers={"kid": kid, "typ": "JWT", **(headers or {})})

    # --- serving ---
    def jwks(self) -> dict[str, Any]:
        with self._lock:
            return {"keys": [jwk_for(key, kid) for kid, key in self.keys.items()]}

    def handle(self, method: str, path: str, authorization: str | None) -> tuple[int, dict[str, Any]]:
        self.requests.append(Recorded(method, path, authorization))
        if path == "/.well-known/jwks.json" and method == "GET":
            if self.jwks_failure:
                return self.jwks_failure, {"errors": [{"code": "internal_error", "message": "JWKS unavailable"}]}
            return 200, self.jwks()
        if path.startswith("/v1/users/"):
            if authorization != f"Bearer {self.secret_key}":
                return 401, {"errors": [{"code": "authentication_invalid", "message": "Invalid authentication", "long_message": "The provided Clerk Secret Key is invalid."}]}
            if self.user_delay:
                time.sleep(self.user_delay)
            user_id = path[len("/v1/users/") :]
            user = self.users.get(user_id)
            if user is None:
                return 404, {"errors": [{"code": "resource_not_found", "message": "not found", "long_message": f"User {user_id} not found"}]}
            if method == "GET":
                return 200, user
            if method == "DELETE":
                del self.users[user_id]
                return 200, {"object": "user", "id": user_id, "deleted": True}
        return 404, {"errors": [{"code": "resource_not_found", "message": "not found"}]}

    def start(self) -> "FakeClerk":
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _serve(self, method: str) -> None:
                status, body = fake.handle(method, self.path.split("?")[0], self.headers.get("Authorization"))
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:  # noqa: N802
                self._serve("GET")

            def do_DELETE(self) -> None:  # noqa: N802
                self._serve("DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Shut the server: connections are refused from now on (the port stays reserved for this fake)."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@contextmanager
def running_fake_clerk(**kwargs: Any) -> Iterator[FakeClerk]:
    fake = FakeClerk(**kwargs).start()
    try:
        yield fake
    finally:
        fake.stop()
